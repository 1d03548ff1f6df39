"""What the inventory records about production, for the time before its git history.

An inventory is often brought into git long after its models went live: their
`deployments` (`since`, `until`) are then the only account of those years.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from charter.errors import CharterError
from charter.history.timeline import Interval
from charter.inventory.entities import models, versions_of
from charter.inventory.snapshot import load_snapshot
from charter.vcs.revisions import Revision


def recorded_service(root: Path, commit: str) -> dict[str, tuple[Interval, ...]]:
    """model@version -> the intervals its deployments record at `commit`, merged."""
    try:
        inventory = load_snapshot(Revision.at(root, commit)).inventory
    except CharterError:
        return {}  # an unreadable head is reported by the replay; it records nothing
    return recorded_in(inventory)


def recorded_in(inventory: Mapping[str, Any]) -> dict[str, tuple[Interval, ...]]:
    """model@version -> the intervals its deployments record in `inventory`, merged."""
    found: dict[str, tuple[Interval, ...]] = {}
    for name, model in models(inventory).items():
        if not isinstance(model, Mapping):
            continue
        for version, record in versions_of(model).items():
            spans = _spans(record) if isinstance(record, Mapping) else []
            if spans:
                found[f"{name}@{version}"] = _merged(spans)
    return found


def _spans(record: Mapping[str, Any]) -> list[Interval]:
    retired = record.get("retired")
    retired_on = _day(retired.get("date")) if isinstance(retired, Mapping) else None
    spans = []
    for deployment in record.get("deployments") or []:
        if not isinstance(deployment, Mapping):
            continue
        start = _day(deployment.get("since"))
        if start is None:
            continue
        until = _day(deployment.get("until")) or (
            retired_on if record.get("stage") == "retired" else None)
        if until is None or start < until:
            spans.append((start, until))
    return spans


def _merged(spans: list[Interval]) -> tuple[Interval, ...]:
    out: list[Interval] = []
    for start, until in sorted(spans):
        if out and (out[-1][1] is None or start <= out[-1][1]):
            end = out[-1][1]
            out[-1] = (out[-1][0], None if end is None or until is None else max(end, until))
        else:
            out.append((start, until))
    return tuple(out)


def _day(value: Any) -> str | None:
    text = str(value)[:10] if value is not None else ""
    try:
        return dt.date.fromisoformat(text).isoformat()
    except ValueError:
        return None
