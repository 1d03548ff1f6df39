"""The resources overview: what current deployments run on, totalled per team, risk tier and
target; a field not declared is never counted as zero, an ended deployment not at all."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import yaml

from charter.lineage.resources import resource_overview
from conftest import BASIC_POLICIES, GitRepo
from report_helpers import pdf_text, squash
from test_output_schemas import assert_valid, schema_of

DAY = dt.date(2026, 11, 27)
INVENTORY = """\
charter: 1
settings: {currency: EUR}
teams:
  risk-analytics: {members: [dana]}
  growth: {members: [gil]}
  model-risk: {members: [vera], validates: true}
models:
  credit:
    title: Credit default
    owner: risk-analytics
    risk_tier: high
    versions:
      "1.0.0":
        stage: retired
        deployments:
          - target: scoring-api
            since: 2025-01-01
            until: 2026-06-01
            resources: {replicas: 10, cpu: 8, memory_gib: 32, monthly_cost: 9000}
      "2.0.0":
        stage: production
        deployments:
          - target: scoring-api
            since: 2026-06-01
            resources: {replicas: 3, cpu: 2, memory_gib: 4, accelerator: nvidia-l4,
                        accelerators: 1, monthly_cost: 1200, latency_slo_ms: 50}
          - target: batch-eu
            since: 2026-06-01
            resources: {replicas: 2, cpu: 4, monthly_cost: 300, currency: USD,
                        latency_slo_ms: 2000}
  churn:
    title: Churn
    owner: growth
    risk_tier: low
    versions:
      "1.0.0":
        stage: production
        deployments:
          - {target: scoring-api, since: 2026-01-01}
"""


def by(groups: list[dict[str, Any]], name: str) -> dict[str, Any]:
    return next(g for g in groups if g["group"] == name)


def test_totals_count_current_deployments_and_say_what_is_not_declared() -> None:
    overview = resource_overview(yaml.safe_load(INVENTORY), DAY)
    assert overview["deployments"] == 3  # credit 1.0.0 ended on 2026-06-01
    total = overview["total"]
    assert (total["replicas"], total["cpu"], total["memory_gib"], total["accelerators"]) == (
        5, 14, 12, 3)
    assert total["monthly_cost"] == {"EUR": 1200, "USD": 300}  # never added across currencies
    assert total["latency_slo_ms"] == {"tightest": 50, "loosest": 2000}
    # churn declares nothing; batch-eu no memory and no accelerators: not declared, not zero
    assert total["not_declared"] == {"replicas": 1, "cpu": 1, "memory_gib": 2,
                                     "accelerators": 2, "monthly_cost": 1,
                                     "latency_slo_ms": 1}
    growth = by(overview["by_team"], "growth")
    assert growth["replicas"] is None and growth["monthly_cost"] is None
    assert growth["latency_slo_ms"] is None and growth["not_declared"]["cpu"] == 1
    assert by(overview["by_team"], "risk-analytics")["accelerator_types"] == {"nvidia-l4": 3}
    assert [g["group"] for g in overview["by_risk_tier"]] == ["high", "low"]
    scoring = by(overview["by_target"], "scoring-api")
    assert scoring["deployments"] == 2 and scoring["cpu"] == 6


def test_an_ended_deployment_counts_until_its_last_day() -> None:
    overview = resource_overview(yaml.safe_load(INVENTORY), dt.date(2026, 5, 31))
    assert by(overview["by_target"], "scoring-api")["replicas"] == 10  # credit 1.0.0 only
    assert overview["deployments"] == 2  # 2.0.0 not yet deployed; churn has no replicas


def test_lineage_json_has_the_resources_and_meets_its_schema(repo: GitRepo) -> None:
    repo.write("models.yaml", INVENTORY)
    repo.write("policies/rules.yaml", BASIC_POLICIES)
    repo.commit("deployments with resources", date="2026-11-27T10:00:00+00:00")
    run = repo.charter("lineage", "--format", "json", "--ref", "HEAD")
    assert run.code == 0, run.err
    document = json.loads(run.out)
    assert_valid(document, schema_of(repo, "lineage"))
    resources = document["resources"]
    assert resources["as_of"] == "2026-11-27"  # the commit's date
    assert resources["total"]["monthly_cost"] == {"EUR": 1200, "USD": 300}
    assert by(resources["by_team"], "growth")["cpu"] is None


def test_the_inventory_report_shows_the_resources_overview(repo: GitRepo,
                                                           tmp_path: Path) -> None:
    from charter.report.build import build_reports
    from charter.report.facts import gather_facts
    from charter.report.inventory_report import inventory_job

    repo.write("models.yaml", INVENTORY)
    repo.write("policies/rules.yaml", BASIC_POLICIES)
    repo.commit("deployments with resources", date="2026-11-27T10:00:00+00:00")
    facts = gather_facts(repo.root, evidence=False)
    job = inventory_job(facts)
    build_reports([job], tmp_path, facts.commit, workers=1)
    flat = squash(pdf_text(tmp_path / job.filename))
    assert "8.Resources" in flat and "Perteam(themodel'sowner)" in flat
    assert "growth1notdeclarednotdeclared" in flat  # churn declares nothing: not zero
    assert "1,200EUR300USD" in flat
    assert "scoring-api2" in flat  # the ended deployment of credit 1.0.0 does not count
