"""The fast paths of evaluation against their plain twins: compiled field lookups against
JMESPath's own search, and words written when read against words written at once."""

from __future__ import annotations

import datetime as dt
import importlib.util
from typing import Any

import jmespath
import jmespath.exceptions
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from charter.inventory.diff import diff_inventories
from charter.policy.conditions import (
    ConditionError,
    Scope,
    compile_condition,
    linear_regex,
    lookup,
    matches_whole,
)
from charter.policy.evaluate import Subject, evaluate_policies
from charter.policy.loader import PolicySet
from charter.policy.outcome import Outcome
from charter.policy.rules import compile_rule
from charter.source.yamlsource import load_yaml_text
from conftest import REPO_ROOT

TODAY = dt.date(2026, 11, 27)
NAMES = ["stage", "auc", "validation", "by", "date", "metrics", "roc_auc", "items", "base",
         "evidence", "n"]
SCALARS = (st.none() | st.booleans() | st.integers(-3, 400) | st.floats(allow_nan=False)
           | st.sampled_from(["production", "staging", "2026-06-01", "2025-13-01", "vera",
                              "soon", "", "1.2.0", "abc123"]))
DATA = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
    st.sampled_from(NAMES), inner, max_size=4), max_leaves=12)
MAPPINGS = st.dictionaries(st.sampled_from(NAMES), DATA, max_size=6)
DOTTED = st.lists(st.sampled_from(NAMES), min_size=1, max_size=4).map(".".join)
EXPRESSIONS = DOTTED | st.sampled_from([
    "items[0]", "items[*].by", "length(items)", "validation.by || base.validation.by",
    "contains(items, 'vera')", "stage == 'production'", "metrics.*", "max(items)",
    "\"stage\"", "base.\"n\"", "items[?by == 'vera'] | length(@)", "n > `3`", "keys(@)",
    "min(items[].date)", "max([date, items[].date][])", "items[].by", "items[]", "[n, stage]",
    "items[-1].metrics.roc_auc", "!n", "n && stage", "metrics.* | [0]", "`[1, 2]`",
    "length(items[?n > `1`])", "sort_by(items, &n)[0]", "items[1:].by", "{a: n}.a", "@.stage",
    "not_null(validation.date, date)", "to_number(n) || `0`", "items[*].metrics.*",
    # functions whose argument types are checked before the call, right or wrong
    "starts_with(stage, 'pro')", "ends_with(by, 'a')", "abs(n)", "to_string(n)", "type(n)",
    "length(n)", "starts_with(n, 'x')", "contains(n, `1`)", "join(', ', items)", "ceil(n)",
    "reverse(stage)", "values(metrics)", "merge(metrics, validation)", "to_array(n)",
    "max(metrics.*)", "min([n, `2`])", "sum(items)", "avg(items[].n)", "max_by(items, &n)",
    "join(',', [stage, by])", "min(items[*].date)", "max(`[]`)", "sort(items)",
])


def _jmespath(expression: str, data: Any) -> Any:
    try:
        return jmespath.search(expression, data)
    except jmespath.exceptions.JMESPathError:
        return None


@settings(max_examples=300, deadline=None)
@given(expression=EXPRESSIONS, data=MAPPINGS)
def test_compiled_lookup_finds_what_jmespath_finds(expression: str, data: dict[str, Any]
                                                   ) -> None:
    assert lookup(expression, data) == _jmespath(expression, data)


PATTERNS = ["[0-9a-f]{64}", ".", "..", r"\w+", "é+", "(?i)É", "", "a|", "^examples/.*\\.skops$",
            "[^a]*", r"\d{4}-\d{2}-\d{2}", "(?s).*x", "\\p{L}+"]


@settings(max_examples=300, deadline=None)
@given(pattern=st.sampled_from(PATTERNS), text=st.text(max_size=8) | st.sampled_from(
    ["a" * 64, "é", "ñé", "2026-01-01", "examples/a.skops", "x\ny", "٣٤٥٦-01-01"]))
def test_a_yes_or_no_match_agrees_with_the_full_match(pattern: str, text: str) -> None:
    assert matches_whole(pattern, text) == (linear_regex(pattern).fullmatch(text) is not None)


