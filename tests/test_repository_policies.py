"""The repository's own policies/ come with tests that pass and cover every rule."""

from __future__ import annotations

import re

from conftest import REPO_ROOT, run_charter


def test_own_policy_tests_pass_with_every_rule_and_condition_covered() -> None:
    run = run_charter(REPO_ROOT, "test", "--require-tests", "--coverage")
    assert run.code == 0, run.out + run.err
    rules = re.search(r"^rule coverage: (\d+) of (\d+) local rules", run.out, re.M)
    conditions = re.search(r"^condition coverage: (\d+) of (\d+) conditions", run.out, re.M)
    assert rules and conditions, run.out
    assert int(rules[2]) >= 20 and rules[1] == rules[2], rules[0]
    assert conditions[1] == conditions[2], conditions[0]
