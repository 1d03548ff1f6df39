"""The monitoring ledger in the gate: append-only runs that match their inputs, KPI
observations recorded by the owning business team, and the monitoring rules LC-040..LC-049,
judged through the CLI on real git repositories."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from pathlib import Path
from typing import Any

import pytest

from charter.monitoring.ledger import worst, write_run
from conftest import BASIC_POLICIES, TODAY, GitRepo, Run

MODEL = b"not really a model"
REFERENCE = b"income,age\n1,2\n3,4\n"
LIVE = b"income,age\n5,6\n7,8\n"


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


INVENTORY = f"""\
charter: 1
teams:
  risk-analytics: {{members: [dana, ravi]}}
  model-risk: {{members: [vera, victor], validates: true}}
  lending-business: {{members: [sam]}}
datasets:
  loans:
    owner: risk-analytics
    contains_pii: false
    versions:
      "2024-06": {{path: data/loans.csv, sha256: "{sha(REFERENCE)}", created: 2024-06-30}}
  live:
    owner: risk-analytics
    contains_pii: false
    versions:
      "2026-10": {{path: data/live-2026-10.csv, created: 2026-11-25}}
models:
  credit:
    title: Credit default
    owner: risk-analytics
    risk_tier: high
    purpose: Price loans by default risk
    kpi: {{name: Default losses, unit: "%", direction: lower_is_better, target: 4.0,
           owner: lending-business, breach_periods: 2}}
    versions:
      "1.0.0":
        stage: production
        algorithm: GradientBoostingClassifier
        artifact: {{path: models/credit.skops, sha256: "{sha(MODEL)}"}}
        training_data: [loans@2024-06]
        evaluation:
          dataset: loans@2024-06
          target: defaulted
          metrics: {{roc_auc: 0.81}}
        validation: {{by: vera, date: 2026-06-01, outcome: approved}}
        deployments:
          - {{target: scoring-api, since: 2026-06-02, traffic: 100}}
        monitoring:
          reference: loans@2024-06
          current: live@2026-10
          every_days: 30
          grace_days: 3
          live: {{path: "data/live-{{period}}.csv"}}
          checks:
            drift: {{psi: {{amber: 0.1, red: 0.25}}}}
            performance: {{metric: roc_auc, decay: {{amber: 0.02, red: 0.05}}}}
"""

KPI = """\
charter: 1
observations:
  - {period: 2026-08, value: 3.9, recorded_by: sam}
  - {period: 2026-09, value: 3.8, note: autumn campaign, recorded_by: sam}
