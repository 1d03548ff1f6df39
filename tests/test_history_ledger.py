"""`charter history` judges each commit with the monitoring ledger recorded at that commit,
as the gate judged it: a monitored version with a recent run is not overdue there either,
and one without runs is."""

from __future__ import annotations

import json

from conftest import GitRepo
from test_monitoring_gate import INVENTORY, ledger  # noqa: F401 - the fixture

DATE = "2026-11-25T10:00:00+00:00"  # five days after the recorded run


def _edit_version(repo: GitRepo) -> None:
    """A change the history records as an event of credit@1.0.0 (its cadence, 30 → 31)."""
    assert "every_days: 30" in INVENTORY
    repo.write("models.yaml", INVENTORY.replace("every_days: 30", "every_days: 31", 1))


def _credit_events(repo: GitRepo) -> list[dict[str, object]]:
    run = repo.charter("history", "--format", "json", "--no-cache")
    assert run.code in (0, 1), run.out + run.err
    return [e for e in json.loads(run.out)["events"] if e["model"] == "credit"]


def test_the_history_sees_the_runs_recorded_at_each_commit(ledger: tuple[GitRepo, str]  # noqa: F811
                                                           ) -> None:
    repo, _ = ledger
    repo.git("checkout", "-q", "main")
    _edit_version(repo)
    repo.commit("a cadence of 31 days", date=DATE)
    events = [e for e in _credit_events(repo) if e["version"] == "1.0.0"]
    assert len(events) >= 2, "the history judges credit@1.0.0 at the new commit"
    assert not [f for e in events for f in e["findings"] if str(f).startswith("LC-044")], events


def test_a_monitored_version_without_runs_is_overdue_in_the_history(
        ledger: tuple[GitRepo, str]) -> None:  # noqa: F811
    repo, _ = ledger
    repo.git("checkout", "-q", "main")
    repo.git("rm", "-q", "-r", "monitoring/credit/1.0.0")
    _edit_version(repo)
    repo.commit("runs gone", date=DATE)
    last = _credit_events(repo)[-1]
    assert last["version"] == "1.0.0"
    assert any(str(f).startswith("LC-044") for f in last["findings"]), last
