"""JUnit XML for CI systems other than GitHub: one test case per rule and entity.

Each rule is a test suite; every entity the rule was judged on is a test case. A blocking
finding is a failure, a waived one is skipped with the waiver's reasons, and a warning or
note passes with the finding in its output. Rules that do not apply to an entity are left
out, so the counts are those of real judgements.

`time`: the whole run's wall time on <testsuites>; rules are judged together in one pass, so a
suite or case has no time of its own and says 0.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass

from charter.findings import Finding
from charter.policy.evaluate import ENGINE_RULES
from charter.result import CheckResult

_NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


@dataclass(frozen=True)
class _Case:
    rule: str
    entity: str
    finding: Finding | None


def render(result: CheckResult) -> str:
    suites = _group(_cases(result))
    root = ET.Element("testsuites", name="charter", time=f"{result.seconds:.3f}")
    totals = {"tests": 0, "failures": 0, "errors": 0}
    for rule_id, cases in suites.items():
        suite = _suite(rule_id, _title(result, rule_id), cases)
        root.append(suite)
        for key in totals:
            totals[key] += int(suite.get(key, "0"))
    for key, value in totals.items():
        root.set(key, str(value))
    for element in root.iter():
        element.text = _xml_text(element.text)
        for name, text in element.attrib.items():
            element.set(name, _xml_text(text) or "")
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(
        root, encoding="unicode") + "\n"


def _cases(result: CheckResult) -> list[_Case]:
    findings: dict[tuple[str, str], Finding] = {}
    for finding in result.findings:
        findings.setdefault((finding.rule, finding.entity), finding)
    judged = {(r.rule, r.entity) for r in result.results
              if r.status in ("pass", "fail", "waived")}
    cases = [_Case(rule, entity, findings.get((rule, entity))) for rule, entity in judged]
    # findings without a rule result: the engine's own (waivers, review-backed approvals)
    cases += [_Case(*key, finding) for key, finding in findings.items() if key not in judged]
    return cases


def _group(cases: Iterable[_Case]) -> dict[str, list[_Case]]:
    suites: dict[str, list[_Case]] = {}
    for case in sorted(cases, key=lambda c: (c.rule, c.entity)):
        suites.setdefault(case.rule, []).append(case)
    return suites


def _title(result: CheckResult, rule_id: str) -> str:
    rule = result.rules.get(rule_id)
    if rule is not None:
        return rule.title
    return ENGINE_RULES[rule_id][1] if rule_id in ENGINE_RULES else ""


def _suite(rule_id: str, title: str, cases: list[_Case]) -> ET.Element:
    suite = ET.Element("testsuite", name=f"{rule_id}: {title}" if title else rule_id)
    failures = skipped = 0
    for case in cases:
        element = ET.SubElement(suite, "testcase", name=case.entity,
                                classname=f"charter.{rule_id}", time="0")
        finding = case.finding
        if finding is None:
            continue
        if finding.waived:
            skipped += 1
            ET.SubElement(element, "skipped", message=f"waived by {finding.waived_by}: "
                          f"{finding.waiver_justification}").text = _details(finding)
        elif finding.blocking:
            failures += 1
            ET.SubElement(element, "failure", type=finding.rule,
                          message=f"{_where(finding)}: {finding.message}"
                          ).text = _details(finding)
        else:
            ET.SubElement(element, "system-out").text = (
                f"{finding.severity}: {_where(finding)}: {finding.message}\n"
                f"{_details(finding)}")
    suite.set("tests", str(len(cases)))
    suite.set("failures", str(failures))
    suite.set("errors", "0")
    suite.set("skipped", str(skipped))
    suite.set("time", "0")
    return suite


def _where(finding: Finding) -> str:
    return f"{finding.file}:{finding.line}:{finding.column}"


def _details(finding: Finding) -> str:
    lines = [f"location: {_where(finding)}", f"entity: {finding.entity}",
             f"severity: {finding.severity}"]
    for label, value in (("requirement", finding.requirement), ("found", finding.found),
                         ("fix", finding.remediation)):
        if value:
            lines.append(f"{label}: {value}")
    if finding.references:
        lines.append(f"references: {'; '.join(finding.references)}")
    if finding.waived:
        lines.append(f"waiver: {finding.waived_by}, approved by {finding.waiver_approved_by}, "
                     f"expires {finding.waiver_expires}")
    return "\n".join(lines)


def _xml_text(text: str | None) -> str | None:
    """XML 1.0 cannot carry most control characters, whatever the escaping."""
    return None if text is None else _NOT_XML.sub("\ufffd", text)