"""


def run_record(as_of: str = "2026-11-20", version: str = "1.0.0", drift: str = "green",
               live_sha: str | None = None, **performance: Any) -> dict[str, Any]:
    return {
        "charter_monitoring_run": 1, "model": "credit", "version": version, "as_of": as_of,
        "engine_version": "1.0.0",
        "inputs": {
            "artifact": {"location": "models/credit.skops", "sha256": sha(MODEL)},
            "reference": {"location": "data/loans.csv", "sha256": sha(REFERENCE),
                          "dataset": "loans@2024-06", "rows": 2},
            "live": [{"location": "data/live-2026-10.csv", "sha256": live_sha or sha(LIVE),
                      "period": "2026-10", "rows": 2}]},
        "results": {"drift": {"band": drift, "features": {
            "income": {"kind": "numeric", "psi": 0.3 if drift == "red" else 0.01,
                       "band": drift}}},
            "performance": performance or None},
        "verdict": worst([drift, str(performance.get("band", "green"))])}


@pytest.fixture
def ledger(repo: GitRepo) -> tuple[GitRepo, str]:
    """main: an inventory with one monitored production version, one recorded run and KPI
    observations; the work continues on a branch."""
    repo.write("models.yaml", INVENTORY)
    repo.write("policies/rules.yaml", BASIC_POLICIES)
    (repo.root / "models").mkdir()
    (repo.root / "models/credit.skops").write_bytes(MODEL)
    (repo.root / "data").mkdir()
    (repo.root / "data/loans.csv").write_bytes(REFERENCE)
    (repo.root / "data/live-2026-10.csv").write_bytes(LIVE)
    repo.write("monitoring/credit/kpi.yaml", KPI)
    path, _ = write_run(repo.root, run_record())
    repo.commit("monitored inventory")
    repo.git("checkout", "-q", "-b", "change")
    return repo, path


def check(repo: GitRepo, *args: str, today: str = TODAY) -> Run:
    return repo.charter("check", "--today", today, "--evidence", "none", *args)


def whole(repo: GitRepo) -> Run:
    """The scheduled check of a branch's head as it stands: every entity judged, nothing
    changed. The runs these tests write by hand would not pass a pull request's check, which
    computes every added run again from its inputs (tests/test_monitoring_rerun.py); this
    judges what rules make of recorded runs."""
    return check(repo, "--all", "--base", "HEAD")


def pr_check(repo: GitRepo, *args: str) -> Run:
    repo.commit("the pull request")
    return check(repo, "--base", "main", *args)


def test_the_monitored_inventory_passes(ledger: tuple[GitRepo, str]) -> None:
    repo, _ = ledger
    run = check(repo, "--all")
    assert run.code == 0, run.out + run.err
    write_run(repo.root, run_record(as_of="2026-11-26"))
    repo.commit("a run")
    run = whole(repo)  # a pull request adding a run: tests/test_monitoring_rerun.py
    assert run.code == 0, run.out + run.err


def test_an_edited_run_is_blocked(ledger: tuple[GitRepo, str]) -> None:
    repo, path = ledger
    target = repo.root / path
    target.write_bytes(target.read_bytes().replace(b'"green"', b'"amber"'))
    run = pr_check(repo)
    assert run.code == 1, run.out
    assert "LC-040" in run.out
    assert f"{path}: a recorded monitoring run was edited in place" in run.out
    assert re.search(r"models\.yaml:\d+", run.out)


def test_a_deleted_run_is_blocked(ledger: tuple[GitRepo, str]) -> None:
    repo, path = ledger
    (repo.root / path).unlink()
    run = pr_check(repo)
    assert run.code == 1, run.out
    assert f"{path}: a recorded monitoring run was deleted (or renamed)" in run.out


def test_a_renamed_run_is_blocked(ledger: tuple[GitRepo, str]) -> None:
    repo, path = ledger
    repo.git("mv", path, path.replace("2026-11-20", "2026-11-26"))
    run = pr_check(repo)
    assert run.code == 1, run.out
    assert f"{path}: a recorded monitoring run was deleted (or renamed)" in run.out
    assert "as_of is '2026-11-20' but the file's path says '2026-11-26'" in run.out


def test_a_run_whose_input_hashes_do_not_match_is_blocked(ledger: tuple[GitRepo, str]) -> None:
    repo, _ = ledger
    forged, _ = write_run(repo.root, run_record(as_of="2026-11-26", live_sha="0" * 64))
    run = pr_check(repo)
    assert run.code == 1, run.out
    assert "LC-040" in run.out
    assert (f"{forged}: inputs.live[0].sha256 does not match data/live-2026-10.csv at the "
            "head") in run.out


def test_a_run_pointing_at_other_inputs_is_blocked(ledger: tuple[GitRepo, str]) -> None:
    repo, _ = ledger
    record = run_record(as_of="2026-11-26")
    record["inputs"]["reference"] = {"location": "data/live-2026-10.csv", "sha256": sha(LIVE),
                                     "dataset": "live@2026-10"}
    record["inputs"]["artifact"]["sha256"] = sha(b"another model")
    (repo.root / "models/credit.skops").write_bytes(b"another model")
    write_run(repo.root, record)
    run = pr_check(repo)
    assert run.code == 1, run.out
    assert "inputs.reference is 'live@2026-10', not the version's monitoring.reference" in run.out
    assert "is not the version's declared artifact.sha256" in run.out


def test_a_run_of_a_version_models_yaml_does_not_declare_is_blocked(
        ledger: tuple[GitRepo, str]) -> None:
    repo, _ = ledger
    ghost, _ = write_run(repo.root, run_record(version="9.9.9"))
    run = pr_check(repo)
    assert run.code == 1, run.out
    assert "LC-043" in run.out
    assert f"{ghost}: a run of credit@9.9.9, which models.yaml does not declare" in run.out
    assert "every entity is judged: monitoring/ changed" in run.out + run.err


def test_a_stray_file_under_monitoring_is_blocked(ledger: tuple[GitRepo, str]) -> None:
    repo, _ = ledger
    repo.write("monitoring/credit/1.0.0/notes.md", "looks fine to me\n")
    repo.write("monitoring/README.md", "hello\n")
    run = pr_check(repo)
    assert run.code == 1, run.out
    assert ("monitoring/credit/1.0.0/notes.md: neither a monitoring run nor a kpi.yaml"
            in run.out)
    assert "monitoring/README.md: neither a monitoring run nor a kpi.yaml" in run.out


def test_the_working_tree_is_judged_with_files_git_does_not_track_yet(
        ledger: tuple[GitRepo, str]) -> None:
    repo, _ = ledger
    repo.write("monitoring/stray.txt", "x\n")
    run = check(repo, "--base", "main")
    assert run.code == 1, run.out
    assert "monitoring/stray.txt: neither a monitoring run nor a kpi.yaml" in run.out


def test_editing_a_recorded_kpi_observation_is_blocked(ledger: tuple[GitRepo, str]) -> None:
    repo, _ = ledger
    repo.write("monitoring/credit/kpi.yaml", KPI.replace("3.8", "3.1"))
    run = pr_check(repo)
    assert run.code == 1, run.out
    assert "LC-042" in run.out
    assert ("monitoring/credit/kpi.yaml: the observation of 2026-09 was edited (value): KPI "
            "observations are append-only") in run.out


def test_a_kpi_observation_recorded_outside_the_owning_team_is_blocked(
        ledger: tuple[GitRepo, str]) -> None:
    repo, _ = ledger
    repo.write("monitoring/credit/kpi.yaml",
               KPI + "  - {period: 2026-10, value: 3.7, recorded_by: dana}\n")
    run = pr_check(repo)
    assert run.code == 1, run.out
    assert ("monitoring/credit/kpi.yaml: line 5: 2026-10 was recorded by dana, who is not a "
            "current member of lending-business, the KPI's owner") in run.out
    repo.write("monitoring/credit/kpi.yaml",
               KPI + "  - {period: 2026-10, value: 3.7, recorded_by: sam}\n")
    run = pr_check(repo)
    assert run.code == 0, run.out


def test_a_pull_request_cannot_add_the_recorder_that_signs_it(
        ledger: tuple[GitRepo, str]) -> None:
    repo, _ = ledger
    repo.write("models.yaml", (repo.root / "models.yaml").read_text().replace(
        "lending-business: {members: [sam]}", "lending-business: {members: [sam, dana]}"))
    repo.write("monitoring/credit/kpi.yaml",
               KPI + "  - {period: 2026-10, value: 3.7, recorded_by: dana}\n")
    run = pr_check(repo)
    assert run.code == 1, run.out
    assert ("line 5: 2026-10 was recorded by dana, who was not a member of lending-business "
            "on the base revision") in run.out


def test_an_invalid_kpi_file_is_bad_input(ledger: tuple[GitRepo, str]) -> None:
    repo, _ = ledger
    repo.write("monitoring/credit/kpi.yaml",
               KPI + "  - {period: 2026-10, valu: 3.7, recorded_by: sam}\n")
    run = pr_check(repo)
    assert run.code == 2, run.out
    assert ("monitoring/credit/kpi.yaml:5:23: $.observations[2].valu: unknown key 'valu' "
            "(did you mean 'value'?)") in run.err
    run = repo.charter("validate")
    assert run.code == 2
    assert "monitoring/credit/kpi.yaml:5:23" in run.err


def test_a_missed_cadence_fails_on_a_schedule(ledger: tuple[GitRepo, str]) -> None:
    repo, _ = ledger
    run = check(repo, "--all", today="2026-12-23")  # 2026-11-20 + 30 + 3
    assert run.code == 0, run.out
    run = check(repo, "--all", today="2026-12-24")
    assert run.code == 1
    assert ("credit@1.0.0: monitoring is overdue: its latest run (or, before any run, its first "
            "deployment) dates from 2026-11-20, more than every_days + grace_days (33 days) ago"
            in run.out)


def test_no_run_since_the_first_deployment_fails(ledger: tuple[GitRepo, str]) -> None:
    repo, path = ledger
    repo.git("rm", "-q", path)
    repo.commit("no ledger")
    run = check(repo, "--all", today="2026-07-05")  # deployed 2026-06-02: 33 days to run
    assert "LC-044" not in run.out
    run = check(repo, "--all")
    assert run.code == 1
    assert ("credit@1.0.0: monitoring is overdue: its latest run (or, before any run, its first "
            "deployment) dates from 2026-06-02") in run.out


def test_red_drift_blocks_unless_waived(ledger: tuple[GitRepo, str]) -> None:
    repo, _ = ledger
    red, _ = write_run(repo.root, run_record(as_of="2026-11-26", drift="red"))
    repo.commit("a red run")
    run = whole(repo)
    assert run.code == 1, run.out
    assert (f"credit@1.0.0: drift is in the red band in the latest monitoring run "
            f"(2026-11-26, {red})") in run.out
    repo.git("checkout", "-q", "main")
    repo.write("policies/rules.yaml", BASIC_POLICIES + """\
