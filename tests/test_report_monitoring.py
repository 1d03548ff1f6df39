"""What the reports say about monitoring: the dossier's ledger runs (age, overdue flag,
digests, unsound runs, charts with bands), the inventory report's monitoring health table."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from pypdf import PdfReader

from charter.monitoring.ledger import write_run
from charter.report.build import build_reports
from charter.report.dossier import dossier_job
from charter.report.facts import gather_facts
from charter.report.inventory_report import inventory_job
from conftest import BASIC_INVENTORY, BASIC_POLICIES, GitRepo
from report_helpers import pdf_text, squash

COMMIT_DATE = "2026-11-27T10:00:00+00:00"
SHA = "ab" * 32
MONITORING = """\
        monitoring:
          reference: loans@2024-06
          every_days: 30
          grace_days: 5
          checks:
            drift: {psi: {amber: 0.1, red: 0.25}}
            performance: {metric: roc_auc, decay: {amber: 0.02, red: 0.05}}
"""
CHURN = """\
  churn:
    title: Churn
    owner: risk-analytics
    risk_tier: low
    purpose: Find customers about to leave
    kpi: {name: Retention, unit: percent, direction: higher_is_better, target: 90,
          owner: risk-analytics}
    versions:
      "1.0.0":
        stage: production
        validation: {by: vera, date: 2026-06-01, outcome: approved}
        evaluation: {metrics: {roc_auc: 0.8}}
        monitoring: {reference: loans@2024-06, every_days: 30}
"""


def inventory() -> str:
    text = BASIC_INVENTORY.replace(
        "        monitoring: {reference: loans@2024-06, current: loans@2024-09, "
        "every_days: 3650}\n", MONITORING)
    assert MONITORING in text
    return text + CHURN


def run(as_of: str, psi: float, live: float | None, verdict: str) -> dict[str, object]:
    band = "red" if psi >= 0.25 else "amber" if psi >= 0.1 else "green"
    return {
        "charter_monitoring_run": 1, "model": "credit", "version": "1.0.0", "as_of": as_of,
        "engine_version": "1.0.0",
        "inputs": {"reference": {"location": "data/loans.csv", "sha256": SHA},
                   "live": [{"location": f"data/live-{as_of[:7]}.csv", "sha256": SHA}]},
        "results": {
            "drift": {"band": band, "features": {
                "income": {"kind": "numeric", "psi": psi, "band": band},
                "age": {"kind": "numeric", "psi": 0.02, "band": "green"}}},
            "performance": None if live is None else {
                "metric": "roc_auc", "validated": 0.81, "live": live,
                "decay": round(0.81 - live, 6), "band": "green" if live > 0.79 else "amber"}},
        "verdict": verdict}


@pytest.fixture
def monitored(repo: GitRepo) -> tuple[GitRepo, list[str]]:
    repo.write("models.yaml", inventory())
    repo.write("policies/rules.yaml", BASIC_POLICIES)
    paths = [write_run(repo.root, run(d, p, live, v))[0] for d, p, live, v in (
        ("2026-08-31", 0.03, 0.80, "green"), ("2026-09-30", 0.12, 0.785, "amber"),
        ("2026-10-15", 0.18, None, "amber"))]
    edited, _ = write_run(repo.root, run("2026-10-31", 0.31, None, "red"))
    target = repo.root / edited
    target.write_bytes(target.read_bytes().replace(b'"red"', b'"green"'))  # edited in place
    repo.write("monitoring/churn/kpi.yaml", """\
        charter: 1
        observations:
          - {period: 2026-08, value: 92.5, recorded_by: ravi}
          - {period: 2026-09, value: 88.0, recorded_by: ravi, note: price rise}
        """)
    repo.commit("monitored inventory", date=COMMIT_DATE)
    return repo, [*paths, edited]


def test_the_dossier_shows_the_ledger_runs_their_age_and_the_overdue_flag(
        monitored: tuple[GitRepo, list[str]], tmp_path: Path) -> None:
    repo, paths = monitored
    facts = gather_facts(repo.root, evidence=False)
    job = dossier_job(facts, "credit")
    assert {"monitoring-drift-credit-1.0.0", "monitoring-performance-credit-1.0.0"} <= set(
        job.charts)
    drift = job.charts["monitoring-drift-credit-1.0.0"]
    assert drift["x"] == ["2026-08-31", "2026-09-30", "2026-10-15"]  # the unsound run unused
    assert [b["band"] for b in drift["bands"]] == ["amber", "red"]
    build_reports([job], tmp_path, facts.commit, workers=1)
    text = pdf_text(tmp_path / job.filename)
    flat = squash(text)
    for path in paths:  # every run's file, with its digest, is listed
        assert squash(path.rsplit("/", 1)[1]) in flat, path
    assert "Latestrun2026-10-15" in flat
    assert "43days" in flat  # 2026-10-15 to the commit's date 2026-11-27
    assert "OVERDUEby8days" in flat  # 43 days against every 30 + 5 of grace
    assert "UNSOUND" in text and "wasedited" in flat
    attached = json.loads(PdfReader(str(tmp_path / job.filename)).attachments[
        "monitoring.json"][0])
    health = attached["versions"][0]["health"]
    assert (health["last_run"], health["verdict"], health["overdue_days"]) == (
        "2026-10-15", "amber", 8)
    assert health["unsound"] == [paths[-1].rsplit("/", 1)[1]]
    assert "Monitoringledger:credit@1.0.0:4runs,latest2026-10-15" in flat  # requirement map


def test_a_version_without_runs_says_so_and_shows_its_kpi(
        monitored: tuple[GitRepo, list[str]], tmp_path: Path) -> None:
    repo, _ = monitored
    facts = gather_facts(repo.root, evidence=False)
    job = dossier_job(facts, "churn")
    build_reports([job], tmp_path, facts.commit, workers=1)
    text = pdf_text(tmp_path / job.filename)
    flat = squash(text)
    assert "no monitoring run recorded" in text
    assert "OVERDUE:nomonitoringrunrecorded" in flat  # a cadence with nothing behind it
    assert "Retention" in text and "offtarget" in flat and "ontarget" in flat
    kpi = job.charts["monitoring-kpi-churn"]
    assert kpi["lines"][0]["value"] == 90 and kpi["bands"][0]["high"] == 90


def test_an_earlier_report_date_ignores_later_runs(monitored: tuple[GitRepo, list[str]]
                                                   ) -> None:
    repo, _ = monitored
    facts = gather_facts(repo.root, evidence=False, today=dt.date(2026, 10, 1))
    job = dossier_job(facts, "credit")
    health = job.context["ledger"]["versions"][0]["health"]
    assert (health["last_run"], health["age_days"], health["overdue_days"]) == (
        "2026-09-30", 1, 0)


def test_the_inventory_report_has_a_monitoring_health_table(
        monitored: tuple[GitRepo, list[str]], tmp_path: Path) -> None:
    repo, _ = monitored
    facts = gather_facts(repo.root, evidence=False)
    job = inventory_job(facts)
    rows = {r["id"]: r for r in job.context["health"]}
    assert (rows["credit@1.0.0"]["last_run"], rows["credit@1.0.0"]["verdict"],
            rows["credit@1.0.0"]["overdue"]) == ("2026-10-15", "amber", "8")
    assert rows["churn@1.0.0"]["overdue"] == "no monitoring run recorded"
    build_reports([job], tmp_path, facts.commit, workers=1)
    flat = squash(pdf_text(tmp_path / job.filename))
    assert "Monitoringhealth" in flat
    assert "credit@1.0.02026-10-15amber" in flat
    assert "churn@1.0.0norunrecordednone0nomonitoringrunrecordedevery30days" in flat


def test_the_site_home_page_has_a_monitoring_health_column(
        monitored: tuple[GitRepo, list[str]], tmp_path: Path) -> None:
    from charter.site.build import SiteInputs, build_site

    repo, _ = monitored
    facts = gather_facts(repo.root, evidence=False)
    models = ["churn", "credit"]
    build_site(SiteInputs(facts, models, [dossier_job(facts, m) for m in models],
                          inventory_job(facts), {}), tmp_path / "site")
    home = (tmp_path / "site" / "index.html").read_text()
    assert '<th scope="col">Monitoring health</th>' in home
    assert '<span class="band amber">1.0.0: amber</span> <span class="muted">(2026-10-15)' \
           '</span> <strong class="status fail">8 days overdue</strong>' in home
    assert '<span class="band none">1.0.0: no run recorded</span>' in home


def test_a_kpi_file_the_gate_refuses_shows_its_problems_and_no_observations() -> None:
    """The report reads KPI observations as the gate does: a file it would refuse is not
    half used."""
    from charter.report.ledger import read_kpi

    found = read_kpi("monitoring/churn/kpi.yaml", b"""\
