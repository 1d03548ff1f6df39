"""`charter monitor`: run the due monitoring checks and record each run in the ledger."""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from charter.errors import CharterError, Problem
from charter.extras import require
from charter.inventory.snapshot import Snapshot, load_snapshot, validation_problems
from charter.vcs.cache import Cache
from charter.vcs.revisions import Revision
from charter.wording import plural

if TYPE_CHECKING:
    from charter.evidence.settings import EvidenceSettings
    from charter.monitoring.ledger import RunPath
    from charter.monitoring.run import Monitor, Target


@dataclass(frozen=True)
class MonitorOptions:
    root: Path
    as_of: dt.date
    today: dt.date
    target: str | None = None  # MODEL or MODEL@VERSION; None: every production version
    since: dt.date | None = None  # run each day from here to as_of, as the schedule would
    dry_run: bool = False
    output: str = "text"
    github_issues: bool = False
    repository: str | None = None
    engine: str | None = None  # pandas | spark; None: settings.evidence.engine
    spark_master: str | None = None


@dataclass(frozen=True)
class Outcome:
    version_id: str
    as_of: str
    record: Mapping[str, Any] | None
    path: str | None
    written: bool
    error: Problem | None = None


def run_monitor_command(options: MonitorOptions) -> int:
    if options.as_of > options.today:
        raise CharterError.at(f"--as-of {options.as_of} is in the future (today is "
                              f"{options.today}): a run cannot judge data that does not exist")
    if options.since is not None and options.since > options.as_of:
        raise CharterError.at(f"--since {options.since} is after --as-of {options.as_of}")
    head = _inventory(options.root)
    from charter.monitoring.due import chosen

    targets, explicit = chosen(head.inventory, options.target)
    outcomes = _Session(options, head, explicit and options.since is None).run(targets)
    _show(options, outcomes, len(targets))
    if options.github_issues and not options.dry_run:
        from charter.monitoring.issues import sync_issues

        print(sync_issues(options.root, targets, options.repository), file=sys.stderr)
    return 2 if any(o.error for o in outcomes) else 0


def _inventory(root: Path) -> Snapshot:
    head = load_snapshot(Revision.worktree(root), Cache.for_repo(root, True))
    if not head.present:
        raise CharterError.at("models.yaml not found", file=str(root / "models.yaml"))
    problems = validation_problems(head)
    if problems:
        raise CharterError(problems, summary="models.yaml is invalid")
    return head


def _trusted_settings(root: Path, head: Snapshot) -> EvidenceSettings:
    """Trusted types, pickles and URI schemes as `charter evidence` reads them: from the
    default base (main), so a branch cannot widen its own trust; without one, no pickle."""
    from charter.evidence.settings import EvidenceSettings
    from charter.gate import default_base_ref

    found = default_base_ref(root)
    base = load_snapshot(Revision.at(root, *found)) if found else None
    if base is not None and base.present:
        return EvidenceSettings.of(base.inventory)
    return EvidenceSettings.of(head.inventory, pickles=False)