waivers:
  - id: W-DRIFT
    rule: LC-045
    target: credit@1.0.0
    justification: Retraining under way; accepted by the model risk committee.
    approved_by: vera
    expires: 2027-01-31
""")
    repo.commit("waiver")
    repo.git("checkout", "-q", "change")
    repo.git("rebase", "-q", "main")
    run = whole(repo)
    assert run.code == 0, run.out
    assert "W-DRIFT" in run.out


def test_performance_decay_red_blocks_and_amber_warns(ledger: tuple[GitRepo, str]) -> None:
    repo, _ = ledger
    write_run(repo.root, run_record(as_of="2026-11-26", metric="roc_auc", validated=0.81,
                                    live=0.78, decay=0.03, band="amber"))
    repo.commit("an amber run")
    run = whole(repo)
    assert run.code == 0, run.out
    assert "LC-047" in run.out and "LC-046" not in run.out
    write_run(repo.root, run_record(as_of="2026-11-27", metric="roc_auc", validated=0.81,
                                    live=0.70, decay=0.11, band="red"))
    repo.commit("a red run")
    run = whole(repo)
    assert run.code == 1, run.out
    assert ("credit@1.0.0: live roc_auc is 0.7 against 0.81 validated, a decay of 0.11 "
            "beyond the red band (0.05)") in run.out


def test_a_kpi_breach_for_n_periods_warns_its_owner(ledger: tuple[GitRepo, str]) -> None:
    repo, _ = ledger
    repo.write("monitoring/credit/kpi.yaml",
               KPI + "  - {period: 2026-10, value: 4.3, recorded_by: sam}\n")
    run = pr_check(repo)
    assert run.code == 0, run.out
    assert "LC-048" not in run.out  # one period off target of two
    repo.write("monitoring/credit/kpi.yaml", KPI
               + "  - {period: 2026-10, value: 4.3, recorded_by: sam}\n"
               + "  - {period: 2026-11, value: 4.6, recorded_by: sam}\n")
    run = pr_check(repo)
    assert run.code == 0, run.out
    assert ("models.yaml:23:5  credit: for lending-business: Default losses has been on the "
            "wrong side of its target 4 for 2026-10, 2026-11 (latest 4.6)") in run.out


def test_a_waiver_cannot_cover_an_append_only_rule(ledger: tuple[GitRepo, str]) -> None:
    repo, path = ledger
    repo.git("checkout", "-q", "main")
    repo.write("policies/rules.yaml", BASIC_POLICIES + """\
