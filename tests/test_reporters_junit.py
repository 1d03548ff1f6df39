"""JUnit XML: one test case per rule and entity, checked against the JUnit XSD."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

from charter.findings import Finding
from charter.reporters import junit
from charter.result import CheckResult, RevisionInfo
from conftest import OFFICIAL_SCHEMAS, GitRepo
from scenarios import check, mixed_change

JUNIT_XSD = OFFICIAL_SCHEMAS / "junit-10.xsd"


def junit_of(repo: GitRepo) -> str:
    run = check(repo, "--format", "junit=reports/junit.xml")
    assert run.code == 1, run.err
    return (repo.root / "reports/junit.xml").read_text()


def test_junit_is_valid_against_the_xsd(governed: GitRepo) -> None:
    import xmlschema

    mixed_change(governed)
    xmlschema.XMLSchema(str(JUNIT_XSD)).validate(junit_of(governed))


def test_one_case_per_rule_and_entity_with_failures_located(governed: GitRepo) -> None:
    mixed_change(governed)
    root = ET.fromstring(junit_of(governed))
    cases = {(c.get("classname"), c.get("name")): c for c in root.iter("testcase")}
    assert len(cases) == len(list(root.iter("testcase")))
    failing = cases[("charter.PERF-001", "credit@1.1.0")]
    failure = failing.find("failure")
    assert failure is not None
    lines = (governed.root / "models.yaml").read_text().splitlines()
    line = next(i for i, text in enumerate(lines, 1) if "roc_auc: 0.70" in text)
    assert failure.get("message") == (f"models.yaml:{line}:75: credit@1.1.0: roc_auc 0.7 is "
                                      "below 0.75")
    assert f"location: models.yaml:{line}:75" in (failure.text or "")
    waived = cases[("charter.PERF-001", "credit@0.9.0")].find("skipped")
    assert waived is not None and waived.get("message", "").startswith("waived by W-7")
    passing = cases[("charter.PERF-001", "credit@1.0.0")]
    assert len(passing) == 0  # a pass: no failure, no skip, no output
    warning = cases[("charter.DOC-001", "credit")]
    assert warning.find("failure") is None
    assert "warning: models.yaml" in (warning.findtext("system-out") or "")
    assert root.get("failures") == "1"
    assert int(root.get("tests", "0")) == len(cases)
    suite = next(s for s in root.iter("testsuite") if s.get("name", "").startswith("PERF-001"))
    assert suite.get("name") == "PERF-001: High-risk models reach an AUC of 0.75"
    assert (suite.get("tests"), suite.get("failures"), suite.get("skipped")) == ("3", "1", "1")


def test_text_that_xml_cannot_carry_is_replaced(tmp_path: object) -> None:
    import xmlschema

    finding = Finding(rule="X-1", severity="error", entity="m@1", entity_kind="version",
                      message="bell \x07 and <tags> & \"quotes\"\nsecond line",
                      file="models.yaml", line=3)
    result = CheckResult(findings=(finding,), rules={}, head=RevisionInfo("working tree", None),
                         base=None, policies_from="base", policy_digest="", today=dt.date(
                             2026, 11, 27), scope="changed", entities_evaluated=1)
    text = junit.render(result)
    xmlschema.XMLSchema(str(JUNIT_XSD)).validate(text)
    failure = ET.fromstring(text).find(".//failure")
    assert failure is not None
    assert failure.get("message") == ("models.yaml:3:1: bell \ufffd and <tags> & \"quotes\"\n"
                                      "second line")