LEAVES = st.one_of(
    st.builds(lambda f, v: {"field": f, "exists": v}, DOTTED, st.booleans()),
    st.builds(lambda f, v: {"field": f, "equals": v}, DOTTED, SCALARS.filter(
        lambda v: v is not None)),
    st.builds(lambda f, v: {"field": f, "in": v}, DOTTED, st.lists(SCALARS, max_size=3)),
    st.builds(lambda f, op, v: {"field": f, op: v}, DOTTED,
              st.sampled_from(["gt", "gte", "lt", "lte"]),
              st.integers(0, 10) | st.sampled_from(["2026-01-01", "m"]) | st.builds(
                  lambda g: {"field": g}, DOTTED)),
    st.builds(lambda f: {"field": f, "matches": "[a-z]+"}, DOTTED),
    st.builds(lambda f, n: {"field": f, "max_age_days": n}, DOTTED, st.integers(0, 500)),
    st.builds(lambda f, n: {"field": f, "count": {"gte": n}}, DOTTED, st.integers(0, 3)),
    st.builds(lambda f: {"changed": f}, DOTTED),
    st.builds(lambda f: {"transition": {"field": f, "allowed": {"new": ["staging"],
                                                                "staging": ["production"]}}},
              DOTTED),
)
CONDITIONS = st.recursive(LEAVES, lambda inner: st.one_of(
    st.builds(lambda items: {"all": items}, st.lists(inner, min_size=1, max_size=3)),
    st.builds(lambda items: {"any": items}, st.lists(inner, min_size=1, max_size=3)),
    st.builds(lambda item: {"not": item}, inner),
), max_leaves=5)


def _words(outcome: Outcome) -> tuple[str, str]:
    return outcome.requirement, outcome.found


@settings(max_examples=300, deadline=None)
@given(raw=CONDITIONS, first=MAPPINGS, second=MAPPINGS)
def test_words_written_when_read_are_the_words_written_at_once(
        raw: dict[str, Any], first: dict[str, Any], second: dict[str, Any]) -> None:
    condition = compile_condition(raw)
    eager = _words(condition.evaluate(Scope(first, TODAY)))
    late = condition.evaluate(Scope(first, TODAY))
    condition.evaluate(Scope(second, TODAY))  # other evaluations in between change nothing
    assert _words(late) == eager
    assert late == condition.evaluate(Scope(first, TODAY))


class Unprintable:
    """A value whose text cannot be written: evaluating must not try unless it is shown."""

    def __str__(self) -> str:
        raise AssertionError("formatted although no one reads it")

    __repr__ = __str__


def test_a_passing_condition_writes_no_words() -> None:
    data = {"owner": Unprintable(), "stage": "production"}
    for raw in ({"field": "owner", "exists": True},
                {"all": [{"field": "owner", "exists": True},
                         {"field": "stage", "equals": "production"}]},
                {"not": {"field": "owner", "exists": False}},
                {"any": [{"field": "owner", "equals": 1}, {"field": "owner", "exists": True}]}):
        assert compile_condition(raw).evaluate(Scope(data, TODAY)).holds


def _generated() -> tuple[Any, Any]:
    spec = importlib.util.spec_from_file_location("generate", REPO_ROOT / "bench" / "generate.py")
    assert spec is not None and spec.loader is not None
    generate = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generate)
    return generate.inventory_text(60), generate.rules_text(21)


def test_selectors_shared_by_rules_judge_as_each_rule_alone() -> None:
    """Rules that select alike share one evaluation of the selector per entity: every rule's
    results and findings must be what that rule finds when it is the only one."""
    inventory, rules_yaml = _generated()
    base = load_yaml_text(inventory, "models.yaml").data
    edited = inventory.replace("risk_tier: high", "risk_tier: low", 2).replace(
        "stage: development", "stage: production", 3)
    head = load_yaml_text(edited, "models.yaml")
    raw_rules = load_yaml_text(rules_yaml + EXTRA_RULES, "policies/p.yaml").data["rules"]
    rules = {rule_id: compile_rule(rule_id, raw, "local", "policies/p.yaml", 1)
             for rule_id, raw in raw_rules.items()}
    subject = Subject(head.data, head.source, base, diff_inventories(base, head.data))
    together = evaluate_policies(subject, PolicySet(rules), TODAY)
    assert {r.status for r in together.results} >= {"pass", "fail", "skip"}
    for rule_id, rule in rules.items():
        alone = evaluate_policies(subject, PolicySet({rule_id: rule}), TODAY)
        assert alone.results == tuple(r for r in together.results if r.rule == rule_id)
        assert [f for f in alone.findings if f.rule == rule_id] == [
            f for f in together.findings if f.rule == rule_id]


EXTRA_RULES = """\
  SHARED-1:
    title: Changed stages move forward
    severity: error
    applies_to: version
    match: {stage: [staging, production]}
    when: {changed: stage}
    require: {field: validation.outcome, equals: approved}
  SHARED-2:
    title: High-risk production versions are monitored
    severity: warning
    applies_to: version
    match: {all: [{field: stage, equals: production}, {field: model.risk_tier, in: [high]}]}
    when: {changed: stage}
    require: {field: monitoring.current, exists: true}
  SHARED-3:
    title: Not retired versions name their algorithm
    severity: info
    applies_to: version
    match: {not: {field: stage, equals: retired}}
    require: {field: algorithm, matches: "[A-Z].*"}
"""


def test_a_null_expected_value_is_refused_when_the_rule_is_compiled() -> None:
    with pytest.raises(ConditionError, match="not null; to require that a field is absent"):
        compile_condition({"field": "stage", "equals": None})