class _Session:
    """The runs of one command: each day from --since (or only --as-of), the versions due
    that day; one file store, and one monitor whose loaded models and partitions serve every
    day's runs."""

    def __init__(self, options: MonitorOptions, head: Snapshot, always: bool) -> None:
        self.options = options
        self.head = head
        self.always = always  # a version named explicitly runs whether due or not
        self.outcomes: list[Outcome] = []

    def run(self, targets: list[Target]) -> list[Outcome]:
        from charter.monitoring.due import is_due, recorded_runs

        runs = recorded_runs(self.options.root)
        days = self._days()
        if not any(self.always or is_due(t, runs.get(t.id, []), day)
                   for day in days for t in targets):
            return []
        require("evidence", "charter monitor cannot measure drift or performance")
        from charter.evidence.api import chosen_backend
        from charter.evidence.files import FileStore
        from charter.evidence.progress import progress
        from charter.monitoring.run import Monitor

        settings = _trusted_settings(self.options.root, self.head)
        backend = chosen_backend(settings, self.options.engine, self.options.spark_master)
        with FileStore(self.options.root, None, settings.allowed_uri_schemes) as files:
            monitor = Monitor(self.options.root, self.head.inventory, files, settings, backend)
            steps = [(d, t) for d in days for t in targets] if len(days) > 1 else [
                (days[0], t) for t in targets if self.always or is_due(t, runs.get(
                    t.id, []), days[0])]
            for day, target in progress(steps, len(steps), "monitor"):
                if self.always or is_due(target, runs.get(target.id, []), day):
                    runs.setdefault(target.id, []).append(self._one(monitor, target, day))
        return self.outcomes

    def _days(self) -> list[dt.date]:
        first = self.options.since or self.options.as_of
        return [first + dt.timedelta(days=k)
                for k in range((self.options.as_of - first).days + 1)]

    def _one(self, monitor: Monitor, target: Target, day: dt.date) -> RunPath:
        """Run `target` as of `day`; returns where the run is (or would be) recorded."""
        from charter.monitoring.ledger import (
            RunPath,
            encode_run,
            parse_run_path,
            run_path_of,
            write_run,
        )
        from charter.monitoring.run import MonitorError

        try:
            record = monitor.run(target, day)
        except MonitorError as exc:
            mark = self.head.source.locate(exc.key)
            problem = Problem(exc.message, self.head.source.file_of(exc.key), mark.line,
                              mark.column)
            self.outcomes.append(Outcome(target.id, day.isoformat(), None, None, False,
                                         problem))
            # a failed day counts as tried: the next is tried on the cadence, not daily
            return RunPath(target.model, target.version, day.isoformat(), "")
        if self.options.dry_run:
            path, written = run_path_of(record, encode_run(record)).path, False
        else:
            path, written = write_run(self.options.root, record)
        self.outcomes.append(Outcome(target.id, day.isoformat(), record, path, written))
        found = parse_run_path(path)
        assert found is not None
        return found


def _show(options: MonitorOptions, outcomes: list[Outcome], monitored: int) -> None:
    for outcome in outcomes:
        if outcome.error is not None:
            print(f"charter monitor: error: {outcome.error.render()}", file=sys.stderr)
    if options.output == "json":
        document = {"charter_monitor": 1, "as_of": options.as_of.isoformat(),
                    "dry_run": options.dry_run,
                    "runs": [_as_json(o) for o in outcomes]}
        sys.stdout.write(json.dumps(document, indent=2) + "\n")
    else:
        sys.stdout.write(render_table(outcomes, options.dry_run))
    written = sum(o.written for o in outcomes)
    when = (f"from {options.since} to {options.as_of}" if options.since
            else f"as of {options.as_of}")
    print(f"charter monitor: {plural(len(outcomes), 'run')} due of "
          f"{plural(monitored, 'monitored version')} {when}; "
          f"{plural(written, 'run')} recorded", file=sys.stderr)


def _as_json(outcome: Outcome) -> dict[str, Any]:
    return {"version": outcome.version_id, "as_of": outcome.as_of, "path": outcome.path,
            "written": outcome.written, "record": outcome.record,
            "error": outcome.error.render() if outcome.error else None}


def render_table(outcomes: list[Outcome], dry_run: bool = False) -> str:
    if not outcomes:
        return "No version is due for monitoring.\n"
    header = ("version", "as of", "drift (worst feature)", "performance", "verdict", "file")
    rows = [header] + [_row(o, dry_run) for o in outcomes]
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    return "".join("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() + "\n"
                   for r in rows)


def _row(outcome: Outcome, dry_run: bool) -> tuple[str, ...]:
    if outcome.record is None:
        return (outcome.version_id, outcome.as_of, "-", "-", "error", "not recorded")
    results = outcome.record["results"]
    drift = results.get("drift") or {}
    features = drift.get("features") or {}
    name = max(features, key=lambda f: (_SEVERITY[features[f]["band"]], features[f]["psi"] or 0),
               default=None)
    shown_drift = (f"{drift['band']} ({name} psi {features[name]['psi']:.3f})" if name
                   else drift.get("band", "-"))
    if dry_run:
        file = f"(dry run) {outcome.path}"
    else:
        file = f"{outcome.path}{'' if outcome.written else ' (unchanged)'}"
    return (outcome.version_id, outcome.as_of, shown_drift, _performance(results),
            outcome.record["verdict"], file)


_SEVERITY = {"green": 0, "amber": 1, "red": 2}


def _performance(results: Mapping[str, Any]) -> str:
    performance = results.get("performance")
    if not performance:
        return "-"
    if performance.get("pending"):
        return f"{performance['metric']} awaiting labels"
    if performance.get("live") is None:
        return f"{performance['band']} ({performance['metric']} cannot be measured)"
    return (f"{performance['band']} ({performance['metric']} {performance['live']:.4f}, "
            f"decay {performance['decay']:+.4f})")
