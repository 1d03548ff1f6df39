"""Every built-in rule cites the texts it comes from in a known form, at places those texts
have (SR 11-7's sections and sub-headings, the AI Act's articles and Annex IV points)."""

from __future__ import annotations

import pytest

from charter.report.citations import citation_problem, parse_citation
from test_packs import PACKS, pack_policies

BUILT_IN = sorted((rule.id, pack, reference) for pack in PACKS
                  for rule in pack_policies(pack).rules.values()
                  if rule.origin == f"charter:{pack}" for reference in rule.references)


@pytest.mark.parametrize("pack", PACKS)
def test_every_built_in_rule_cites_at_least_one_text(pack: str) -> None:
    rules = [r for r in pack_policies(pack).rules.values() if r.origin == f"charter:{pack}"]
    assert [r.id for r in rules if not any(parse_citation(x) for x in r.references)] == []


def test_every_built_in_reference_names_a_place_its_text_has() -> None:
    problems = [(rule, reference, citation_problem(reference))
                for rule, _pack, reference in BUILT_IN if citation_problem(reference)]
    assert problems == []


def test_software_versions_are_annex_iv_point_1c() -> None:
    ev_004 = [ref for rule, _pack, ref in BUILT_IN if rule == "EV-004"]
    assert any(ref.startswith("EU AI Act Annex IV point 1(c) ") for ref in ev_004)
    assert not any("point 2(b)" in ref for ref in ev_004)


@pytest.mark.parametrize(("reference", "problem"), [
    ("EU AI Act Annex IV point 2(b) (design specifications)", None),
    ("EU AI Act Annex IV point 2(i) (nothing)", "Annex IV has no point 2(i)"),
    ("EU AI Act Annex IV point 10 (nothing)", "Annex IV has no point 10"),
    ("EU AI Act Annex IV point 3(a) (nothing)", "Annex IV has no point 3(a)"),
    ("EU AI Act Annex IV(2)(g)", "is in no known citation form"),
    ("EU AI Act Art. 13(3)(b)(iii) (foreseeable risks)", None),
    ("EU AI Act Art. 13(3)(b)(ix) (nothing)", "EU AI Act Art. 13(3)(b) has no (ix)"),
    ("EU AI Act Art. 15(6) (nothing)", "EU AI Act Art. 15 has no paragraph 6"),
    ("EU AI Act Art. 10(2)(i) (nothing)", "EU AI Act Art. 10(2) has no point (i)"),
    ("EU AI Act Art. 10 and 12", "is in no known citation form"),
    ("SR 11-7 §V (Model Validation; Outcomes Analysis): back-testing", None),
    ("SR 11-7 §V (outcomes analysis)", "SR 11-7 §V is titled 'Model Validation', not "
                                       "'outcomes analysis'"),
    ("SR 11-7 §VI (Governance, Policies, and Controls; Model Risk)",
     "SR 11-7 §VI has no sub-heading 'Model Risk'"),
    ("SR 11-7 §VIII (Nothing)", "SR 11-7 has no section §VIII to cite"),
    ("NIST AI RMF 1.0 MEASURE 2.14 (nothing)", "the NIST AI RMF has no MEASURE 2.14"),
    ("GDPR Art. 5(1)(e) (storage limitation)", None),
])
def test_citations_are_checked_against_the_texts(reference: str, problem: str | None) -> None:
    assert citation_problem(reference) == problem