charter: 1
observations:
  - {period: 2026-09, value: 88, recorded_by: sam}
  - {period: September, value: 91, recorded_by: sam}
  - {period: 2026-08, value: high, recorded_by: sam}
""")
    assert found["observations"] == []
    assert found["problems"] == [
        "monitoring/churn/kpi.yaml:4:6: $.observations[1].period: 'September' does not match "
        "'^[0-9]{4}-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01]))?$'",
        "monitoring/churn/kpi.yaml:5:23: $.observations[2].value: 'high' is not of type "
        "'number'"]
    assert read_kpi("monitoring/churn/kpi.yaml", b"[1, 2]")["problems"] == [
        "monitoring/churn/kpi.yaml:1:1: $: [1, 2] is not of type 'object'"]
    sound = read_kpi("monitoring/churn/kpi.yaml", b"""\
charter: 1
observations:
  - {period: 2026-08, value: 3, recorded_by: sam}
  - {period: 2026-09, value: 88, note: campaign, recorded_by: sam}
""")
    assert sound == {"path": "monitoring/churn/kpi.yaml", "problems": [], "observations": [
        {"period": "2026-08", "value": 3.0, "note": None, "recorded_by": "sam"},
        {"period": "2026-09", "value": 88.0, "note": "campaign", "recorded_by": "sam"}]}


def test_a_time_series_is_told_in_words_with_its_bands(
        monitored: tuple[GitRepo, list[str]]) -> None:
    from charter.report.charts import _draw, chart_alt

    repo, _ = monitored
    job = dossier_job(gather_facts(repo.root, evidence=False), "credit")
    spec = job.charts["monitoring-drift-credit-1.0.0"]
    alt = chart_alt(spec)
    assert "income: 2026-08-31 0.03, 2026-09-30 0.12, 2026-10-15 0.18." in alt
    assert "amber: PSI ≥ 0.1 band from 0.1 to 0.25." in alt
    assert "red: PSI ≥ 0.25 band from 0.25 to above." in alt
    assert _draw(spec) == _draw(json.loads(json.dumps(spec)))  # drawn twice: the same bytes
