"""Compiled conditions against their plain twin: the state a compiled condition returns is the
state of the full evaluation, and a policy set judged with compiled conditions finds exactly
what it finds evaluated in full (rule, entity, status, message, file:line, waivers)."""

from __future__ import annotations

import datetime as dt
import importlib.util
import random
from typing import Any

import pytest
from hypothesis import given, settings
from test_lazy import CONDITIONS, MAPPINGS

from charter.inventory.diff import diff_inventories
from charter.inventory.entities import iter_entities
from charter.policy.compiled import compile_state
from charter.policy.conditions import Scope, compile_condition
from charter.policy.evaluate import Evaluation, Subject, _prepared, evaluate_policies
from charter.policy.loader import _parse, assemble_policies
from charter.source.yamlsource import load_yaml_text
from conftest import REPO_ROOT

TODAY = dt.date(2026, 11, 27)


@settings(max_examples=300, deadline=None)
@given(raw=CONDITIONS, data=MAPPINGS, base=MAPPINGS)
def test_a_compiled_condition_has_the_state_of_its_full_evaluation(
        raw: dict[str, Any], data: dict[str, Any], base: dict[str, Any]) -> None:
    condition = compile_condition(raw)
    compiled = compile_state(condition)
    assert compiled is not None
    for scope in (data, {**data, "base": base}, {**data, "base": None}):
        assert compiled(scope, TODAY) is condition.evaluate(Scope(scope, TODAY)).state


def test_changed_names_a_field_that_differs_only_by_a_null_key() -> None:
    condition = compile_condition({"changed": "evaluation"})
    data = {"evaluation": {}, "base": {"evaluation": {"note": None}}}
    outcome = condition.evaluate(Scope(data, TODAY))
    assert outcome.holds and outcome.found == "evaluation changed from {\"note\": null} to {}"


RULES = """\
  DIFF-1:
    title: Changed stages are approved
    severity: error
    applies_to: version
    match: {stage: [staging, production]}
    when: {changed: stage}
    require: {field: validation.outcome, equals: approved}
  DIFF-2:
    title: High-risk production versions are monitored
    severity: warning
    applies_to: version
    match: {all: [{field: stage, equals: production}, {field: model.risk_tier, in: [high]}]}
    require: {any: [{field: monitoring.current, exists: true}, {not: {changed: evaluation}}]}
  DIFF-3:
    title: Stages move forward
    severity: error
    applies_to: version
    require: {transition: {field: stage, allowed: {new: [development, staging],
              development: [staging], staging: [production], production: [retired]}}}
  DIFF-4:
    title: The claimed AUC holds up
    severity: error
    applies_to: version
    on_missing: skip
    require: {field: evaluation.metrics.roc_auc, gte: {field: champion.evaluation.metrics.roc_auc},
              tolerance: 0.05}
  DIFF-5:
    title: PII datasets are owned
    severity: error
    applies_to: dataset
    match: {contains_pii: true}
    on_missing: pass
    require: {field: pii_columns, count: {gte: 1}}
  DIFF-6:
    title: High-risk models are reviewed
    severity: error
    applies_to: model
    match: {risk_tier: high}
    require: {field: last_review, max_age_days: 90}
    message: "{model}: reviewed {value}, more than {expected} days ago"
waivers:
  - {id: W-1, rule: DIFF-6, target: "model-1*", justification: Review booked for next month,
     approved_by: vera, expires: 2027-01-31}
  - {id: W-2, rule: BENCH-000, target: "model-2@*", justification: Metric rework is underway,
     approved_by: vera, expires: 2026-12-10}
  - {id: W-3, rule: DIFF-1, target: "*", justification: Approvals tracked elsewhere today,
     approved_by: dana, expires: 2027-06-01}
"""


def _generate() -> Any:
    spec = importlib.util.spec_from_file_location("generate", REPO_ROOT / "bench" / "generate.py")
    assert spec is not None and spec.loader is not None
    generate = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generate)
    return generate


