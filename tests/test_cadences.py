"""Cadences are read, not assumed: a model's `review_every_days` sets its review interval, and
a production version's `monitoring.every_days` bounds the age of its monitoring data."""

from __future__ import annotations

from conftest import BASIC_INVENTORY, REPO_ROOT, TODAY, GitRepo, Run

LIVE_DATA = """\
  loans-live:
    owner: risk-analytics
    contains_pii: false
    source_system: scoring-api
    versions:
      "2026-10": {path: data/loans-live.csv, created: %s}
"""
FIXTURE_MONITORING = next(line + "\n" for line in BASIC_INVENTORY.splitlines()
                          if "monitoring:" in line)
MONITORING = ("        monitoring: {reference: loans@2024-06, current: loans-live@2026-10, "
              "every_days: 30}\n")


def inventory(created: str = "2026-11-01", monitoring: str = MONITORING,
              risk_tier: str = "high") -> str:
    text = BASIC_INVENTORY.replace("models:\n", LIVE_DATA % created + "models:\n", 1)
    text = text.replace(FIXTURE_MONITORING, monitoring)
    return text.replace("risk_tier: high", f"risk_tier: {risk_tier}")


def check_all(repo: GitRepo, text: str, today: str = TODAY) -> Run:
    repo.write("models.yaml", text)
    repo.commit("inventory")
    return repo.charter("check", "--all", "--today", today, "--evidence", "none")


def test_fresh_monitoring_data_passes(governed: GitRepo) -> None:
    run = check_all(governed, inventory(created="2026-10-28"))
    assert run.code == 0, run.out + run.err


def test_monitoring_data_older_than_its_cadence_blocks(governed: GitRepo) -> None:
    text = inventory(created="2026-10-27")
    run = check_all(governed, text)
    assert run.code == 1, run.out + run.err
    line = next(i for i, s in enumerate(text.splitlines(), 1) if "monitoring:" in s)
    assert f"LC-018       models.yaml:{line}:" in run.out, run.out
    assert ("credit@1.0.0: monitoring data loans-live@2026-10 is older than its cadence of "
            "30 days: monitoring_datasets.current.created is 2026-10-27 (31 days old)"
            in run.out), run.out


def test_a_high_risk_production_version_without_monitoring_fails_closed(governed: GitRepo
                                                                      ) -> None:
    run = check_all(governed, inventory(monitoring=""))
    assert run.code == 1, run.out + run.err
    assert "LC-018" in run.out and "missing data: monitoring_datasets.current.created" in run.out


def test_a_cadence_without_dated_monitoring_data_fails_closed(governed: GitRepo) -> None:
    text = inventory(risk_tier="low").replace(", created: 2026-11-01}", "}")
    run = check_all(governed, text)
    assert run.code == 1, run.out + run.err
    assert "LC-018" in run.out and "missing data: monitoring_datasets.current.created" in run.out


def test_a_low_risk_version_without_monitoring_needs_no_cadence(governed: GitRepo) -> None:
    run = check_all(governed, inventory(monitoring="", risk_tier="low"))
    assert run.code == 0, run.out + run.err


def test_local_rules_read_the_monitoring_datasets(governed: GitRepo) -> None:
    governed.write("policies/monitoring.yaml", """\
        charter: 1
        rules:
          MON-010:
            title: Live monitoring data comes from a named source system
            severity: error
            applies_to: version
            match: {stage: production}
            require: {field: monitoring_datasets.current.source_system, exists: true}
            message: "{id}: the monitoring data {monitoring_datasets.current.id} comes from {value}"
          MON-011:
            title: The monitoring reference is the training data
            severity: error
            applies_to: version
            match: {stage: production}
            require: {field: "monitoring_datasets.reference.id", in: [loans@2024-06]}
        """)
    governed.commit("monitoring rules")
    run = check_all(governed, inventory())
    assert run.code == 0, run.out + run.err
    run = check_all(governed, inventory().replace("    source_system: scoring-api\n", ""))
    assert run.code == 1
    assert "MON-010" in run.out and "MON-011" not in run.out, run.out


def test_the_repository_review_rule_reads_the_model_cadence(repo: GitRepo) -> None:
    repo.write("policies/validation.yaml", (REPO_ROOT / "policies/validation.yaml").read_text())
    reviewed = BASIC_INVENTORY.replace("    purpose: Price loans by default risk\n",
                                       "    purpose: Price loans by default risk\n"
                                       "    last_review: 2026-08-01\n")
    repo.write("models.yaml", reviewed)
    repo.commit("reviewed on 2026-08-01, default cadence")
    run = repo.charter("check", "--all", "--today", TODAY, "--evidence", "none")
    assert "REV-001" not in run.out, run.out
    cadence = reviewed.replace("    last_review:", "    review_every_days: 90\n    last_review:")
    run = check_all(repo, cadence)
    assert ("REV-001" in run.out and "credit: periodic review overdue: last_review is "
            "2026-08-01 (118 days old); the model is reviewed every 90 days" in run.out), run.out
