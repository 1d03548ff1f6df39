"""A condition's state remembered by the values it reads against its full evaluation: the
paths read are exactly what decides, and equal-looking values that any operator tells apart
(1, 1.0, True; 0.0 and -0.0; NaN; big numbers; a list and its item) are never confused."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_lazy import CONDITIONS, DATA, EXPRESSIONS, MAPPINGS, NAMES

from charter.policy import projection
from charter.policy.compiled import compile_state
from charter.policy.conditions import Scope, _walk, compile_condition, lookup
from charter.policy.outcome import State
from charter.policy.projection import _condition_paths, expression_paths, memoised, read_paths

TODAY = dt.date(2026, 11, 27)
HOSTILE = [None, 0, 1, -1, 1.0, 0.0, -0.0, True, False, float("nan"), float("inf"),
           float("-inf"), 2**53, 2**53 + 1, 10**400, "1", "0", "-0.0", "True", "", [1], [],
           {"x": 1}, {}, [True], dt.date(2026, 6, 1), "2026-06-01",
           dt.datetime(2026, 6, 1, 12, 0), 1e308, -(10**400)]


def _projected(data: dict[str, Any], paths: list[tuple[str, ...]]) -> dict[str, Any]:
    """Only what `paths` read of `data`: a path read whole wins over the paths below it."""
    out: dict[str, Any] = {}
    for path in sorted(set(paths), key=len):
        if any(path[:n] in paths for n in range(1, len(path))):
            continue
        value = _walk(path, data)
        if value is None:
            continue
        node = out
        for name in path[:-1]:
            node = node.setdefault(name, {})
        node[path[-1]] = value
    return out


@settings(max_examples=400, deadline=None)
@given(expression=EXPRESSIONS | st.sampled_from([
    "sort_by(items, &n)[0].by", "max_by(items, &n).date", "values(metrics)[?n == `1`]",
    "validation.by == base.validation.by", "[n, evidence.n][]", "{a: n, b: stage}.b",
    "items[?by == 'vera'].date | [0]", "length(@)", "@", "keys(@)", "join(', ', items[].by)"]),
       data=MAPPINGS)
def test_an_expression_reads_only_the_paths_it_names(expression: str, data: dict[str, Any]
                                                     ) -> None:
    paths = expression_paths(expression)
    if paths is None:
        return  # reads the context as a whole: never remembered
    assert lookup(expression, _projected(data, paths)) == lookup(expression, data)


def test_whole_context_reads_are_not_remembered() -> None:
    for expression in ("@", "keys(@)", "length(@)", "@.stage", "[0]"):
        assert expression_paths(expression) is None
    assert read_paths(compile_condition({"changed": "stage"})) is None
    assert read_paths(compile_condition({"transition": {"field": "stage",
                                                        "allowed": {"new": ["staging"]}}})) is None
    # cheaper to test than to remember
    assert read_paths(compile_condition({"field": "stage", "in": ["production"]})) is None
    assert read_paths(compile_condition({"field": "evidence.problems[?area == 'x']",
                                         "count": {"equals": 0}})) == (("evidence", "problems"),)


def _every_state(raw: dict[str, Any], datas: list[dict[str, Any]]) -> None:
    condition = compile_condition(raw)
    compiled = compile_state(condition)
    paths = _condition_paths(condition)
    assert compiled is not None
    if paths is None:
        return
    remembered = memoised(compiled, tuple(dict.fromkeys(paths)))
    for data in datas + datas[::-1]:  # each again, once remembered
        assert remembered(data, TODAY) is condition.evaluate(Scope(data, TODAY)).state, data


@settings(max_examples=300, deadline=None)
@given(raw=CONDITIONS, pool=st.lists(MAPPINGS, min_size=1, max_size=4),
       picks=st.lists(st.integers(0, 3), max_size=12), shared=DATA)
def test_a_remembered_condition_has_the_state_of_its_full_evaluation(
        raw: dict[str, Any], pool: list[dict[str, Any]], picks: list[int], shared: Any) -> None:
    datas = [pool[i % len(pool)] for i in picks] + pool
    # the same object under several entities, and copies of it that are equal but not it
    datas += [{**d, name: shared} for d in pool for name in NAMES[:3]]
    _every_state(raw, datas)


@pytest.mark.parametrize("raw", [
    {"field": "a.b", "equals": 1}, {"field": "a.b", "equals": True},
    {"field": "a.b", "equals": 0.0}, {"field": "a.b", "in": [1, "1", None]},
    {"field": "a.b", "matches": "-.*"}, {"field": "a.b", "matches": "1|True"},
    {"field": "a.b", "gte": 0}, {"field": "a.b", "lt": {"field": "c"}},
    {"field": "a.b", "equals": {"field": "c"}, "tolerance": 0.5},
    {"field": "a.b", "max_age_days": 200}, {"field": "a.b", "count": {"gte": 1}},
    {"field": "length(a.b)", "equals": 1}, {"field": "max([a.b, c][])", "gte": 1},
    {"not": {"field": "a.b", "matches": "[0-9]+"}},
    {"any": [{"field": "a.b", "equals": 1}, {"field": "c", "max_age_days": 10}]},
])
def test_hostile_values_are_never_confused(raw: dict[str, Any]) -> None:
    datas = [{"a": {"b": value}, "c": other} for value in HOSTILE for other in HOSTILE[:12]]
    datas += [{"a": value} for value in HOSTILE] + [{}, {"a": None}, {"c": 1}]
    _every_state(raw, datas)


def test_values_read_are_computed_once_each(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[Any] = []

    def state(data: Any, today: dt.date) -> State:
        calls.append(data)
        return State.PASS

    remembered = memoised(state, (("model",), ("validation", "by")))
    model = {"risk_tier": "high"}
    for i in range(100):
        remembered({"model": model, "validation": {"by": "vera"}, "id": i}, TODAY)
    assert len(calls) == 1
    remembered({"model": dict(model), "validation": {"by": "vera"}}, TODAY)  # equal, not it
    remembered({"model": model, "validation": {"by": "dana"}}, TODAY)
    assert len(calls) == 3


def test_a_memo_that_finds_few_repeats_stops_remembering(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(projection, "TRIAL", 10)
    calls: list[Any] = []

    def state(data: Any, today: dt.date) -> State:
        calls.append(data)
        return State.FAIL if math.isnan(data.get("n", 0.0)) else State.PASS

    remembered = memoised(state, (("n",),))
    for i in range(20):
        assert remembered({"n": float(i)}, TODAY) is State.PASS
    assert remembered({"n": 0.0}, TODAY) is State.PASS
    assert len(calls) == 21  # stopped at the tenth: 0.0 was computed again
    assert remembered({"n": float("nan")}, TODAY) is State.FAIL


HOSTILE_YAML = ["0.0", "-0.0", ".nan", ".inf", "-.inf", "1", "true", "false", "null", "'1'",
                "[1]", "{x: 1}", "9007199254740993", "1e400", "2026-06-01", "'2026-06-01'",
                "[]", "'-0.0'"]
PROJECTED_RULES = """\
  PROJ-1:
    title: Reviews are recent
    severity: error
    applies_to: model
    require: {field: last_review, max_age_days: 200}
  PROJ-2:
    title: The AUC is written as digits
    severity: warning
    applies_to: version
    require: {field: evaluation.metrics.roc_auc, matches: '[0-9.]+'}
  PROJ-3:
    title: The AUC is at least the champion's
    severity: error
    applies_to: version
    on_missing: skip
    require: {field: evaluation.metrics.roc_auc, gte: {field: model.floor}, tolerance: 0.01}
  PROJ-4:
    title: Deployed versions name a target
    severity: error
    applies_to: version
    require: {field: "length(deployments[].target || `[]`)",
              gte: {field: "length(deployments || `[]`)"}}
