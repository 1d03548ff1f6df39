"""Monitoring runs a change adds, computed again by the gate from the head's own files.

A run's input hashes prove which files it names, not that its figures came from them: a
hand-edited record with a milder PSI and bands to match would carry the right hashes. So
every added run is run again, with the monitor's own code, on the files of the head
revision (partitions listed at that commit, trust settings from the base), and the record
must hold what the run gives: the same inputs, figures (to rounding), bands and verdict.
The cost is one monitoring run per added run, so a pull request pays for what it adds.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from charter.errors import CharterError
from charter.extras import missing
from charter.vcs.revisions import Revision

if TYPE_CHECKING:
    from charter.evidence.files import FileStore
    from charter.monitoring.run import Monitor

# Figures are recorded rounded (6 decimals, p-values to 10 significant digits); a number
# within this of the recomputed one is the same figure.
TOLERANCE = 1e-6
SHOWN = 3  # differences named in a message; the count says how many more there are


@dataclass(frozen=True)
class Verdict:
    """The outcome of recomputing one run: `problems` refute the record; `unverified`
    says why it could not be recomputed here at all."""

    problems: list[str] = field(default_factory=list)
    unverified: str | None = None


@dataclass
class Recomputer:
    root: Path
    head: Revision
    inventory: Mapping[str, Any]  # the head's
    trust: Mapping[str, Any]  # the base's: which storage and model types may be read
    _monitor: Monitor | None = None
    _files: FileStore | None = None
    _unavailable: str | None = None

    def check(self, model: str, version: str, record: Mapping[str, Any], as_of: str,
              recorded: Mapping[str, Any]) -> Verdict:
        from charter.monitoring.run import MonitorError, Target

        monitor = self._monitor_or_none()
        if monitor is None:
            return Verdict(unverified=f"its figures cannot be recomputed here: "
                                      f"{self._unavailable}")
        target = Target(model, version, record, ("models", model, "versions", version))
        try:
            fresh = monitor.run(target, dt.date.fromisoformat(as_of))
        except MonitorError as exc:
            return Verdict([f"cannot be recomputed from the head's files ({exc.message}), so "
                            "nothing shows its figures came from its inputs"])
        differences = [d for key in ("inputs", "results", "verdict")
                       for d in _differences(recorded.get(key), fresh.get(key), key)]
        if not differences:
            return Verdict()
        shown = "; ".join(differences[:SHOWN])
        more = len(differences) - SHOWN
        engine = recorded.get("engine_version")
        note = (f" (recorded by Charter {engine}, recomputed by {fresh['engine_version']})"
                if engine != fresh.get("engine_version") else "")
        return Verdict([f"the gate ran it again on the same inputs and got other figures: "
                        f"{shown}{f'; and {more} more' if more > 0 else ''}{note}: record "
                        "runs as `charter monitor` writes them"])

    def close(self) -> None:
        if self._files is not None:
            self._files.close()

    def _monitor_or_none(self) -> Monitor | None:
        if self._monitor is None and self._unavailable is None:
            absent = missing("evidence")
            if absent:
                self._unavailable = (f"the 'evidence' extra is not installed (no "
                                     f"{', '.join(absent)})")
                return None
            from charter.evidence.api import chosen_backend
            from charter.evidence.files import FileStore
            from charter.evidence.settings import EvidenceSettings
            from charter.monitoring.run import Monitor

            settings = EvidenceSettings.of(self.trust)
            try:
                backend = chosen_backend(settings)
            except CharterError as exc:
                self._unavailable = exc.problems[0].message if exc.problems else str(exc)
                return None
            self._files = FileStore(self.root, self.head.commit, settings.allowed_uri_schemes)
            self._monitor = Monitor(self.root, self.inventory, self._files, settings, backend)
        return self._monitor


def _differences(recorded: Any, fresh: Any, where: str) -> list[str]:
    """Where `recorded` is not `fresh`: keys, values, numbers beyond the rounding."""
    if isinstance(fresh, Mapping) and isinstance(recorded, Mapping):
        out = []
        for key in sorted(set(fresh) | set(recorded), key=str):
            path = f"{where}.{key}"
            if key not in recorded:
                out.append(f"{path} is missing (recomputed: {_shown(fresh[key])})")
            elif key not in fresh:
                out.append(f"{path} is not part of a run")
            else:
                out += _differences(recorded[key], fresh[key], path)
        return out
    if isinstance(fresh, list) and isinstance(recorded, list) and len(fresh) == len(recorded):
        return [d for i, (r, f) in enumerate(zip(recorded, fresh, strict=True))
                for d in _differences(r, f, f"{where}[{i}]")]
    if _number(fresh) and _number(recorded):
        if abs(float(recorded) - float(fresh)) <= TOLERANCE * max(1.0, abs(float(fresh))):
            return []
    elif recorded == fresh and type(recorded) is type(fresh):
        return []
    return [f"{where} is {_shown(recorded)}, recomputed {_shown(fresh)}"]


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _shown(value: Any) -> str:
    text = repr(value) if not isinstance(value, Mapping | list) else "{…}" if isinstance(
        value, Mapping) else "[…]"
    return text if len(text) <= 80 else text[:77] + "…"
