"""Which rules the tests pin down, and which conditions no test evaluates.

A rule is covered when some case expects it to pass and some case expects it to fail; a
condition (a leaf of match, when or require) is covered when some case evaluates it for an
entity that the case states the rule's result for (evaluation nobody checks proves nothing).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from charter.policy.loader import PolicySet
from charter.policytests.runner import CaseResult
from charter.policytests.trace import leaves


@dataclass(frozen=True)
class RuleCoverage:
    rule: str
    expects_pass: bool
    expects_fail: bool
    tested: bool  # some expectation names the rule

    @property
    def covered(self) -> bool:
        return self.expects_pass and self.expects_fail

    def gap(self) -> str:
        if not self.tested:
            return "no test"
        missing = [w for w, ok in (("pass", self.expects_pass), ("fail", self.expects_fail))
                   if not ok]
        return f"no case expects it to {' or '.join(missing)}"


@dataclass(frozen=True)
class ConditionCoverage:
    rule: str
    path: str
    requirement: str
    evaluated: bool


@dataclass(frozen=True)
class Coverage:
    rules: tuple[RuleCoverage, ...]
    conditions: tuple[ConditionCoverage, ...]

    @property
    def untested(self) -> list[str]:
        return [r.rule for r in self.rules if not r.tested]

    @property
    def uncovered_rules(self) -> list[RuleCoverage]:
        return [r for r in self.rules if not r.covered]

    @property
    def unevaluated(self) -> list[ConditionCoverage]:
        return [c for c in self.conditions if not c.evaluated]


def local_rules(policies: PolicySet) -> list[str]:
    """Rules the repository wrote (pack rules are tested with the engine)."""
    return sorted(r for r, rule in policies.rules.items() if not rule.origin.startswith("charter:"))


def measure(policies: PolicySet, results: Sequence[CaseResult],
            rule_ids: Iterable[str]) -> Coverage:
    expected: dict[str, set[str]] = {}
    for result in results:
        for expectation in result.case.expect:
            expected.setdefault(expectation.rule, set()).add(expectation.result)
    evaluated = set().union(*(r.evaluated for r in results)) if results else set()
    rules, conditions = [], []
    for rule_id in sorted(rule_ids):
        seen = expected.get(rule_id, set())
        rules.append(RuleCoverage(rule_id, "pass" in seen, "fail" in seen, bool(seen)))
        conditions += [ConditionCoverage(rule_id, path, leaf.describe(),
                                         (rule_id, path) in evaluated)
                       for path, leaf in leaves(policies.rules[rule_id])]
    return Coverage(tuple(rules), tuple(conditions))
