"""A pull request cannot escape the monitoring rules by relaxing what they judge by: a
released version's monitoring or a model's KPI made milder needs an independent approval
(CHARTER-C002), judged through the CLI on real git repositories."""

from __future__ import annotations

import pytest

from conftest import GitRepo
from test_monitoring_gate import ledger as ledger  # the fixture: a monitored production version
from test_monitoring_gate import pr_check


def edit(repo: GitRepo, old: str, new: str) -> None:
    text = (repo.root / "models.yaml").read_text()
    assert old in text
    repo.write("models.yaml", text.replace(old, new, 1))


@pytest.mark.parametrize(("old", "new", "said"), [
    ("every_days: 30", "every_days: 3650", "monitoring.every_days relaxed from 30 to 3650"),
    ("psi: {amber: 0.1, red: 0.25}", "psi: {amber: 0.1, red: 5}",
     "monitoring.checks.drift.psi.red relaxed from 0.25 to 5"),
    ("reference: loans@2024-06", "reference: live@2026-10",
     "monitoring.reference relaxed from loans@2024-06 to live@2026-10"),
    ("            performance: {metric: roc_auc, decay: {amber: 0.02, red: 0.05}}\n", "",
     "monitoring.checks.performance.metric removed (was roc_auc)"),
])
def test_relaxing_a_production_versions_monitoring_is_blocked(
        ledger: tuple[GitRepo, str], old: str, new: str, said: str) -> None:
    repo, _ = ledger
    edit(repo, old, new)
    run = pr_check(repo)
    assert run.code == 1, run.out
    assert "CHARTER-C002" in run.out
    assert "credit@1.0.0: monitoring." in run.out and said in run.out
    assert "add to the version's `approvals` an entry {by, date} by a validator outside " \
        "risk-analytics" in run.out


def test_tightening_monitoring_or_moving_to_new_data_needs_no_approval(
        ledger: tuple[GitRepo, str]) -> None:
    repo, _ = ledger
    edit(repo, "every_days: 30", "every_days: 14")
    edit(repo, "psi: {amber: 0.1, red: 0.25}", "psi: {amber: 0.1, red: 0.2}")
    run = pr_check(repo)
    assert "CHARTER-C002" not in run.out, run.out


def test_an_independent_validators_approval_allows_the_relaxation(
        ledger: tuple[GitRepo, str]) -> None:
    repo, _ = ledger
    edit(repo, "every_days: 30", "every_days: 90")
    edit(repo, "        validation: {by: vera, date: 2026-06-01, outcome: approved}\n",
         "        validation: {by: vera, date: 2026-06-01, outcome: approved}\n"
         "        approvals: [{by: dana, date: 2026-11-26}]\n")
    run = pr_check(repo)
    assert run.code == 1 and "CHARTER-C002" in run.out, run.out  # dana owns the model
    edit(repo, "approvals: [{by: dana, date: 2026-11-26}]",
         "approvals: [{by: dana, date: 2026-11-26}, {by: victor, date: 2026-11-26}]")
    run = pr_check(repo)
    assert "CHARTER-C002" not in run.out, run.out


def test_relaxing_a_models_kpi_target_is_blocked(ledger: tuple[GitRepo, str]) -> None:
    repo, _ = ledger
    edit(repo, "target: 4.0", "target: 9.0")
    run = pr_check(repo)
    assert run.code == 1, run.out
    assert "credit: kpi.target relaxed from 4.0 to 9.0 without an approval: add to the " \
        "model's `approvals`" in run.out
