"""Record which conditions of which rules were evaluated, and what each found.

Tracing wraps the leaves of a rule's conditions in copies of the rules, so the engine's own
evaluation runs unchanged and pays nothing when nobody traces.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from charter.policy.conditions import All, AnyOf, Condition, Not, Scope
from charter.policy.loader import PolicySet
from charter.policy.outcome import Outcome
from charter.policy.rules import Rule, is_match_shorthand

PARTS = ("match", "when", "require")


@dataclass(frozen=True)
class Step:
    """One leaf condition evaluated for one entity."""

    rule: str
    entity: str
    path: str  # require.all[1], match.stage, ...
    condition: Condition
    outcome: Outcome

    @property
    def requirement(self) -> str:
        return self.condition.describe()


@dataclass
class Tracer:
    """Collects steps, only for the (rule, entity) pairs in `wanted` when it is given."""

    wanted: set[tuple[str, str]] | None = None
    steps: list[Step] = field(default_factory=list)

    def for_result(self, rule: str, entity: str) -> list[Step]:
        return [s for s in self.steps if s.rule == rule and s.entity == entity]


@dataclass(frozen=True)
class _Traced:
    inner: Condition
    rule: str
    path: str
    tracer: Tracer

    def evaluate(self, scope: Scope) -> Outcome:
        outcome = self.inner.evaluate(scope)
        entity = str(scope.data.get("id", ""))
        wanted = self.tracer.wanted
        if wanted is None or (self.rule, entity) in wanted:
            self.tracer.steps.append(Step(self.rule, entity, self.path, self.inner, outcome))
        return outcome

    def describe(self) -> str:
        return self.inner.describe()

    def fields(self) -> list[str]:
        return self.inner.fields()


def leaves(rule: Rule) -> Iterator[tuple[str, Condition]]:
    """Every leaf condition of a rule, with its path in the rule."""
    for part in PARTS:
        condition = getattr(rule, part)
        if condition is not None:
            yield from _walk(condition, _root(rule, part))


def traced_policies(policies: PolicySet, tracer: Tracer) -> PolicySet:
    rules = {rule_id: _traced_rule(rule, tracer) for rule_id, rule in policies.rules.items()}
    return replace(policies, rules=rules)


def _traced_rule(rule: Rule, tracer: Tracer) -> Rule:
    changes: dict[str, Any] = {}
    for part in PARTS:
        condition = getattr(rule, part)
        if condition is not None:
            changes[part] = _wrap(condition, _root(rule, part), rule.id, tracer)
    return replace(rule, **changes)


def _root(rule: Rule, part: str) -> str | list[str]:
    """The path of a part; match's shorthand {field: value} names each field instead."""
    raw = rule.raw.get(part)
    if part == "match" and is_match_shorthand(raw):
        return [f"match.{key}" for key in raw or {}]
    return part


def _children(condition: Condition, path: str | list[str]) -> list[tuple[Condition, str]] | None:
    if isinstance(condition, All | AnyOf):
        if isinstance(path, list):
            return list(zip(condition.items, path, strict=True))
        word = "all" if isinstance(condition, All) else "any"
        return [(c, f"{path}.{word}[{i}]") for i, c in enumerate(condition.items)]
    if isinstance(condition, Not):
        return [(condition.item, f"{path}.not")]
    return None


def _walk(condition: Condition, path: str | list[str]) -> Iterator[tuple[str, Condition]]:
    children = _children(condition, path)
    if children is None:
        yield (path[0] if isinstance(path, list) else path), condition
        return
    for child, child_path in children:
        yield from _walk(child, child_path)


def _wrap(condition: Condition, path: str | list[str], rule: str, tracer: Tracer) -> Condition:
    children = _children(condition, path)
    if children is None:
        return _Traced(condition, rule, path[0] if isinstance(path, list) else path, tracer)
    wrapped = tuple(_wrap(c, p, rule, tracer) for c, p in children)
    if isinstance(condition, Not):
        return replace(condition, item=wrapped[0])
    assert isinstance(condition, All | AnyOf)
    return replace(condition, items=wrapped)
