"""Which changes to a version's monitoring or a model's KPI relax what the rules can find."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from charter.policy.weakening import kpi_relaxations, monitoring_relaxations

MONITORING: dict[str, Any] = {
    "reference": "loans@2024-06", "current": "live@2026-10", "every_days": 30,
    "grace_days": 3,
    "live": {"path": "data/live-{period}.csv", "label_delay_days": 20},
    "checks": {"drift": {"features": ["income", "debt"], "psi": {"amber": 0.1, "red": 0.25},
                         "chi2_p": {"amber": 0.01, "red": 0.001}},
               "performance": {"metric": "roc_auc", "decay": {"amber": 0.02, "red": 0.05}}},
}


def edited(path: tuple[str, ...], value: Any) -> dict[str, Any]:
    out = copy.deepcopy(MONITORING)
    node = out
    for key in path[:-1]:
        node = node.setdefault(key, {})
    if value is None:
        node.pop(path[-1], None)
    else:
        node[path[-1]] = value
    return out


RELAXED = [
    (("every_days",), 3650),
    (("every_days",), None),
    (("grace_days",), 30),
    (("live", "label_delay_days"), 90),
    (("live", "path"), "data/calm-{period}.csv"),
    (("reference",), "live@2026-10"),
    (("checks", "drift", "psi", "red"), 5),
    (("checks", "drift", "psi"), None),
    (("checks", "drift", "chi2_p", "red"), 0.0),
    (("checks", "drift", "features"), ["income"]),
    (("checks", "performance", "decay", "red"), 0.5),
    (("checks", "performance", "metric"), "accuracy"),
    (("checks", "performance"), None),
    (("checks",), None),
    (("x-note",), "a key Charter does not know"),
]
STRICTER_OR_EQUAL = [
    (("every_days",), 14),
    (("grace_days",), None),  # no grace
    (("live", "label_delay_days"), 10),
    (("current",), "live@2026-11"),  # the next period's data
    (("checks", "drift", "psi", "red"), 0.2),
    (("checks", "drift", "chi2_p", "red"), 0.01),
    (("checks", "drift", "ks"), {"amber": 0.1, "red": 0.2}),  # a statistic banded too
    (("checks", "drift", "features"), ["income", "debt", "region"]),
    (("checks", "drift", "features"), None),  # every feature of the model
    (("checks", "performance", "decay", "amber"), 0.01),
]


@pytest.mark.parametrize(("path", "value"), RELAXED)
def test_a_relaxation_is_found(path: tuple[str, ...], value: Any) -> None:
    found = monitoring_relaxations(MONITORING, edited(path, value))
    assert found, (path, value)
    assert any(r.field.startswith(".".join(("monitoring", *path))) for r in found)


@pytest.mark.parametrize(("path", "value"), STRICTER_OR_EQUAL)
def test_a_stricter_or_equal_declaration_is_not(path: tuple[str, ...], value: Any) -> None:
    assert monitoring_relaxations(MONITORING, edited(path, value)) == []


def test_dropping_every_band_falls_back_to_the_usual_psi_bands() -> None:
    """Without declared bands PSI is judged amber from 0.1, red from 0.25: dropping bands
    stricter than those relaxes them, dropping bands milder than those does not."""
    strict = edited(("checks", "drift"), {"psi": {"amber": 0.05, "red": 0.1}})
    mild = edited(("checks", "drift"), {"psi": {"amber": 0.2, "red": 0.4}})
    none = edited(("checks", "drift"), None)
    assert [r.field for r in monitoring_relaxations(strict, none)] == [
        "monitoring.checks.drift.psi.amber", "monitoring.checks.drift.psi.red"]
    assert monitoring_relaxations(mild, none) == []


KPI = {"name": "Default losses", "unit": "%", "direction": "lower_is_better", "target": 4.0,
       "owner": "lending-business", "breach_periods": 2}


@pytest.mark.parametrize(("key", "value", "relaxed"), [
    ("target", 6.0, True), ("target", 3.5, False), ("breach_periods", 6, True),
    ("breach_periods", 1, False), ("breach_periods", None, True),  # the default is 3
    ("owner", "risk-analytics", True), ("direction", "higher_is_better", True),
    ("name", "Losses", True)])
def test_kpi_relaxations(key: str, value: Any, relaxed: bool) -> None:
    new = {**KPI, key: value} if value is not None else {
        k: v for k, v in KPI.items() if k != key}
    assert bool(kpi_relaxations(KPI, new)) is relaxed


def test_a_higher_is_better_target_is_relaxed_downwards() -> None:
    kpi = {**KPI, "direction": "higher_is_better", "target": 80}
    assert kpi_relaxations(kpi, {**kpi, "target": 70})
    assert not kpi_relaxations(kpi, {**kpi, "target": 90})
