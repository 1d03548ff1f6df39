"""Policy test results for people: each case, and for each miss, expected versus actual and
how the rule decided."""

from __future__ import annotations

from itertools import groupby

from charter.policytests.suite import SuiteResult


def render(suite: SuiteResult) -> str:
    local = len(suite.coverage.rules)
    lines = [f"charter test: {_count(len(suite.results), 'case')} in "
             f"{_count(len(suite.files), 'file')}, {_count(suite.expectations, 'expectation')}; "
             f"{_count(len(suite.policies.rules), 'rule')} in force ({local} local)"]
    for file, results in groupby(suite.results, key=lambda r: r.case.file):
        lines += ["", file]
        for result in results:
            word = "PASS" if result.passed else "FAIL"
            lines.append(f"  {word}  {result.case.name}")
            for miss in result.mismatches:
                e = miss.expectation
                lines.append(f"        {e.rule} {e.entity}: expected {e.result}, got "
                             f"{miss.actual}  ({e.file}:{e.line})")
                lines += [f"          {why}" for why in miss.why]
    if suite.show_coverage or suite.require_tests:
        lines += ["", *_coverage(suite)]
    lines += ["", _summary(suite)]
    return "\n".join(lines) + "\n"


def _coverage(suite: SuiteResult) -> list[str]:
    coverage = suite.coverage
    rules = coverage.rules
    covered = sum(r.covered for r in rules)
    lines = [f"rule coverage: {covered} of {len(rules)} local rules expected both to pass and "
             "to fail"]
    lines += [f"  {r.rule:<14} {r.gap()}" for r in coverage.uncovered_rules]
    conditions = coverage.conditions
    unevaluated = coverage.unevaluated
    lines.append(f"condition coverage: {len(conditions) - len(unevaluated)} of "
                 f"{len(conditions)} conditions evaluated where a case states the result")
    lines += [f"  {c.rule:<14} {c.path}: {c.requirement}" for c in unevaluated]
    if suite.require_tests and coverage.untested:
        lines.append(f"--require-tests: {len(coverage.untested)} rules have no test: "
                     f"{', '.join(coverage.untested)}")
    return lines


def _summary(suite: SuiteResult) -> str:
    failed = len(suite.failed)
    met = suite.expectations - suite.unmet
    text = (f"{failed} of {len(suite.results)} cases failed; {met} of {suite.expectations} "
            "expectations met")
    if suite.require_tests and suite.coverage.untested:
        text += f"; {len(suite.coverage.untested)} rules untested"
    return f"{'FAIL' if suite.exit_code else 'PASS'}: {text}"


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'s' * (n != 1)}"
