"""The audit trail of an inventory: what changed at each commit, who, under which rules."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field, replace
from typing import Any

TIMELINE_FORMAT = 1


@dataclass(frozen=True)
class TimelineEvent:
    commit: str
    author: str
    date: str  # ISO 8601: when the commit landed on the branch (committer date)
    message: str  # the commit's subject
    pr: int | None
    model: str | None  # the model (or dataset) the event is about; None for policy changes
    version: str | None
    kind: str  # see EVENT_KINDS
    detail: str  # plain words
    stage_from: str | None = None
    stage_to: str | None = None
    verdict: str = "unknown"  # pass | fail | unknown, under the rules in force at the commit
    policy_digest: str | None = None
    violations: tuple[str, ...] = ()  # rules broken after the fact, whatever the policies said
    findings: tuple[str, ...] = ()  # blocking findings of the rules in force, "RULE: message"
    email: str = ""

    @property
    def entity(self) -> str | None:
        if self.model is None:
            return None
        return f"{self.model}@{self.version}" if self.version else self.model

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["violations"] = list(self.violations)
        out["findings"] = list(self.findings)
        out["entity"] = self.entity
        return out


EVENT_KINDS: dict[str, str] = {
    "model-added": "a model entered the inventory",
    "model-removed": "a model left the inventory",
    "version-added": "a model version entered the inventory",
    "stage-changed": "a version moved to another stage",
    "validated": "a version's validation was recorded or changed",
    "deployed": "a version was deployed to a target",
    "undeployed": "a deployment ended",
    "retired": "a version was retired",
    "removed": "a version was deleted from the inventory",
    "record-changed": "a model's or version's record changed in place",
    "dataset-added": "a dataset version entered the inventory",
    "dataset-changed": "a dataset version's record changed",
    "dataset-removed": "a dataset version left the inventory",
    "policy-changed": "the rules or waivers in policies/ changed",
}


@dataclass(frozen=True)
class UnreadableCommit:
    commit: str
    date: str
    reason: str

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


@dataclass(frozen=True)
class CommitState:
    """Which versions were in production once a commit had landed."""

    commit: str
    date: str
    production: frozenset[str]


@dataclass(frozen=True)
class Timeline:
    events: tuple[TimelineEvent, ...]
    unreadable: tuple[UnreadableCommit, ...] = ()
    states: tuple[CommitState, ...] = ()
    served: frozenset[str] = frozenset()  # versions whose records list a deployment
    head: str | None = None
    ref: str = "HEAD"
    model: str | None = None
    since: dt.date | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)

    def ever_in_production(self) -> list[str]:
        """Versions git saw in production, and those whose records list a deployment
        (a version imported into the inventory already retired served all the same)."""
        seen: set[str] = set(self.served)
        for state in self.states:
            seen |= state.production
        return sorted(v for v in seen if self._wanted(v))

    def in_production_on(self, date: dt.date) -> list[str]:
        day = date.isoformat()
        current: frozenset[str] = frozenset()
        for state in self.states:  # in branch order; a commit dated later does not count
            if state.date[:10] <= day:
                current = state.production
        return sorted(v for v in current if self._wanted(v))

    def production_periods(self) -> dict[str, list[tuple[str, str | None]]]:
        """model@version -> [(first day in production, first day out of it or None)]."""
        periods: dict[str, list[tuple[str, str | None]]] = {}
        previous: frozenset[str] = frozenset()
        for state in self.states:
            for version in state.production - previous:
                periods.setdefault(version, []).append((state.date, None))
            for version in previous - state.production:
                start, _ = periods[version][-1]
                periods[version][-1] = (start, state.date)
            previous = state.production
        return {k: v for k, v in sorted(periods.items()) if self._wanted(k)}

    def violations(self) -> list[TimelineEvent]:
        return [e for e in self.events if e.violations]

    def filtered(self, model: str | None, since: dt.date | None) -> Timeline:
        events = tuple(e for e in self.events if (model is None or e.model in (model, None))
                       and (since is None or e.date[:10] >= since.isoformat()))
        return replace(self, events=events, model=model, since=since)

    def _wanted(self, version_id: str) -> bool:
        return self.model is None or version_id.partition("@")[0] == self.model

    def as_dict(self) -> dict[str, Any]:
        periods = self.production_periods()
        return {
            "charter_history": TIMELINE_FORMAT,
            "ref": self.ref,
            "head": self.head,
            "model": self.model,
            "since": self.since.isoformat() if self.since else None,
            "events": [e.as_dict() for e in self.events],
            "ever_in_production": [
                {"id": v, "periods": [{"from": a, "until": b} for a, b in periods.get(v, [])]}
                for v in self.ever_in_production()],
            "violations": sum(len(e.violations) for e in self.events),
            "unreadable": [u.as_dict() for u in self.unreadable],
            "notes": list(self.notes),
        }
