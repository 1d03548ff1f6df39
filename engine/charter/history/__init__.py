"""The audit trail of models.yaml and policies/ from git history (`charter history`)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from charter.errors import CharterError
from charter.history.authors import attribute_to_authors
from charter.history.records import recorded_in, recorded_service
from charter.history.replay import LedgerAt, Replay, replay
from charter.history.timeline import (
    EVENT_KINDS,
    CommitState,
    Interval,
    Timeline,
    TimelineEvent,
    UnreadableCommit,
)
from charter.vcs import git
from charter.vcs.cache import Cache

__all__ = ["EVENT_KINDS", "CommitState", "Timeline", "TimelineEvent", "UnreadableCommit",
           "build_timeline", "require_since_in_history"]


def build_timeline(root: Path, model: str | None = None, since: dt.date | None = None,
                   ref: str = "HEAD", use_cache: bool = True,
                   ledger_at: LedgerAt | None = None, plain: bool = False) -> Timeline:
    """Every change to the inventory on `ref`'s first-parent history, oldest first.

    `ledger_at(commit)` gives the monitoring ledger at a commit: rules about monitoring runs
    then judge each commit as the gate judged it (callers above the gate's layer pass it).
    `plain` replays with nothing remembered from one commit to the next and no cache: the
    full computation the tests compare the incremental replay with."""
    head = git.resolve_commit(root, ref)
    if head is None:
        shallow = " (the clone is shallow: fetch with fetch-depth: 0)" if git.is_shallow(
            root) else ""
        raise CharterError.at(f"git revision {ref!r} does not exist{shallow}")
    use_cache = use_cache and not plain
    cache = Cache.for_repo(root, use_cache)
    shallow_key = ",".join(sorted(git.shallow_boundary(root)))
    key = f"{head}-{len(shallow_key)}-{'ledger' if ledger_at is not None else 'none'}"
    entry = cache.get("history", key)
    result = _decode(entry)
    records = _decode_records(entry)
    if result is None or records is None:
        result = replay(root, head, plain=plain, ledger_at=ledger_at)
        result.events = attribute_to_authors(root, result.events, result.logged)
        # the head as the replay read it, when it could; else (and in the plain twin) the
        # head's files loaded afresh
        records = recorded_service(root, head) if plain or result.head is None else (
            recorded_in(result.head))
        if use_cache:
            cache.put("history", key, {**_encode(result), "records": records})
    timeline = Timeline(tuple(result.events), tuple(result.unreadable), tuple(result.states),
                        frozenset(result.served), head, ref, notes=tuple(result.notes),
                        records=records)
    require_since_in_history(timeline, since)
    return timeline.filtered(model, since)


def require_since_in_history(timeline: Timeline, since: dt.date | None) -> None:
    truncated = [u for u in timeline.unreadable if "shallow clone" in u.reason]
    if since is None or not truncated:
        return
    start = truncated[0].date[:10]
    if since.isoformat() < start:
        raise CharterError.at(
            f"the history since {since.isoformat()} is not in this clone: it is shallow and "
            f"starts on {start} ({truncated[0].commit[:10]})",
            hint="fetch the full history (git fetch --unshallow, or fetch-depth: 0 in "
                 "actions/checkout)")


def _encode(result: Replay) -> dict[str, Any]:
    return {
        "events": [e.as_dict() for e in result.events],
        "unreadable": [u.as_dict() for u in result.unreadable],
        "states": [[s.commit, s.date, sorted(s.production)] for s in result.states],
        "served": sorted(result.served),
        "notes": result.notes,
    }


def _decode_records(entry: Any) -> dict[str, tuple[Interval, ...]] | None:
    if not isinstance(entry, dict) or not isinstance(entry.get("records"), dict):
        return None
    try:
        return {str(k): tuple((str(a), None if b is None else str(b)) for a, b in v)
                for k, v in entry["records"].items()}
    except (TypeError, ValueError):
        return None


def _decode(entry: Any) -> Replay | None:
    if not isinstance(entry, dict):
        return None
    try:
        events = []
        for raw in entry["events"]:
            raw = {k: v for k, v in raw.items() if k != "entity"}
            raw["violations"] = tuple(raw["violations"])
            raw["findings"] = tuple(raw["findings"])
            events.append(TimelineEvent(**raw))
        return Replay(
            events=events,
            unreadable=[UnreadableCommit(**u) for u in entry["unreadable"]],
            states=[CommitState(c, d, frozenset(p)) for c, d, p in entry["states"]],
            notes=list(entry["notes"]),
            served=set(entry["served"]),
        )
    except (KeyError, TypeError, ValueError):
        return None  # a cache entry of another shape is only a miss
