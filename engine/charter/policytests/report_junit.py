"""Policy test results as JUnit XML: a suite per test file, a test case per case, and with
--require-tests a suite of untested rules."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from itertools import groupby

from charter.policytests.runner import CaseResult, Mismatch
from charter.policytests.suite import SuiteResult


def render(suite: SuiteResult) -> str:
    root = ET.Element("testsuites", name="charter test", tests=str(len(suite.results)),
                      failures=str(len(suite.failed)), errors="0",
                      time=_seconds(sum(r.seconds for r in suite.results)))
    for file, group in groupby(suite.results, key=lambda r: r.case.file):
        _file_suite(root, file, list(group))
    if suite.require_tests:
        _coverage_suite(root, suite)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, "unicode") + "\n"


def _file_suite(root: ET.Element, file: str, results: list[CaseResult]) -> None:
    element = ET.SubElement(root, "testsuite", name=file, tests=str(len(results)),
                            failures=str(sum(not r.passed for r in results)), errors="0",
                            skipped="0", time=_seconds(sum(r.seconds for r in results)),
                            file=file)
    classname = file.rsplit(".", 1)[0].replace("/", ".")
    for result in results:
        case = ET.SubElement(element, "testcase", name=result.case.name, classname=classname,
                             time=_seconds(result.seconds))
        if result.mismatches:
            failure = ET.SubElement(case, "failure", type="expectation",
                                    message="; ".join(_headline(m) for m in result.mismatches))
            failure.text = "\n".join(_details(m) for m in result.mismatches)


def _coverage_suite(root: ET.Element, suite: SuiteResult) -> None:
    rules = suite.coverage.rules
    untested = [r for r in rules if not r.tested]
    element = ET.SubElement(root, "testsuite", name="rules have tests", tests=str(len(rules)),
                            failures=str(len(untested)), errors="0", skipped="0", time="0")
    for rule in rules:
        case = ET.SubElement(element, "testcase", name=rule.rule, classname="charter.coverage",
                             time="0")
        if not rule.tested:
            ET.SubElement(case, "failure", type="untested",
                          message=f"{rule.rule} has no test (--require-tests)")


def _headline(miss: Mismatch) -> str:
    e = miss.expectation
    return f"{e.rule} {e.entity}: expected {e.result}, got {miss.actual}"


def _details(miss: Mismatch) -> str:
    e = miss.expectation
    return "\n".join([f"{_headline(miss)} ({e.file}:{e.line})", *(f"  {w}" for w in miss.why)])


def _seconds(value: float) -> str:
    return f"{value:.3f}"
