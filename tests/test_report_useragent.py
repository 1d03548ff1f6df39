"""Reports are styled with WeasyPrint's user-agent stylesheet less the rules that style a
marker, footnote and note pseudo-element of every element (charter.report.useragent); the
plain twin, the stock stylesheet, must give the same bytes."""

from __future__ import annotations

from typing import Any

import pytest
from weasyprint import html

from charter.report.dossier import dossier_job
from charter.report.facts import ReportFacts
from charter.report.inventory_report import inventory_job
from charter.report.lineage_report import lineage_job
from charter.report.pdf import render_pdf
from charter.report.useragent import TRIMMED_RULES, report_html, trim


@pytest.fixture
def facts(example_facts: ReportFacts) -> ReportFacts:
    return example_facts


def test_documents_have_the_bytes_of_those_styled_with_the_stock_stylesheet(
        facts: ReportFacts) -> None:
    jobs = [dossier_job(facts, "credit-default"), dossier_job(facts, "claims-severity"),
            inventory_job(facts, "a4"), lineage_job(facts, "letter")]
    for job in jobs:
        assert render_pdf(job)[0] == render_pdf(job, trimmed_ua=False)[0], job.filename


def test_the_stock_stylesheet_loses_only_the_rules_of_every_elements_pseudo_elements() -> None:
    trimmed = trim(html.UA)
    assert trimmed is not None
    stock_lines, trimmed_lines = html.UA.splitlines(), trimmed.splitlines()
    gone = [line for line in stock_lines if line not in trimmed_lines]
    assert sorted(line.split("{")[0].strip() for line in gone) == sorted(
        rule.rstrip(" {") for rule in TRIMMED_RULES)
    assert [line for line in trimmed_lines if line not in stock_lines] == [
        "li::marker, summary::marker { font-variant-numeric: tabular-nums; white-space: pre; "
        "text-transform: none }"]


def test_another_weasyprints_stylesheet_is_used_unchanged() -> None:
    assert trim(html.UA.replace("::note-callback {", "::note-back {")) is None
    assert trim("p { margin: 0 }\n") is None


def test_a_list_item_keeps_its_marker() -> None:
    document = report_html(string="<ul><li>one</li></ul>").render()
    assert "".join(_text(document)).startswith("• one")


def test_a_document_with_a_footnote_is_styled_with_the_stock_stylesheet() -> None:
    # WeasyPrint cannot render a footnote without the rules the trimmed stylesheet leaves out.
    document = report_html(string="<p>text<span style='float: footnote'>a note</span></p>"
                           ).render()
    assert "a note" in _text(document)


def _text(document: Any) -> list[str]:
    return [box.text for page in document.pages for box in page._page_box.descendants(True)
            if hasattr(box, "text")]