def _edited(text: str, rng: random.Random) -> str:
    """Random edits a pull request makes: stages, tiers and PII lowered or raised, metrics,
    validations, reviews, removed versions."""
    lines = text.splitlines()
    swaps = [("stage: development", "stage: staging"), ("stage: staging", "stage: production"),
             ("stage: production", "stage: retired"), ("stage: retired", "stage: development"),
             ("risk_tier: high", "risk_tier: low"), ("risk_tier: low", "risk_tier: high"),
             ("risk_tier: medium", "risk_tier: high"), ("contains_pii: false",
                                                        "contains_pii: true"),
             ("outcome: approved", "outcome: rejected"), ("roc_auc: 0.8", "roc_auc: 0.6"),
             ("last_review: 2026-06-01", "last_review: 2026-10-01"),
             ("by: vera", "by: dana")]
    for _ in range(rng.randint(1, 25)):
        old, new = rng.choice(swaps)
        places = [i for i, line in enumerate(lines) if old in line]
        if places:
            i = rng.choice(places)
            lines[i] = lines[i].replace(old, new, 1)
    if rng.random() < 0.5:  # a version without a validation, and one without its metrics
        lines = [line for line in lines if "validation: {by" not in line or rng.random() < 0.9]
        lines = [line for line in lines if "metrics:" not in line or rng.random() < 0.95]
    return "\n".join(lines) + "\n"


def _seen(evaluation: Evaluation) -> tuple[list[Any], list[Any]]:
    results = [(r.rule, r.entity, r.status) for r in evaluation.results]
    findings = [(f.rule, f.entity, f.severity, f.message, f.file, f.line, f.column, f.found,
                 f.field, f.waived_by) for f in evaluation.findings]
    return results, findings


def test_compiled_evaluation_finds_what_the_full_evaluation_finds() -> None:
    generate = _generate()
    rng = random.Random(12)
    base_text = generate.inventory_text(40)
    text = ("charter: 1\nextends: [charter:sr-11-7, charter:responsible-ai]\n"
            + generate.rules_text(21).split("\n", 1)[1] + RULES)
    document = _parse(text.encode(), "policies/p.yaml")
    policies = assemble_policies([("policies/p.yaml", "policies/p.yaml", document)])
    assert {"DIFF-1", "BENCH-000"} <= set(policies.rules) and len(policies.waivers) == 3
    shared = _prepared(policies).selectors  # rules that require alike share one evaluation
    assert len(shared.require_states) < sum(r is not None for r in shared.requires.values())
    statuses: set[str] = set()
    for _ in range(12):
        base = load_yaml_text(base_text, "models.yaml").data
        head = load_yaml_text(_edited(base_text, rng), "models.yaml")
        subject = Subject(head.data, head.source, base, diff_inventories(base, head.data))
        fast = evaluate_policies(subject, policies, TODAY)
        plain = evaluate_policies(subject, policies, TODAY, plain=True)
        assert _seen(fast) == _seen(plain)
        every = set(subject.change.entities) | {e.key for e in iter_entities(head.data)}
        named = evaluate_policies(subject, policies, TODAY, scope=every)  # as a PR reads
        assert sorted(r for r in _seen(named)[0] if r[1] != "change") == sorted(
            r for r in _seen(fast)[0] if r[1] != "change")
        statuses |= {r.status for r in fast.results}
        whole = evaluate_policies(Subject(head.data, head.source, None, diff_inventories(
            {}, head.data, initial=True)), policies, TODAY)
        assert _seen(whole) == _seen(evaluate_policies(Subject(
            head.data, head.source, None, diff_inventories({}, head.data, initial=True)),
            policies, TODAY, plain=True))
    assert statuses == {"pass", "fail", "skip", "waived"}


@pytest.mark.parametrize("op", ["gt", "gte", "lt", "lte"])
@pytest.mark.parametrize("tolerance", [0.0, 0.05, 3])
def test_a_comparison_with_a_number_has_the_state_of_its_full_evaluation(
        op: str, tolerance: float) -> None:
    big = 2**53
    values = [None, 0, 1, -1, 0.75, 0.7499999, 0.8, True, False, "0.8", "2026-01-01", [1],
              {"a": 1}, float("inf"), float("-inf"), float("nan"), big, big + 1, 10**400,
              -(10**400)]
    for expected in [0.75, 1, 0, big, big + 1, -3]:
        condition = compile_condition({"field": "a.b", op: expected, "tolerance": tolerance}
                                      if tolerance else {"field": "a.b", op: expected})
        compiled = compile_state(condition)
        assert compiled is not None
        for value in values:
            data = {"a": {"b": value}}
            assert compiled(data, TODAY) is condition.evaluate(Scope(data, TODAY)).state, (
                op, expected, value)
