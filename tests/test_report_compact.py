"""Reports are rendered without the whitespace between their blocks (compact_html); the plain
twin, the HTML exactly as the templates wrote it, must give the same bytes."""

from __future__ import annotations

import shutil

import pytest

from charter.report.dossier import dossier_job
from charter.report.facts import gather_facts
from charter.report.inventory_report import inventory_job
from charter.report.lineage_report import lineage_job
from charter.report.pdf import compact_html, render_pdf
from conftest import REPO_ROOT, GitRepo


def test_only_whitespace_between_blocks_is_left_out() -> None:
    html = ('<table>\n<tr>\n  <td>a <b>bold</b> <i>word</i></td>\n  <td class="num">1</td>\n'
            '</tr>\n</table>\n<p>Text <a href="#x">link</a>\n<br>next</p>\n<li>\n  item</li>')
    assert compact_html(html) == (
        '<table><tr><td>a <b>bold</b> <i>word</i></td><td class="num">1</td></tr></table>'
        '<p>Text <a href="#x">link</a>\n<br>next</p><li>\n  item</li>')
    # Text and attributes are never touched, even where they hold a '>' (escaped or not).
    assert compact_html('<td title="a > b">x &gt; \n</td>') == (
        '<td title="a > b">x &gt; \n</td>')
    assert compact_html("<p>a</p> <span>b</span>") == "<p>a</p> <span>b</span>"


@pytest.fixture
def example(repo: GitRepo) -> GitRepo:
    shutil.copy(REPO_ROOT / "models.yaml", repo.root / "models.yaml")
    shutil.copytree(REPO_ROOT / "policies", repo.root / "policies")
    shutil.copytree(REPO_ROOT / "monitoring", repo.root / "monitoring")
    repo.commit("the governed example", date="2026-11-20T10:00:00+00:00")
    return repo


def test_compact_documents_have_the_bytes_of_the_documents_as_written(example: GitRepo
                                                                      ) -> None:
    facts = gather_facts(example.root, evidence=False)
    jobs = [dossier_job(facts, "credit-default"), dossier_job(facts, "claims-severity"),
            inventory_job(facts, "a4"), lineage_job(facts, "letter")]
    for job in jobs:
        assert render_pdf(job)[0] == render_pdf(job, compact=False)[0], job.filename