"""


def test_a_check_with_hostile_values_finds_what_the_full_evaluation_finds() -> None:
    import random

    from test_compiled import RULES, _generate, _seen

    from charter.inventory.diff import diff_inventories
    from charter.policy.evaluate import Subject, evaluate_policies
    from charter.policy.loader import _parse, assemble_policies
    from charter.source.yamlsource import load_yaml_text

    generate = _generate()
    text = ("charter: 1\nextends: [charter:sr-11-7, charter:responsible-ai]\n"
            + generate.rules_text(14).split("\n", 1)[1] + PROJECTED_RULES + RULES)
    policies = assemble_policies([("policies/p.yaml", "policies/p.yaml",
                                   _parse(text.encode(), "policies/p.yaml"))])
    rng = random.Random(3)
    base_text = generate.inventory_text(30)
    for _ in range(4):
        lines = base_text.splitlines()
        for i, line in enumerate(lines):
            for key in ("roc_auc: ", "last_review: ", "risk_tier: ", "stage: ", "floor: "):
                if key in line and rng.random() < 0.5:
                    head, _, _ = line.partition(key)
                    tail = "}" if line.rstrip().endswith("}") else ""
                    lines[i] = f"{head}{key}{rng.choice(HOSTILE_YAML)}{tail}"
            if line.startswith("  model-") and rng.random() < 0.5:
                lines[i] = f"{line}\n    floor: {rng.choice(HOSTILE_YAML)}"
        base = load_yaml_text(base_text, "models.yaml").data
        head = load_yaml_text("\n".join(lines) + "\n", "models.yaml")
        for subject in (Subject(head.data, head.source, base, diff_inventories(base, head.data)),
                        Subject(head.data, head.source, None,
                                diff_inventories({}, head.data, initial=True))):
            fast = evaluate_policies(subject, policies, TODAY)
            plain = evaluate_policies(subject, policies, TODAY, plain=True)
            assert _seen(fast) == _seen(plain)
            assert fast.results == plain.results and fast.findings == plain.findings
