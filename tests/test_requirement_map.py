"""The dossier's requirement map: each SR 11-7 element and Annex IV point, the section and
page that answer it, and a status drawn from the rules that cite it and their outcomes."""

from __future__ import annotations

import re
import shutil
from typing import Any

import pytest
from pypdf import PdfReader

from charter.policy.evaluate import RuleResult
from charter.policy.loader import PolicySet, assemble_policies
from charter.report.requirements import annex_points, requirement_map, sr_elements
from charter.source.yamlsource import load_yaml_text
from conftest import REPO_ROOT, GitRepo
from report_helpers import pdf_text, squash

POLICIES = """\
charter: 1
rules:
  OUT-1:
    title: One outcome check
    severity: error
    applies_to: version
    require: {field: stage, exists: true}
    references: ["SR 11-7 §V (Model Validation; Outcomes Analysis): back-testing"]
  OUT-2:
    title: Another outcome check
    severity: error
    applies_to: version
    require: {field: stage, exists: true}
    references: ["SR 11-7 §V (outcomes analysis on independent data)"]
  MON-1:
    title: Monitoring
    severity: error
    applies_to: version
    require: {field: stage, exists: true}
    references: ["SR 11-7 §V (Model Validation; Ongoing Monitoring): in use"]
  SW-1:
    title: Software versions
    severity: error
    applies_to: version
    require: {field: stage, exists: true}
    references: ["EU AI Act Annex IV(1)(c)"]
  DOC-9:
    title: Never applies
    severity: error
    applies_to: version
    require: {field: stage, exists: true}
    references: ["SR 11-7 §VI (Governance, Policies, and Controls; Documentation): x"]
"""


def policies(text: str = POLICIES) -> PolicySet:
    document = load_yaml_text(text.encode(), "policies/rules.yaml")
    return assemble_policies([("policies/rules.yaml", "policies/rules.yaml", document)])


def row(rows: list[dict[str, Any]], title: str) -> dict[str, Any]:
    return next(r for r in rows if r["title"].startswith(title))


def test_statuses_come_from_the_rules_that_cite_each_requirement() -> None:
    results = [RuleResult("OUT-1", "m@1", "version", "pass"),
               RuleResult("OUT-2", "m@1", "version", "fail"),
               RuleResult("MON-1", "m@1", "version", "pass"),
               RuleResult("MON-1", "m@2", "version", "pass"),
               RuleResult("SW-1", "m@1", "version", "waived"),
               RuleResult("DOC-9", "m@1", "version", "skip")]
    found = requirement_map(policies(), results, section_ids=("evidence", "monitoring"))
    outcomes = row(found["sr"], "Outcomes analysis")
    assert (outcomes["status"], outcomes["why"]) == ("partly", "1 of 2 judgements passed")
    assert outcomes["rules"] == ["OUT-1 passed 1", "OUT-2 failed 1"]
    assert outcomes["sections"] == ["evidence"]
    assert row(found["sr"], "Ongoing monitoring")["status"] == "met"
    assert row(found["annex"], "1(c)")["status"] == "not met"
    documentation = row(found["sr"], "Documentation")
    assert (documentation["status"], documentation["why"]) == (
        "not evidenced", "the rules that cite it do not apply to this model")
    assert "DOC-9" in documentation["not_applicable"]
    hardware = row(found["annex"], "1(e)")
    assert (hardware["status"], hardware["why"]) == ("not evidenced", "no rule in force cites it")
    # no section of this dossier answers it: no link to nowhere
    assert row(found["sr"], "Evaluation of conceptual soundness")["sections"] == []
    # "independent data" is not the independence of validation
    assert row(found["sr"], "Independence")["rules"] == []
    assert "not in force" in found["sr_pack"] and "not in force" in found["annex_pack"]


@pytest.mark.parametrize(("reference", "elements"), [
    ("SR 11-7 §V (Model Validation): validation by staff independent of development",
     {"independence"}),
    ("SR 11-7 §III (Overview of Model Risk Management): effective challenge", {"independence"}),
    ("SR 11-7 §IV (Model Development, Implementation, and Use): data quality",
     {"conceptual-soundness"}),
    ("SR 11-7 §VI (Governance, Policies, and Controls; Model Inventory): purpose",
     {"governance"}),
    ("SR 11-7 §VI (Governance, Policies, and Controls; Documentation): changes",
     {"documentation"}),
    ("SR 11-7 §VI (documentation and inventory)", {"documentation", "governance"}),
    ("EU AI Act Art. 15(1) (accuracy)", set()),
])
def test_sr_elements_of_a_reference(reference: str, elements: set[str]) -> None:
    assert sr_elements(reference) == elements


def test_annex_points_of_a_reference() -> None:
    assert annex_points("EU AI Act Annex IV point 1(c) (software)") == {"1(c)"}
    assert annex_points("EU AI Act Annex IV(2)(g)") == {"2(g)"}
    assert annex_points("EU AI Act Art. 14 (human oversight); Annex IV point 2(e)") == {"2(e)"}
    assert annex_points("EU AI Act Annex IV point 9 (plan)") == {"9"}
    assert annex_points("SR 11-7 §V") == set()


@pytest.fixture
def example(repo: GitRepo) -> GitRepo:
    shutil.copy(REPO_ROOT / "models.yaml", repo.root / "models.yaml")
    shutil.copytree(REPO_ROOT / "policies", repo.root / "policies")
    shutil.copytree(REPO_ROOT / "monitoring", repo.root / "monitoring")  # the ledger of runs
    repo.commit("the governed example", date="2026-11-20T10:00:00+00:00")
    return repo


def test_the_dossier_maps_each_requirement_to_the_page_that_answers_it(example: GitRepo
                                                                        ) -> None:
    run = example.charter("report", "credit-default", "--no-evidence", "--out", "out")
    assert run.code == 0, run.err
    path = example.root / "out" / "dossier-credit-default.pdf"
    text = pdf_text(path)
    appendix = text[text.rindex("Appendix. Requirement map"):]  # the contents name it too
    flat = squash(appendix)
    for requirement in ("Evaluation of conceptual soundness", "Ongoing monitoring",
                        "Outcomes analysis", "Independence and effective challenge",
                        "Documentation", "Governance, policies and controls",
                        *(f"{p}." for p in ("1(a)", "1(c)", "2(d)", "2(g)", "3", "5", "9"))):
        assert squash(requirement) in flat, requirement
    assert squash("1(e). Hardware it runs on not evidenced in this dossier") in flat
    pages = [page.extract_text() or "" for page in PdfReader(str(path)).pages]
    first = [i for i, page in enumerate(pages) if "Appendix. Requirement map" in page][-1]
    targets = [int(n) for n in re.findall(r", page (\d+)", appendix)]
    assert len(targets) >= 6 and all(1 <= n <= first for n in targets)
    numbered = re.findall(r"(\d+\. [A-Z][\w ,-]+?), page (\d+)", appendix)
    for title, page in numbered:  # a link lands on the page that has the section's heading
        assert squash(title) in squash(pages[int(page) - 1]), (title, page)


def test_a_pack_not_in_force_is_named(governed: GitRepo) -> None:
    run = governed.charter("report", "credit", "--no-evidence", "--out", "out",
                           "--only", "dossier")
    assert run.code == 0, run.err
    flat = squash(pdf_text(governed.root / "out" / "dossier-credit.pdf"))
    assert squash("The SR 11-7 pack (charter:sr-11-7) is not in force") in flat
    assert squash("The EU AI Act high-risk pack (charter:eu-ai-act-high-risk) is not in "
                  "force") in flat