waivers:
  - id: W-EDIT
    rule: LC-040
    target: credit@1.0.0
    justification: The figure was wrong.
    approved_by: vera
    expires: 2027-01-31
""")
    repo.commit("waiver")
    repo.git("checkout", "-q", "change")
    repo.git("rebase", "-q", "main")
    (repo.root / path).unlink()
    run = pr_check(repo)
    assert run.code == 1, run.out
    assert "CHARTER-W005" in run.out
    assert "waiver W-EDIT does not waive LC-040 for credit@1.0.0: the rule cannot be waived" \
        in run.out


def findings(run: Run) -> set[tuple[str, str, str]]:
    data = json.loads(run.out)
    return {(f["rule"], f["entity"], f["message"]) for f in data["findings"]}


@pytest.mark.parametrize("attack", ["edit", "delete", "forge", "ghost", "stray", "kpi"])
def test_the_scoped_check_judges_at_least_what_the_full_check_flags(
        ledger: tuple[GitRepo, str], attack: str) -> None:
    repo, path = ledger
    if attack == "edit":
        target = repo.root / path
        target.write_bytes(target.read_bytes().replace(b'"green"', b'"amber"'))
    elif attack == "delete":
        (repo.root / path).unlink()
    elif attack == "forge":
        write_run(repo.root, run_record(as_of="2026-11-26", live_sha="0" * 64))
    elif attack == "ghost":
        write_run(repo.root, run_record(version="9.9.9"))
    elif attack == "stray":
        repo.write("monitoring/credit/1.0.0/x.json", "{}\n")
    else:
        repo.write("monitoring/credit/kpi.yaml", KPI.replace("3.8", "3.1"))
    repo.commit("attack")
    scoped = check(repo, "--base", "main", "--format", "json")
    full = check(repo, "--base", "main", "--all", "--format", "json")
    assert scoped.code == full.code == 1, scoped.out + scoped.err
    assert findings(full) <= findings(scoped)


def test_rules_see_the_runs_of_the_revision_judged(ledger: tuple[GitRepo, str]) -> None:
    """Judging a commit reads its runs from git, not from the working tree."""
    repo, _ = ledger
    write_run(repo.root, run_record(as_of="2026-11-26", drift="red"))
    repo.commit("red run")
    repo.git("reset", "-q", "--hard", "HEAD~1")
    red = repo.git("rev-parse", "HEAD@{1}")
    run = check(repo, "--base", "main", "--head", red)
    assert run.code == 1, run.out
    assert "drift is in the red band" in run.out
    assert check(repo, "--base", "main", "--head", "HEAD").code == 0


def test_the_ledger_keys_cannot_be_written_in_models_yaml(ledger: tuple[GitRepo, str]) -> None:
    repo, _ = ledger
    text = (repo.root / "models.yaml").read_text()
    repo.write("models.yaml", text.replace("          every_days: 30\n",
                                           "          every_days: 30\n          latest: {}\n"))
    run = pr_check(repo)
    assert run.code == 2
    assert "latest" in run.err



def test_a_run_whose_results_contradict_their_figures_is_blocked(
        ledger: tuple[GitRepo, str]) -> None:
    repo, _ = ledger
    record = run_record(as_of="2026-11-26", metric="roc_auc", validated=0.91, live=0.70,
                        decay=-0.21, band="green")
    record["results"]["drift"]["features"]["income"]["psi"] = 0.4  # red, written green
    write_run(repo.root, record)
    run = pr_check(repo)
    assert run.code == 1, run.out
    assert ("results.drift.features.income: band green is milder than its psi of 0.4 under "
            "the declared thresholds (red)") in run.out
    assert "results.performance.validated is 0.91, but the version declares roc_auc 0.81" \
        in run.out
    assert "results.performance.decay is -0.21, not the difference" in run.out


def test_the_recorder_must_be_the_pull_requests_author_when_it_is_known(
        ledger: tuple[GitRepo, str], tmp_path: Path) -> None:
    repo, _ = ledger
    repo.write("models.yaml", (repo.root / "models.yaml").read_text().replace(
        "lending-business: {members: [sam]}", "lending-business: {members: [sam, kim]}"))
    repo.write("monitoring/credit/kpi.yaml",
               KPI + "  - {period: 2026-10, value: 3.7, recorded_by: sam}\n")
    head = repo.commit("kim records a figure in sam's name")
    reviews = tmp_path / "reviews.json"
    for author, code in (("kim", 1), ("sam", 0)):
        reviews.write_text(json.dumps({"pull_request": {"user": {"login": author},
                                                        "head": {"sha": head}},
                                       "reviews": []}))
        run = check(repo, "--base", "main", "--reviews", str(reviews))
        assert run.code == code, run.out + run.err
    assert "line 5: 2026-10 names sam as its recorder, but the pull request is kim's" \
        not in run.out
    reviews.write_text(json.dumps({"pull_request": {"user": {"login": "kim"},
                                                    "head": {"sha": head}}, "reviews": []}))
    run = check(repo, "--base", "main", "--reviews", str(reviews))
    assert ("monitoring/credit/kpi.yaml: line 5: 2026-10 names sam as its recorder, but the "
            "pull request is kim's") in run.out


def remote_live(repo: GitRepo, schemes: str) -> None:
    """main reads its live data from object storage; `schemes` are the ones Charter may read."""
    repo.git("checkout", "-q", "main")
    text = (repo.root / "models.yaml").read_text().replace(
        'live: {path: "data/live-{period}.csv"}', 'live: {path: "s3://lake/live-{period}.csv"}')
    repo.write("models.yaml", f"charter: 1\nsettings: {{allowed_uri_schemes: [{schemes}]}}\n"
               + text.removeprefix("charter: 1\n"))
    repo.write("policies/rules.yaml", BASIC_POLICIES + """\
