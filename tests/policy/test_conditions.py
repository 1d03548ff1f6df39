"""Every operator of the rule language, including what it does when data is missing."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from charter.policy.conditions import ConditionError, Scope, compile_condition
from charter.policy.outcome import State

TODAY = dt.date(2026, 11, 27)
DATA: dict[str, Any] = {
    "stage": "production",
    "auc": 0.81,
    "approvals": [{"by": "vera", "role": "model-risk"}, {"by": "ravi", "role": "owner"}],
    "validation": {"by": "vera", "date": "2026-06-01"},
    "champion": {"evidence": {"metrics": {"roc_auc": 0.815}}},
    "path": "models/credit-2.1.0.skops",
    "base": {"stage": "staging", "auc": 0.81, "path": "models/credit-2.0.0.skops"},
    "flag": False,
}


def judge(condition: dict[str, Any], data: dict[str, Any] | None = None) -> State:
    return compile_condition(condition).evaluate(Scope(data or DATA, TODAY)).state


@pytest.mark.parametrize(("condition", "expected"), [
    ({"field": "validation.by", "exists": True}, State.PASS),
    ({"field": "validation.nobody", "exists": True}, State.FAIL),
    ({"field": "validation.nobody", "exists": False}, State.PASS),
    ({"field": "flag", "exists": True}, State.PASS),  # false is a value, not an absence
    ({"field": "stage", "equals": "production"}, State.PASS),
    ({"field": "stage", "equals": "staging"}, State.FAIL),
    ({"field": "auc", "equals": 0.8, "tolerance": 0.02}, State.PASS),
    ({"field": "auc", "equals": 0.8, "tolerance": 0.005}, State.FAIL),
    ({"field": "auc", "equals": {"field": "base.auc"}}, State.PASS),
    ({"field": "stage", "in": ["staging", "production"]}, State.PASS),
    ({"field": "stage", "in": ["development"]}, State.FAIL),
    ({"field": "auc", "gt": 0.8}, State.PASS),
    ({"field": "auc", "gt": 0.81}, State.FAIL),
    ({"field": "auc", "gte": 0.81}, State.PASS),
    ({"field": "auc", "lt": 0.81}, State.FAIL),
    ({"field": "auc", "lte": 0.81}, State.PASS),
    ({"field": "auc", "gte": {"field": "champion.evidence.metrics.roc_auc"}}, State.FAIL),
    ({"field": "auc", "gte": {"field": "champion.evidence.metrics.roc_auc"},
      "tolerance": 0.01}, State.PASS),
    ({"field": "auc", "lte": 0.8, "tolerance": 0.01}, State.PASS),
    ({"field": "validation.date", "gte": "2026-01-01"}, State.PASS),  # ISO dates as text
    ({"field": "stage", "gt": 1}, State.FAIL),  # cannot compare text and number
    ({"field": "path", "matches": r"models/.*\.skops"}, State.PASS),
    ({"field": "path", "matches": r"\.skops"}, State.FAIL),  # the whole text must match
    ({"field": "validation.date", "max_age_days": 365}, State.PASS),
    ({"field": "validation.date", "max_age_days": 100}, State.FAIL),
    ({"field": "stage", "max_age_days": 100}, State.FAIL),  # not a date
    ({"field": "approvals", "count": {"gte": 2}}, State.PASS),
    ({"field": "approvals", "count": {"equals": 1}}, State.FAIL),
    ({"field": "approvals[?role == 'model-risk']", "count": {"equals": 1}}, State.PASS),
    ({"field": "stage", "count": {"gte": 1}}, State.FAIL),  # text is not a list
    ({"changed": "stage"}, State.PASS),
    ({"changed": "auc"}, State.FAIL),
    ({"changed": ["auc", "path"]}, State.PASS),
    ({"transition": {"field": "stage", "allowed": {"staging": ["production"]}}}, State.PASS),
    ({"transition": {"field": "stage", "allowed": {"staging": ["retired"]}}}, State.FAIL),
    ({"all": [{"field": "auc", "gt": 0.5}, {"field": "stage", "equals": "production"}]},
     State.PASS),
    ({"all": [{"field": "auc", "gt": 0.5}, {"field": "stage", "equals": "staging"}]},
     State.FAIL),
    ({"any": [{"field": "auc", "gt": 0.9}, {"field": "stage", "equals": "production"}]},
     State.PASS),
    ({"any": [{"field": "auc", "gt": 0.9}, {"field": "stage", "equals": "staging"}]},
     State.FAIL),
    ({"not": {"field": "stage", "equals": "staging"}}, State.PASS),
    ({"not": {"changed": "stage"}}, State.FAIL),
])
def test_operator(condition: dict[str, Any], expected: State) -> None:
    assert judge(condition) is expected


@pytest.mark.parametrize("condition", [
    {"field": "evidence.metrics.roc_auc", "gte": 0.75},
    {"field": "missing", "equals": 1},
    {"field": "missing", "in": [1]},
    {"field": "missing", "matches": "x"},
    {"field": "missing", "max_age_days": 3},
    {"field": "auc", "gte": {"field": "champion.evidence.metrics.pr_auc"}},
    {"transition": {"field": "missing", "allowed": {"new": ["x"]}}},
    {"not": {"field": "missing", "equals": 1}},
    {"all": [{"field": "auc", "gt": 0}, {"field": "missing", "gt": 0}]},
    {"any": [{"field": "auc", "gt": 1}, {"field": "missing", "gt": 0}]},
])
def test_missing_data_is_undecided_not_a_pass(condition: dict[str, Any]) -> None:
    outcome = compile_condition(condition).evaluate(Scope(DATA, TODAY))
    assert outcome.state is State.MISSING
    assert outcome.missing


def test_count_of_something_absent_is_zero() -> None:
    assert judge({"field": "missing", "count": {"equals": 0}}) is State.PASS
    assert judge({"field": "missing", "count": {"gte": 1}}) is State.FAIL


def test_a_true_branch_decides_any_despite_missing_data() -> None:
    assert judge({"any": [{"field": "missing", "gt": 0}, {"field": "auc", "gt": 0}]}) is (
        State.PASS)


def test_a_false_branch_decides_all_despite_missing_data() -> None:
    assert judge({"all": [{"field": "missing", "gt": 0}, {"field": "auc", "gt": 1}]}) is (
        State.FAIL)


def test_new_entities_count_as_changed_and_start_from_new() -> None:
    new = {"stage": "development", "base": None}
    assert judge({"changed": "stage"}, new) is State.PASS
    allowed = {"new": ["development"], "development": ["staging"]}
    assert judge({"transition": {"field": "stage", "allowed": allowed}}, new) is State.PASS
    assert judge({"transition": {"field": "stage", "allowed": {"new": ["staging"]}}},
                 new) is State.FAIL


def test_outcome_says_what_was_found() -> None:
    outcome = compile_condition({"field": "auc", "gte": 0.9}).evaluate(Scope(DATA, TODAY))
    assert outcome.requirement == "auc ≥ 0.9"
    assert outcome.found == "auc is 0.81"
    assert (outcome.value, outcome.expected) == (0.81, 0.9)


@pytest.mark.parametrize(("condition", "error"), [
    ({}, "non-empty mapping"),
    ({"field": "x"}, "no operator"),
    ({"field": "x", "gt": 1, "lt": 2}, "several operators"),
    ({"gt": 1}, "needs `field:`"),
    ({"field": "x", "greater": 1}, "unknown operator 'greater'"),
    ({"field": "x[", "exists": True}, "invalid field expression"),
    ({"field": "x", "matches": "("}, "valid regular expression"),
    ({"field": "x", "in": 3}, "takes a list"),
    ({"field": "x", "count": {"most": 3}}, "equals, gt, gte, lt, lte"),
    ({"field": "x", "matches": "a", "tolerance": 0.1}, "does not apply"),
    ({"all": []}, "non-empty list"),
    ({"not": {"field": "x", "exists": True}, "field": "y"}, "cannot be combined"),
    ({"changed": 3}, "'changed' takes"),
    ({"transition": {"field": "stage"}}, "allowed"),
])
def test_invalid_conditions_are_explained(condition: dict[str, Any], error: str) -> None:
    with pytest.raises(ConditionError, match=error.replace("(", r"\(").replace("[", r"\[")):
        compile_condition(condition)


DATED: dict[str, Any] = {
    "created": "2026-05-20",
    "validation": {"date": "2026-06-01"},
    "deployments": [{"since": "2026-06-02"}, {"since": "2026-05-30"}],
    "logged": dt.date(2026, 6, 1),
    "moment": dt.datetime(2026, 6, 1, 18, 30),
    "stamped": "2026-06-01T18:30:00+02:00",
    "impossible": "2026-02-30",
    "note": "soon",
    "today": TODAY.isoformat(),
    "cadence": 30,
}


@pytest.mark.parametrize(("condition", "expected"), [
    ({"field": "validation.date", "gte": {"field": "created"}}, State.PASS),
    ({"field": "created", "gt": {"field": "validation.date"}}, State.FAIL),
    ({"field": "min(deployments[].since)", "gte": {"field": "validation.date"}}, State.FAIL),
    ({"field": "max(deployments[].since)", "lte": {"field": "today"}}, State.PASS),
    # a date object (Python API, JSON converters) and ISO text are the same kind of value
    ({"field": "logged", "gte": {"field": "validation.date"}}, State.PASS),
    ({"field": "logged", "lt": "2026-06-02"}, State.PASS),
    ({"field": "moment", "lte": {"field": "logged"}}, State.PASS),
    # dates compare by day: a time of day on the same date is not later
    ({"field": "stamped", "lte": {"field": "validation.date"}}, State.PASS),
    ({"field": "stamped", "lt": {"field": "created"}}, State.FAIL),
    # a text or an impossible date is not ordered among dates
    ({"field": "note", "gt": {"field": "today"}}, State.FAIL),
    ({"field": "impossible", "lt": {"field": "today"}}, State.FAIL),
    ({"field": "logged", "gt": 1}, State.FAIL),
    ({"field": "logged", "gte": "2026-05-01", "tolerance": 1}, State.FAIL),
])
def test_comparisons_order_dates_by_day(condition: dict[str, Any], expected: State) -> None:
    assert judge(condition, DATED) is expected


def test_a_date_compared_with_text_says_so() -> None:
    outcome = compile_condition({"field": "note", "gt": {"field": "today"}}).evaluate(
        Scope(DATED, TODAY))
    assert outcome.found == "note is 'soon', which cannot be compared with '2026-11-27'"


@pytest.mark.parametrize(("condition", "expected"), [
    ({"field": "validation.date", "max_age_days": {"field": "cadence"}}, State.FAIL),
    ({"field": "validation.date", "max_age_days": {"field": "nothing || `365`"}}, State.PASS),
    ({"field": "validation.date", "max_age_days": {"field": "cadence || `365`"}}, State.FAIL),
    ({"field": "validation.date", "max_age_days": {"field": "note"}}, State.FAIL),
    ({"field": "logged", "max_age_days": 365}, State.PASS),
    ({"field": "moment", "max_age_days": 100}, State.FAIL),
])
def test_max_age_days_reads_the_limit_from_a_field(condition: dict[str, Any],
                                                   expected: State) -> None:
    assert judge(condition, DATED) is expected


def test_max_age_days_names_the_age_and_the_limit_it_read() -> None:
    condition = {"field": "validation.date", "max_age_days": {"field": "cadence"}}
    outcome = compile_condition(condition).evaluate(Scope(DATED, TODAY))
    assert outcome.requirement == "validation.date is at most cadence days old"
    assert outcome.found == "validation.date is 2026-06-01 (179 days old)"
    assert outcome.expected == 30
    missing = compile_condition({"field": "validation.date", "max_age_days": {
        "field": "nothing"}}).evaluate(Scope(DATED, TODAY))
    assert (missing.state, missing.missing) == (State.MISSING, ("nothing",))
