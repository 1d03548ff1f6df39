"""The audit trail of an inventory: what changed at each commit, who, under which rules."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field, fields, replace
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
    # Who landed the change on the branch, when not its author: the person who merged the
    # pull request (author and email are then the pull request's author).
    merged_by: str | None = None
    merged_by_email: str | None = None

    @property
    def entity(self) -> str | None:
        if self.model is None:
            return None
        return f"{self.model}@{self.version}" if self.version else self.model

    def as_dict(self) -> dict[str, Any]:
        # every field is a plain value or a tuple of strings: no deep copy (asdict) needed
        out = {name: getattr(self, name) for name in _EVENT_FIELDS}
        out["violations"] = list(self.violations)
        out["findings"] = list(self.findings)
        out["entity"] = self.entity
        return out


_EVENT_FIELDS = tuple(f.name for f in fields(TimelineEvent))

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


GIT = "git history"
RECORDS = "inventory records"
Interval = tuple[str, str | None]  # first day, first day after (None: still)


@dataclass(frozen=True)
class Period:
    """A stretch of time a version was in production, and where each end was read:
    git history, or the deployments recorded in the inventory (for the time before the
    history begins, when a deployment predates the inventory's first commit)."""

    start: str
    until: str | None
    start_source: str = GIT
    until_source: str = GIT

    def as_dict(self) -> dict[str, str | None]:
        return {"from": self.start, "until": self.until, "from_source": self.start_source,
                "until_source": self.until_source}


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
    # model@version -> deployment intervals recorded in the inventory at the head
    records: dict[str, tuple[Interval, ...]] = field(default_factory=dict)

    @property
    def begins(self) -> str | None:
        """The first day the git history knows the inventory's state."""
        return self.states[0].date[:10] if self.states else None

    def ever_in_production(self) -> list[str]:
        """Versions git saw in production, and those whose records list a deployment
        (a version imported into the inventory already retired served all the same)."""
        seen: set[str] = set(self.served)
        for state in self.states:
            seen |= state.production
        return sorted(v for v in seen if self._wanted(v))

    def in_production_on(self, date: dt.date) -> list[str]:
        return self.production_on(date)[0]

    def production_on(self, date: dt.date) -> tuple[list[str], str]:
        """The versions in production on `date`, and which source answered: git history
        when it reaches that day, else the deployments the inventory records."""
        day = date.isoformat()
        if self.begins is None or day < self.begins:
            live = {v for v, spans in self.records.items()
                    if any(a <= day and (b is None or day < b) for a, b in spans)}
            return sorted(v for v in live if self._wanted(v)), RECORDS
        current: frozenset[str] = frozenset()
        for state in self.states:  # in branch order; a commit dated later does not count
            if state.date[:10] <= day:
                current = state.production
        return sorted(v for v in current if self._wanted(v)), GIT

    def production_periods(self) -> dict[str, list[tuple[str, str | None]]]:
        """model@version -> [(first day in production, first day out of it or None)]."""
        return {k: [(p.start, p.until) for p in v] for k, v in self.periods().items()}

    def periods(self) -> dict[str, list[Period]]:
        """Production periods from git history; one that was already running when the
        history begins starts on the earliest deployment the inventory records, and a
        version whose whole service predates the history has the periods its records give."""
        periods: dict[str, list[Period]] = {}
        previous: frozenset[str] = frozenset()
        for state in self.states:
            for version in state.production - previous:
                periods.setdefault(version, []).append(self._opened(version, state))
            for version in previous - state.production:
                periods[version][-1] = replace(periods[version][-1], until=state.date)
            previous = state.production
        for version, spans in self.records.items():
            if version not in periods:
                periods[version] = [self._recorded(a, b) for a, b in spans
                                    if self.begins is None or a < self.begins]
        return {k: v for k, v in sorted(periods.items()) if v and self._wanted(k)}

    def _recorded(self, start: str, until: str | None) -> Period:
        """A service that only the records know of: git saw the version out of production
        from the day the history begins, so it ended by then at the latest."""
        if self.begins is None or (until is not None and until <= self.begins):
            return Period(start, until, RECORDS, RECORDS)
        return Period(start, self.begins, RECORDS, GIT)

    def _opened(self, version: str, state: CommitState) -> Period:
        first = self.states[0]
        recorded = [a for a, _ in self.records.get(version, ()) if a < first.date[:10]]
        if state is first and recorded:
            return Period(min(recorded), None, RECORDS)
        return Period(state.date, None)

    def violations(self) -> list[TimelineEvent]:
        return [e for e in self.events if e.violations]

    def filtered(self, model: str | None, since: dt.date | None) -> Timeline:
        events = tuple(e for e in self.events if (model is None or e.model in (model, None))
                       and (since is None or e.date[:10] >= since.isoformat()))
        return replace(self, events=events, model=model, since=since)

    def _wanted(self, version_id: str) -> bool:
        return self.model is None or version_id.partition("@")[0] == self.model

    def as_dict(self) -> dict[str, Any]:
        periods = self.periods()
        return {
            "charter_history": TIMELINE_FORMAT,
            "ref": self.ref,
            "head": self.head,
            "model": self.model,
            "since": self.since.isoformat() if self.since else None,
            "events": [e.as_dict() for e in self.events],
            "ever_in_production": [
                {"id": v, "periods": [p.as_dict() for p in periods.get(v, [])]}
                for v in self.ever_in_production()],
            "violations": sum(len(e.violations) for e in self.events),
            "unreadable": [u.as_dict() for u in self.unreadable],
            "notes": list(self.notes),
            "history_begins": self.begins,
        }
