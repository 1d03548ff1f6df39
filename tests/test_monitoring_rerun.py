"""A pull request adding a monitoring run: the gate runs it again on the head's files, so a
run whose figures, bands or inputs are not what its inputs give is blocked, however
consistent the hand-edited record is with itself (real model, real partitions, real git)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from charter.monitoring.ledger import worst, write_run
from conftest import TODAY, GitRepo, Run
from monitor_helpers import build


@pytest.fixture
def monitored(repo: GitRepo) -> GitRepo:
    build(repo)
    repo.git("checkout", "-q", "-b", "change")
    return repo


def monitor(repo: GitRepo, as_of: str) -> dict[str, Any]:
    run = repo.charter("monitor", "scorer@1.0.0", "--as-of", as_of, "--dry-run", "--output",
                       "json")
    assert run.code == 0, run.err
    record: dict[str, Any] = json.loads(run.out)["runs"][0]["record"]
    return record


def pr_check(repo: GitRepo) -> Run:
    repo.commit("monitoring runs")
    return repo.charter("check", "--today", TODAY, "--evidence", "none", "--base", "main")


def test_a_run_as_charter_monitor_wrote_it_passes(monitored: GitRepo) -> None:
    run = monitored.charter("monitor", "scorer@1.0.0", "--as-of", "2026-05-31")
    assert run.code == 0, run.err
    checked = pr_check(monitored)
    assert "LC-040" not in checked.out, checked.out
    assert "ran it again" not in checked.out
    # judged at the commit: partitions listed and read from git, not the working tree
    (monitored.root / "data/live/loans-2026-05.csv").unlink()
    at_commit = monitored.charter("check", "--today", TODAY, "--evidence", "none", "--base",
                                  "main", "--head", "HEAD")
    assert "LC-040" not in at_commit.out, at_commit.out


def greened(record: dict[str, Any]) -> dict[str, Any]:
    """The record with every drift figure made calm and every band to match: consistent
    with itself and with the declared thresholds."""
    forged = json.loads(json.dumps(record))
    for row in forged["results"]["drift"]["features"].values():
        row.update({"band": "green", "psi": 0.001})
        if row.get("ks") is not None:
            row["ks"] = 0.001
        if row.get("chi2_p") is not None:
            row["chi2_p"] = 0.9
    forged["results"]["drift"]["band"] = "green"
    performance = forged["results"]["performance"] or {}
    forged["verdict"] = worst(["green", performance.get("band", "green")])
    return forged


def test_a_run_with_calmer_figures_than_its_inputs_give_is_blocked(monitored: GitRepo) -> None:
    genuine = monitor(monitored, "2026-05-31")
    assert genuine["results"]["drift"]["features"]["debt"]["band"] != "green"
    path, _ = write_run(monitored.root, greened(genuine))
    run = pr_check(monitored)
    assert run.code == 1, run.out
    assert "LC-040" in run.out
    assert f"{path}: the gate ran it again on the same inputs and got other figures" in run.out
    debt = genuine["results"]["drift"]["features"]["debt"]
    assert (f"results.drift.features.debt.band is 'green', recomputed {debt['band']!r}"
            in run.out)


def test_a_run_redated_to_a_later_day_is_blocked(monitored: GitRepo) -> None:
    """Figures and hashes of an older, calmer period under a later date: every hash matches
    a file at the head, but the run of that day reads a newer partition."""
    older = monitor(monitored, "2026-03-02")
    older["as_of"] = "2026-06-30"
    path, _ = write_run(monitored.root, older)
    run = pr_check(monitored)
    assert run.code == 1, run.out
    assert f"{path}: the gate ran it again" in run.out
    assert "inputs.labelled[0].period is '2026-01', recomputed '2026-04'" in run.out
    at_commit = monitored.charter("check", "--today", TODAY, "--evidence", "none", "--base",
                                  "main", "--head", "HEAD")
    assert at_commit.code == 1 and f"{path}: the gate ran it again" in at_commit.out


def test_without_the_evidence_extra_an_added_run_is_unverified_not_passed(
        monitored: GitRepo, tmp_path: Any) -> None:
    from charter.extras import EXTRAS
    from conftest import without_modules

    run = monitored.charter("monitor", "scorer@1.0.0", "--as-of", "2026-05-31")
    assert run.code == 0, run.err
    monitored.commit("monitoring runs")
    core = without_modules(tmp_path, *(module for module, _ in EXTRAS["evidence"]))
    checked = monitored.charter("check", "--today", TODAY, "--evidence", "none", "--base",
                                "main", env=core)
    assert checked.code == 1, checked.out + checked.err
    assert "Traceback" not in checked.err
    assert "LC-040" not in checked.out, checked.out
    assert "its figures cannot be recomputed here: the 'evidence' extra is not installed" \
        in checked.out
