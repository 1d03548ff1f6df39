"""`charter monitor` over real partitions, a real scikit-learn model and real git repositories."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from conftest import GitRepo
from monitor_helpers import build, partition


@pytest.fixture
def monitored(repo: GitRepo) -> GitRepo:
    return build(repo)


def ledger(repo: GitRepo) -> list[Path]:
    return sorted((repo.root / "monitoring").glob("*/*/*.json"))


def monitor(repo: GitRepo, *args: str) -> dict[str, Any]:
    run = repo.charter("monitor", *args, "--output", "json")
    assert run.code == 0, run.err
    document: dict[str, Any] = json.loads(run.out)
    return document


def test_a_run_measures_what_charter_evidence_measures_on_the_same_files(
        monitored: GitRepo) -> None:
    document = monitor(monitored, "--as-of", "2026-05-31")
    [run] = document["runs"]
    assert run["written"] and run["path"].startswith("monitoring/scorer/1.0.0/2026-05-31-")
    record = json.loads((monitored.root / run["path"]).read_text())
    assert record == run["record"]
    evidence = monitored.charter("evidence", "scorer@1.0.0", "--format", "json", "--base", "none")
    assert evidence.code in (0, 1), evidence.err
    measured = json.loads(evidence.out)["evidence"]["scorer@1.0.0"]
    drift = record["results"]["drift"]
    assert set(drift["features"]) == {"income", "debt", "region"}
    for name, row in measured["drift"]["features"].items():
        ours = drift["features"][name]
        for theirs, key in (("psi", "psi"), ("ks", "ks"), ("chi2_pvalue", "chi2_p")):
            if row.get(theirs) is None:
                assert ours[key] is None
            else:
                assert abs(ours[key] - row[theirs]) <= 1e-9, (name, key)
    performance = record["results"]["performance"]
    assert performance["period"] == "2026-04"
    assert abs(performance["live"] - measured["metrics"]["roc_auc"]) <= 1e-9
    assert performance["validated"] == 0.8
    assert performance["decay"] == pytest.approx(0.8 - performance["live"], abs=1e-6)


def test_the_record_holds_the_hashes_of_the_bytes_read(monitored: GitRepo) -> None:
    [run] = monitor(monitored, "--as-of", "2026-05-31")["runs"]
    inputs = run["record"]["inputs"]

    def digest(path: str) -> str:
        return hashlib.sha256((monitored.root / path).read_bytes()).hexdigest()

    assert inputs["reference"] == {"location": "data/train.csv", "sha256": digest(
        "data/train.csv"), "rows": 800, "dataset": "loans-train@1"}
    assert inputs["live"] == [{"location": "data/live/loans-2026-05.csv", "sha256": digest(
        "data/live/loans-2026-05.csv"), "rows": 400, "period": "2026-05"}]
    assert inputs["labelled"] == [{"location": "data/live/loans-2026-04.csv", "sha256": digest(
        "data/live/loans-2026-04.csv"), "rows": 400, "period": "2026-04"}]
    artifact = "models/scorer-1.0.0.skops"
    assert inputs["artifact"] == {"location": artifact, "sha256": digest(artifact)}
    assert run["record"]["engine_version"]


def test_drift_that_grows_turns_the_band_red(monitored: GitRepo) -> None:
    january = monitor(monitored, "scorer@1.0.0", "--as-of", "2026-01-31")["runs"][0]["record"]
    june = monitor(monitored, "scorer@1.0.0", "--as-of", "2026-06-30")["runs"][0]["record"]
    assert january["results"]["drift"]["features"]["debt"]["psi"] < 0.1
    assert june["results"]["drift"]["features"]["debt"]["band"] == "red"
    assert june["verdict"] == "red"
    assert june["results"]["drift"]["features"]["debt"]["psi"] > \
        january["results"]["drift"]["features"]["debt"]["psi"]


def test_due_only_when_the_latest_run_is_every_days_old(monitored: GitRepo) -> None:
    assert len(monitor(monitored, "--as-of", "2026-05-31")["runs"]) == 1
    run = monitored.charter("monitor", "--as-of", "2026-06-29")
    assert run.code == 0, run.err
    assert "No version is due" in run.out and len(ledger(monitored)) == 1
    assert monitor(monitored, "scorer", "--as-of", "2026-06-29")["runs"] == []
    # named with its version, it runs whether due or not
    assert len(monitor(monitored, "scorer@1.0.0", "--as-of", "2026-06-29")["runs"]) == 1
    assert len(ledger(monitored)) == 2
    assert len(monitor(monitored, "--as-of", "2026-07-29")["runs"]) == 1  # 30 days on


def test_a_rerun_of_an_identical_run_writes_nothing(monitored: GitRepo) -> None:
    first = monitor(monitored, "scorer@1.0.0", "--as-of", "2026-05-31")["runs"][0]
    before = {p: p.read_bytes() for p in ledger(monitored)}
    again = monitored.charter("monitor", "scorer@1.0.0", "--as-of", "2026-05-31")
    assert again.code == 0, again.err
    assert f"{first['path']} (unchanged)" in again.out
    assert "0 runs recorded" in again.err
    assert {p: p.read_bytes() for p in ledger(monitored)} == before


def test_dry_run_writes_nothing(monitored: GitRepo) -> None:
    run = monitored.charter("monitor", "--as-of", "2026-05-31", "--dry-run")
    assert run.code == 0, run.err
    assert "(dry run) monitoring/scorer/1.0.0/2026-05-31-" in run.out
    assert ledger(monitored) == []


@pytest.mark.parametrize(("as_of", "drifted", "labelled"), [
    ("2026-05-31", "2026-05", "2026-04"),  # delay 20 days: May ended too late for labels
    ("2026-05-15", "2026-04", "2026-03"),  # May has not ended; April ended 15 days ago
    ("2026-06-30", "2026-06", "2026-04"),  # May ended long enough ago but has no labels
])
def test_label_delay_and_late_labels_are_respected(monitored: GitRepo, as_of: str,
                                                   drifted: str, labelled: str) -> None:
    record = monitor(monitored, "scorer@1.0.0", "--as-of", as_of)["runs"][0]["record"]
    assert record["results"]["drift"]["period"] == drifted
    assert record["results"]["performance"]["period"] == labelled
    assert [i["period"] for i in record["inputs"]["labelled"]] == [labelled]


def test_no_labelled_period_yet_is_pending_not_a_breach(repo: GitRepo) -> None:
    build(repo, live='{path: "data/live/loans-{period}.csv", label_delay_days: 400}')
    record = monitor(repo, "--as-of", "2026-05-31")["runs"][0]["record"]
    performance = record["results"]["performance"]
    assert performance["live"] is None and performance["band"] == "green"
    assert "no period with labels" in performance["pending"]
    assert "labelled" not in record["inputs"] and "artifact" not in record["inputs"]


def test_without_declared_bands_psi_uses_the_usual_bands(repo: GitRepo) -> None:
    build(repo, checks="")
    record = monitor(repo, "--as-of", "2026-06-30")["runs"][0]["record"]
    drift = record["results"]["drift"]
    assert drift["bands"] == {"psi": {"amber": 0.1, "red": 0.25}}
    assert record["results"]["performance"] is None
    for row in drift["features"].values():
        expected = "red" if row["psi"] >= 0.25 else "amber" if row["psi"] >= 0.1 else "green"
        assert row["band"] == expected


def test_text_table(monitored: GitRepo) -> None:
    run = monitored.charter("monitor", "--as-of", "2026-06-30")
    assert run.code == 0, run.err
    header, row = run.out.splitlines()
    assert header.split() == ["version", "as", "of", "drift", "(worst", "feature)",
                              "performance", "verdict", "file"]
    assert row.startswith("scorer@1.0.0  2026-06-30  red (debt psi ")
    assert " red " in row and "monitoring/scorer/1.0.0/2026-06-30-" in row
    assert "1 run recorded" in run.err


@pytest.mark.parametrize(("args", "message"), [
    (("nosuch",), "no model 'nosuch' in models.yaml"),
    (("scorer@9.9.9",), "no version 'scorer@9.9.9'"),
    (("--as-of", "2999-01-01"), "--as-of 2999-01-01 is in the future"),
])
def test_bad_requests_exit_2(monitored: GitRepo, args: tuple[str, ...], message: str) -> None:
    run = monitored.charter("monitor", *args)
    assert run.code == 2
    assert message in run.err and "Traceback" not in run.err


def test_a_version_without_live_data_asked_for_exits_2(repo: GitRepo) -> None:
    build(repo, live='{path: "data/live/loans-{period}.csv"}')
    text = (repo.root / "models.yaml").read_text()
    repo.write("models.yaml", text.replace('          live: {path: "data/live/loans-{period}'
                                           '.csv"}\n', ""))
    run = repo.charter("monitor", "scorer@1.0.0", "--as-of", "2026-05-31")
    assert run.code == 2
    assert "scorer@1.0.0: monitoring.live is not declared" in run.err
    assert "Traceback" not in run.err


def test_an_unreadable_partition_exits_2_naming_the_file(monitored: GitRepo) -> None:
    (monitored.root / "data/live/loans-2026-05.csv").write_text("income,region\n1,north\n")
    run = monitored.charter("monitor", "--as-of", "2026-05-31")
    assert run.code == 2
    [line] = [x for x in run.err.splitlines() if "error" in x]
    assert "models.yaml:" in line and "data/live/loans-2026-05.csv" in line
    assert "feature column 'debt'" in line and "Traceback" not in run.err
    assert ledger(monitored) == []


def test_no_partition_ended_yet_exits_2(monitored: GitRepo) -> None:
    run = monitored.charter("monitor", "--as-of", "2025-12-31")
    assert run.code == 2
    assert "no live partition of a period ended by 2025-12-31" in run.err


def test_a_tampered_artifact_is_refused(monitored: GitRepo) -> None:
    path = monitored.root / "models/scorer-1.0.0.skops"
    path.write_bytes(path.read_bytes() + b"\0")
    run = monitored.charter("monitor", "--as-of", "2026-05-31")
    assert run.code == 2 and "not the declared" in run.err
    assert ledger(monitored) == []


def test_daily_partitions(repo: GitRepo) -> None:
    build(repo)
    for day in ("2026-07-01", "2026-07-02"):
        partition(7).to_csv(repo.root / f"data/live/loans-{day}.csv", index=False)
    record = monitor(repo, "--as-of", "2026-07-02")["runs"][0]["record"]
    assert record["results"]["drift"]["period"] == "2026-07-02"
    assert np.isfinite(record["results"]["drift"]["features"]["debt"]["psi"])


def test_a_backfill_runs_what_the_schedule_would_have_run(monitored: GitRepo) -> None:
    document = monitor(monitored, "--since", "2026-01-31", "--as-of", "2026-06-30")
    days = [run["as_of"] for run in document["runs"]]
    assert days == ["2026-01-31", "2026-03-02", "2026-04-01", "2026-05-01", "2026-05-31",
                    "2026-06-30"]  # every_days: 30
    assert monitor(monitored, "--since", "2026-01-31", "--as-of", "2026-06-30")["runs"] == []


def test_a_backfill_sharing_reads_writes_the_bytes_of_separate_runs(
        monitored: GitRepo) -> None:
    """Differential: one process whose models and partitions serve every day's runs against a
    fresh process per run."""
    document = monitor(monitored, "--since", "2026-01-31", "--as-of", "2026-06-30")
    shared = {p.name: p.read_bytes() for p in ledger(monitored)}
    for path in ledger(monitored):
        path.unlink()
    for run in document["runs"]:
        monitor(monitored, "scorer@1.0.0", "--as-of", run["as_of"])
    assert {p.name: p.read_bytes() for p in ledger(monitored)} == shared


def test_a_backfill_reusing_measured_periods_writes_the_bytes_of_separate_runs(
        monitored: GitRepo) -> None:
    """Differential with a period whose labels arrived only in part: the backfill measures
    each partition once (the half-labelled one is skipped once and the older one measured
    once for two runs), a fresh process per run measures them again; same records."""
    path = monitored.root / "data/live/loans-2026-03.csv"
    data = partition(3)
    data.loc[data.index[::2], "defaulted"] = np.nan
    data.to_csv(path, index=False)
    document = monitor(monitored, "--since", "2026-04-01", "--as-of", "2026-06-30")
    periods = [run["record"]["results"]["performance"].get("period")
               for run in document["runs"]]
    assert periods == ["2026-02", "2026-02", "2026-04", "2026-04"]
    shared = {p.name: p.read_bytes() for p in ledger(monitored)}
    for run_path in ledger(monitored):
        run_path.unlink()
    for run in document["runs"]:
        monitor(monitored, "scorer@1.0.0", "--as-of", run["as_of"])
    assert {p.name: p.read_bytes() for p in ledger(monitored)} == shared


def test_a_dry_backfill_follows_the_cadence_and_writes_nothing(monitored: GitRepo) -> None:
    document = monitor(monitored, "--since", "2026-04-01", "--as-of", "2026-05-31",
                       "--dry-run")
    assert [run["as_of"] for run in document["runs"]] == ["2026-04-01", "2026-05-01",
                                                          "2026-05-31"]
    assert ledger(monitored) == []


def test_since_after_as_of_exits_2(monitored: GitRepo) -> None:
    run = monitored.charter("monitor", "--since", "2026-06-01", "--as-of", "2026-05-31")
    assert run.code == 2 and "--since 2026-06-01 is after --as-of 2026-05-31" in run.err


def test_live_data_behind_a_uri_is_read_only_when_main_allows_its_scheme(
        repo: GitRepo) -> None:
    pattern = f"file://{repo.root}/data/live/loans-{{period}}.csv"
    build(repo, live=f'{{path: "{pattern}", label_delay_days: 20}}')
    run = repo.charter("monitor", "--as-of", "2026-05-31")
    assert run.code == 2 and "file:// is not in settings.allowed_uri_schemes" in run.err
    text = (repo.root / "models.yaml").read_text()
    repo.write("models.yaml", text.replace("charter: 1\n", "charter: 1\nsettings:\n"
                                           "  allowed_uri_schemes: [file]\n", 1))
    run = repo.charter("monitor", "--as-of", "2026-05-31")
    assert run.code == 2, "trust is read from main, where the scheme is not allowed yet"
    repo.commit("allow file:// URIs")
    [run] = monitor(repo, "--as-of", "2026-05-31")["runs"]
    live = run["record"]["inputs"]["live"][0]
    assert live["location"] == f"file://{repo.root}/data/live/loans-2026-05.csv"
    assert live["sha256"] == hashlib.sha256(
        (repo.root / "data/live/loans-2026-05.csv").read_bytes()).hexdigest()


def test_every_record_is_a_sound_ledger_run(monitored: GitRepo) -> None:
    from charter.monitoring.ledger import run_problems

    monitor(monitored, "--since", "2026-03-31", "--as-of", "2026-06-30")
    for path in ledger(monitored):
        name = path.relative_to(monitored.root).as_posix()
        assert run_problems(name, path.read_bytes()) == []


def test_a_live_path_holding_a_nul_character_exits_2_naming_it(monitored: GitRepo) -> None:
    text = (monitored.root / "models.yaml").read_text()
    monitored.write("models.yaml", text.replace('live: {path: "data/live/loans-{period}',
                                                'live: {path: "data/live/\\0loans-{period}'))
    run = monitored.charter("monitor", "--as-of", "2026-05-31")
    assert run.code == 2, run.out + run.err
    assert "a path cannot hold a NUL character" in run.err
    assert "internal error" not in run.err
