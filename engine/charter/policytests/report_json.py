"""Policy test results as a JSON document (charter_tests: 1)."""

from __future__ import annotations

import json
from typing import Any

from charter.policytests.suite import SuiteResult

FORMAT = 1


def render(suite: SuiteResult) -> str:
    coverage = suite.coverage
    document: dict[str, Any] = {
        "charter_tests": FORMAT,
        "result": "fail" if suite.exit_code else "pass",
        "exit_code": suite.exit_code,
        "files": list(suite.files),
        "cases": [{
            "name": r.case.name, "file": r.case.file, "line": r.case.line,
            "passed": r.passed,
            "mismatches": [{"rule": m.expectation.rule, "entity": m.expectation.entity,
                            "expected": m.expectation.result, "actual": m.actual,
                            "line": m.expectation.line, "why": list(m.why)}
                           for m in r.mismatches],
        } for r in suite.results],
        "coverage": {
            "rules": [{"rule": r.rule, "expects_pass": r.expects_pass,
                       "expects_fail": r.expects_fail, "tested": r.tested}
                      for r in coverage.rules],
            "conditions": [{"rule": c.rule, "path": c.path, "requirement": c.requirement,
                            "evaluated": c.evaluated} for c in coverage.conditions],
        },
    }
    return json.dumps(document, indent=2) + "\n"