waivers:
  - id: W-LAKE
    rule: LC-041
    target: credit@1.0.0
    justification: The lake's object versions are checked by the data platform's audit.
    approved_by: vera
    expires: 2027-01-31
""")
    repo.commit("live data in the lake")
    repo.git("checkout", "-q", "change")
    repo.git("rebase", "-q", "main")


def test_inputs_charter_may_not_read_cannot_be_verified_and_may_be_waived(
        ledger: tuple[GitRepo, str]) -> None:
    repo, _ = ledger
    remote_live(repo, "https")
    record = run_record(as_of="2026-11-26")
    record["inputs"]["live"][0]["location"] = "s3://lake/live-2026-10.csv"
    path, _ = write_run(repo.root, record)
    run = pr_check(repo)
    assert run.code == 0, run.out
    assert (f"{path}: inputs.live s3://lake/live-2026-10.csv cannot be verified: its scheme "
            "is not in settings.allowed_uri_schemes") in run.out
    assert "W-LAKE" in run.out


def test_inputs_charter_may_read_are_hashed_again(ledger: tuple[GitRepo, str]) -> None:
    repo, _ = ledger
    remote_live(repo, "memory")
    record = run_record(as_of="2026-11-26")
    record["inputs"]["live"][0]["location"] = "memory://lake/live-2026-10.csv"
    record["inputs"]["live"][0]["period"] = "2026-10"
    text = (repo.root / "models.yaml").read_text().replace("s3://lake", "memory://lake")
    repo.write("models.yaml", text)
    path, _ = write_run(repo.root, record)
    run = pr_check(repo)
    assert run.code == 1, run.out
    assert (f"{path}: inputs.live[0]: memory://lake/live-2026-10.csv does not exist at the "
            "head, so its hash cannot match") in run.out


def test_the_lazy_ledger_view_reads_what_a_full_listing_holds(
        ledger: tuple[GitRepo, str]) -> None:
    """The view lists one version's folder, or the whole ledger once when every entity is
    judged; the plain twin groups a full listing."""
    from charter.gate.ledger import LedgerView
    from charter.monitoring.ledger import runs_by_version
    from charter.vcs.revisions import Revision

    repo, _ = ledger
    for day in ("2026-11-21", "2026-11-22"):
        write_run(repo.root, run_record(as_of=day))
    write_run(repo.root, run_record(as_of="2026-11-23", version="1.0.0-rc"))
    repo.commit("more runs")
    for revision in (Revision.at(repo.root, "HEAD"), Revision.worktree(repo.root)):
        full = runs_by_version(Revision.at(repo.root, "HEAD").files_under("monitoring"))
        listed = LedgerView(revision)
        listed.list_all()
        for view in (LedgerView(revision), listed):
            for version_id, runs in full.items():
                found = view.version(version_id)
                assert [r["path"] for r in found["runs"]] == [r.path for r in runs]
                assert found["problems"] == []


def test_a_run_or_an_observation_dated_in_the_future_is_blocked(
        ledger: tuple[GitRepo, str]) -> None:
    repo, _ = ledger
    ahead, _ = write_run(repo.root, run_record(as_of="2027-06-30"))
    repo.write("monitoring/credit/kpi.yaml",
               KPI + "  - {period: 2026-12, value: 3.7, recorded_by: sam}\n")
    run = pr_check(repo)
    assert run.code == 1, run.out
    assert (f"{ahead}: dated 2027-06-30, after today ({TODAY}): a run cannot vouch for a day "
            "that has not come") in run.out
    assert f"line 5: 2026-12 is after today ({TODAY})" in run.out


def test_altering_live_data_a_recorded_run_read_is_blocked(ledger: tuple[GitRepo, str]) -> None:
    repo, path = ledger
    (repo.root / "data/live-2026-10.csv").write_bytes(LIVE + b"9,9\n")
    run = pr_check(repo)
    assert run.code == 1, run.out
    assert (f"{path}: read data/live-2026-10.csv, which this change alters or deletes: the "
            "inputs of recorded runs are records too") in run.out


def test_the_reports_policy_results_see_the_ledger_of_the_reported_commit(
        ledger: tuple[GitRepo, str]) -> None:
    from charter.report.facts import gather_facts

    repo, _ = ledger
    facts = gather_facts(repo.root, "main", today=dt.date(2026, 11, 27), evidence=False)
    status = {(r.rule, r.entity): r.status for r in facts.results}
    assert status[("LC-044", "credit@1.0.0")] == "pass"  # the run of 2026-11-20
    assert status[("LC-040", "credit@1.0.0")] == "pass"
    late = gather_facts(repo.root, "main", today=dt.date(2026, 12, 24), evidence=False)
    assert {(r.rule, r.entity): r.status for r in late.results}[
        ("LC-044", "credit@1.0.0")] == "fail"


def test_history_sees_the_runs_of_a_version_that_no_longer_declares_live_data(
        ledger: tuple[GitRepo, str]) -> None:
    """The history reads the ledger for every version that ever had runs, as the gate does,
    not only for versions that declare `monitoring.live` at the commit judged."""
    repo, _ = ledger
    repo.git("checkout", "-q", "main")
    write_run(repo.root, run_record(as_of="2026-11-26", drift="red"))
    repo.commit("a red run")
    text = (repo.root / "models.yaml").read_text()
    repo.write("models.yaml", text.replace('          live: {path: "data/live-{period}.csv"}\n',
                                           ""))
    repo.commit("stop declaring the live data")
    run = repo.charter("history", "--format", "json", "--no-cache")
    assert run.code == 0, run.err
    events = [e for e in json.loads(run.out)["events"] if e["entity"] == "credit@1.0.0"]
    assert "drift is in the red band in the latest monitoring run (2026-11-26" in json.dumps(
        events[-1])


def test_the_history_reads_the_ledger_where_the_plain_replay_reads_it_everywhere(
        ledger: tuple[GitRepo, str]) -> None:
    """Differential: the replay reads the ledger only for entities that ever had a file
    under monitoring/; the plain replay reads it at every commit judged."""
    from charter.gate.ledger import ledger_at
    from charter.history import build_timeline

    repo, _ = ledger
    repo.git("checkout", "-q", "main")
    write_run(repo.root, run_record(as_of="2026-11-26", drift="red"))
    repo.commit("a red run")
    text = (repo.root / "models.yaml").read_text()
    repo.write("models.yaml", text.replace('          live: {path: "data/live-{period}.csv"}\n',
                                           "").replace("every_days: 30", "every_days: 20"))
    repo.commit("stop declaring the live data")
    repo.write("models.yaml", (repo.root / "models.yaml").read_text().replace(
        "purpose: Price loans by default risk", "purpose: Price loans"))
    repo.commit("an edit elsewhere")
    scoped = build_timeline(repo.root, use_cache=False, ledger_at=ledger_at(repo.root))
    plain = build_timeline(repo.root, ledger_at=ledger_at(repo.root), plain=True)
    assert scoped.events == plain.events
    assert any("drift is in the red band" in str(e) for e in plain.events)


def test_moving_the_live_path_does_not_hide_altered_live_data(
        ledger: tuple[GitRepo, str]) -> None:
    """The head declares live data elsewhere (an approved move) and rewrites what a recorded
    run read under the base's path: that run's inputs are still records."""
    repo, path = ledger
    (repo.root / "data/live-2026-10.csv").write_bytes(LIVE + b"9,9\n")
    text = (repo.root / "models.yaml").read_text()
    repo.write("models.yaml", text.replace("data/live-{period}.csv", "data/v2/live-{period}.csv"))
    run = pr_check(repo)
    assert run.code == 1, run.out
    assert (f"{path}: read data/live-2026-10.csv, which this change alters or deletes: the "
            "inputs of recorded runs are records too") in run.out


def test_a_submodule_added_to_the_ledger_is_blocked_even_when_gitmodules_hides_it(
        ledger: tuple[GitRepo, str], tmp_path: Path) -> None:
    """`ignore = all` in the pull request's .gitmodules makes git's diff leave a submodule
    out; the ledger holds runs and KPI files only, and a submodule is neither."""
    repo, _ = ledger
    store = GitRepo(tmp_path / "store")
    store.root.mkdir()
    store.git("init", "-q", "-b", "main")
    store.git("config", "user.name", "Test")
    store.git("config", "user.email", "test@example.com")
    write_run(store.root, run_record(as_of="2026-11-26"))
    store.commit("runs kept elsewhere")
    repo.git("-c", "protocol.file.allow=always", "submodule", "add", "-q", str(store.root),
             "monitoring/extra")
    repo.git("config", "-f", ".gitmodules", "submodule.monitoring/extra.ignore", "all")
    repo.git("add", ".gitmodules", "monitoring/extra")
    for args in ((), ("--head", "HEAD")):
        run = pr_check(repo, *args)
        assert run.code == 1, (args, run.out + run.err)
        assert ("monitoring/extra: neither a monitoring run nor a kpi.yaml: the monitoring "
                "ledger holds nothing else") in run.out


def test_a_run_the_working_tree_holds_but_gitignore_hides_is_judged(
        ledger: tuple[GitRepo, str]) -> None:
    """The working tree's ledger is read with every file in it, ignored ones included, so
    every one of them that the base does not hold is judged as added."""
    repo, _ = ledger
    repo.write(".gitignore", "monitoring/credit/1.0.0/2026-11-26*\n")
    forged, _ = write_run(repo.root, run_record(as_of="2026-11-26", live_sha="0" * 64))
    run = pr_check(repo)
    assert repo.git("status", "--porcelain", "--", "monitoring") == ""  # git does not see it
    assert run.code == 1, run.out
    assert (f"{forged}: inputs.live[0].sha256 does not match data/live-2026-10.csv at the "
            "head") in run.out
