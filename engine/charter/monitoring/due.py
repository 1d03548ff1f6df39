"""Which versions a monitoring run covers, and which of them are due."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from charter.errors import CharterError
from charter.inventory.entities import models, versions_of
from charter.monitoring.ledger import LEDGER_FOLDER, RunPath, runs_by_version
from charter.monitoring.run import Target
from charter.suggest import closest

DEFAULT_EVERY_DAYS = 1


def chosen(inventory: Mapping[str, Any], wanted: str | None) -> tuple[list[Target], bool]:
    """The versions `wanted` names (every production version with live data when None),
    and whether they were named explicitly (then they run whether due or not)."""
    known = models(inventory)
    if wanted is None:
        return [t for name in known for t in _production(inventory, name)], False
    name, _, version = wanted.partition("@")
    if name not in known:
        close = closest(name, sorted(known))
        hint = f" (did you mean {close!r}?)" if close else ""
        raise CharterError.at(f"no model {name!r} in models.yaml{hint}")
    if not version:
        found = _production(inventory, name)
        if not found:
            raise CharterError.at(f"{name}: no production version declares monitoring.live")
        return found, False
    record = versions_of(known[name]).get(version)
    if not isinstance(record, Mapping):
        close = closest(version, [str(v) for v in versions_of(known[name])])
        hint = f" (did you mean {name}@{close}?)" if close else ""
        raise CharterError.at(f"no version {wanted!r} in models.yaml{hint}")
    target = Target(name, version, record, ("models", name, "versions", version))
    if not isinstance(target.monitoring.get("live"), Mapping):
        raise CharterError.at(f"{wanted}: monitoring.live is not declared, so there is no "
                              "live data to monitor", file="models.yaml",
                              key_path=f"models.{name}.versions.{version}.monitoring.live")
    return [target], True


def _production(inventory: Mapping[str, Any], name: str) -> list[Target]:
    out = []
    for version, record in versions_of(models(inventory)[name]).items():
        if not isinstance(record, Mapping) or record.get("stage") != "production":
            continue
        target = Target(name, str(version), record, ("models", name, "versions", str(version)))
        if isinstance(target.monitoring.get("live"), Mapping):
            out.append(target)
    return out


def recorded_runs(root: Path) -> dict[str, list[RunPath]]:
    folder = root / LEDGER_FOLDER
    if not folder.is_dir():
        return {}
    return runs_by_version(p.relative_to(root).as_posix() for p in folder.glob("*/*/*.json"))


def is_due(target: Target, runs: list[RunPath], as_of: dt.date) -> bool:
    """No run yet, or the latest run is at least `every_days` older than `as_of`."""
    if not runs:
        return True
    every = target.monitoring.get("every_days")
    every = every if isinstance(every, int) and not isinstance(every, bool) \
        else DEFAULT_EVERY_DAYS
    latest = dt.date.fromisoformat(max(run.as_of for run in runs))
    return (as_of - latest).days >= every
