"""Page references (the contents' page numbers and the requirement map's "page N") are filled
in after a single layout; WeasyPrint's own target-counter() is the plain twin they must match."""

from __future__ import annotations

import io
import logging
import re
import shutil
from collections.abc import Iterator
from typing import Any

import pytest
from pypdf import PdfReader

from charter.report.dossier import dossier_job
from charter.report.facts import gather_facts
from charter.report.pagerefs import FILLED_CSS, PLACEHOLDER, fill_page_numbers
from charter.report.pdf import render_pdf
from conftest import REPO_ROOT, GitRepo


@pytest.fixture
def example(repo: GitRepo) -> GitRepo:
    shutil.copy(REPO_ROOT / "models.yaml", repo.root / "models.yaml")
    shutil.copytree(REPO_ROOT / "policies", repo.root / "policies")
    shutil.copytree(REPO_ROOT / "monitoring", repo.root / "monitoring")
    repo.commit("the governed example", date="2026-11-20T10:00:00+00:00")
    return repo


class _Progress(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@pytest.fixture
def progress() -> Iterator[_Progress]:
    from weasyprint.logger import PROGRESS_LOGGER

    handler, level = _Progress(), PROGRESS_LOGGER.level
    PROGRESS_LOGGER.addHandler(handler)
    PROGRESS_LOGGER.setLevel(logging.INFO)
    yield handler
    PROGRESS_LOGGER.removeHandler(handler)
    PROGRESS_LOGGER.setLevel(level)


def _pages(pdf: bytes) -> list[str]:
    return [page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages]


def _references(pages: list[str]) -> list[tuple[str, int]]:
    """Every page reference in reading order: contents entries and requirement-map links."""
    text = "\n".join(pages).replace("\u2007", "")
    contents = re.findall(r"^(\d+\. [^.\n]+?|Appendix\. [^.\n]+?)[ .]*?\.\s*(\d+)$",
                          text[text.index("Contents"):text.index("1. Model summary\n")], re.M)
    appendix = text[text.rindex("Appendix. Requirement map"):]
    linked = re.findall(r"(\d+\. [^\n,]+?|\w+), page (\d+)", appendix)
    return [(title.strip(), int(n)) for title, n in contents + linked]


def test_a_dossier_is_laid_out_once_and_its_page_numbers_match_target_counter(
        example: GitRepo, progress: _Progress) -> None:
    facts = gather_facts(example.root, evidence=False)
    job = dossier_job(facts, "marketing-propensity")
    progress.messages.clear()
    filled, _ = render_pdf(job)
    assert not [m for m in progress.messages if "Repagination" in m]
    counted, _ = render_pdf(job, counted=True)
    pages, plain = _pages(filled), _pages(counted)
    assert len(pages) == len(plain)
    references = _references(pages)
    assert len(references) >= 20 and references == _references(plain)
    for title, number in references:  # each number is the page that has the heading
        if re.match(r"\d+\. |Appendix\. ", title):
            assert title in pages[number - 1], (title, number)


def _laid_out(html: str) -> Any:
    import weasyprint

    return weasyprint.HTML(string=html).render(stylesheets=[weasyprint.CSS(string=FILLED_CSS)])


def test_a_reference_to_a_missing_anchor_is_left_to_target_counter() -> None:
    document = _laid_out('<nav class="toc"><a href="#nowhere">Gone</a></nav><h1 id="here">H</h1>')
    assert not fill_page_numbers(document)
    texts = [b.text for b in document.pages[0]._page_box.descendants() if hasattr(b, "text")]
    assert PLACEHOLDER in texts  # nothing was half filled in


def test_a_page_number_wider_than_its_placeholder_is_left_to_target_counter() -> None:
    breaks = '<div style="break-before: page">x</div>' * 99
    document = _laid_out(f'<p><a class="pageref" href="#last">Last</a></p>{breaks}'
                         '<h1 id="last" style="break-before: page">Last</h1>')
    assert len(document.pages) == 101
    assert not fill_page_numbers(document)
