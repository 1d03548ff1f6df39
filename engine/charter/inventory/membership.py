"""Who belongs to a team on a given day.

A member is a login (a member always) or `{id, since, until}`; both dates are inclusive and
either may be left out. Leaving a team is `until: DATE`: deleting the member would rewrite
every past validation and approval they signed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from charter.inventory.entities import teams


@dataclass(frozen=True)
class Member:
    login: str
    since: str | None = None  # ISO dates compare as text
    until: str | None = None
    emails: tuple[str, ...] = ()

    def on(self, day: str | None) -> bool:
        """A member on `day`; with no day, a member who has not left."""
        if day is None:
            return self.until is None
        return (self.since is None or self.since <= day) and (
            self.until is None or day <= self.until)

    @property
    def label(self) -> str:
        if self.since and self.until:
            return f"{self.login} ({self.since} to {self.until})"
        if self.since:
            return f"{self.login} (since {self.since})"
        if self.until:
            return f"{self.login} (until {self.until})"
        return self.login


def team_members(team: Any) -> list[Member]:
    """The members of a team record, in the order written; malformed entries are skipped
    (the schema reports them)."""
    raw = team.get("members") if isinstance(team, Mapping) else None
    return [m for m in (_member(item) for item in raw or []) if m is not None]


def _member(item: Any) -> Member | None:
    if isinstance(item, str):
        return Member(item)
    if not isinstance(item, Mapping) or not isinstance(item.get("id"), str):
        return None
    emails = item.get("emails") or []
    return Member(item["id"], _date(item.get("since")), _date(item.get("until")),
                  tuple(str(e) for e in emails if isinstance(e, str)))


def _date(value: Any) -> str | None:
    return str(value) if value is not None else None


def members_on(team: Any, day: str | None) -> set[str]:
    return {m.login for m in team_members(team) if m.on(day)}


def current_members(team: Any, today: dt.date) -> list[str]:
    day = today.isoformat()
    return [m.login for m in team_members(team) if m.on(day)]


def member_labels(team: Any) -> list[str]:
    return [m.label for m in team_members(team)]


def team_members_on(inventories: Iterable[Mapping[str, Any] | None], team_id: str,
                    day: str | None) -> set[str]:
    """Members of `team_id` on `day` in any of the inventories (say base and head: a pull
    request cannot leave a team after the fact to qualify)."""
    found: set[str] = set()
    for inventory in inventories:
        if inventory is not None:
            found |= members_on(teams(inventory).get(team_id), day)
    return found


def validating_members(inventory: Mapping[str, Any], day: str | None) -> set[str]:
    return {login for team in teams(inventory).values()
            if isinstance(team, Mapping) and team.get("validates")
            for login in members_on(team, day)}


def everyone(inventory: Mapping[str, Any]) -> Iterator[Member]:
    for team in teams(inventory).values():
        yield from team_members(team)


_Computed = TypeVar("_Computed")


class TeamFacts:
    """What the teams say, read once per `teams` mapping (and day).

    The history judges thousands of successive revisions whose `teams` is one parsed object
    (an unchanged text parses to the same object, and nothing changes a parsed inventory),
    so each fact is read from each such object once. Facts are keyed by the identity of the
    mappings they were read from; each entry holds those mappings, so an id is not reused
    while it is remembered. Callers get copies of what is remembered.
    """

    LIMIT = 4096

    def __init__(self) -> None:
        self._memo: dict[tuple[Any, ...], tuple[tuple[Any, ...], Any]] = {}

    def _remembered(self, sources: tuple[Any, ...], key: tuple[Any, ...],
                    compute: Callable[[], _Computed]) -> _Computed:
        full = (*(id(s) for s in sources), *key)
        found = self._memo.get(full)
        if found is not None and all(a is b for a, b in zip(found[0], sources, strict=True)):
            return found[1]  # type: ignore[no-any-return]
        if len(self._memo) >= self.LIMIT:
            self._memo.clear()
        value = compute()
        self._memo[full] = (sources, value)
        return value

    def validating(self, inventory: Mapping[str, Any], day: str | None) -> set[str]:
        """validating_members(inventory, day)."""
        held = teams(inventory)
        return set(self._remembered((held,), ("validating", day),
                                    lambda: frozenset(validating_members(inventory, day))))

    def members_on(self, inventories: tuple[Mapping[str, Any], ...], team_id: str,
                   day: str | None) -> set[str]:
        """team_members_on(inventories, team_id, day)."""
        held = tuple(teams(i) for i in inventories)
        return set(self._remembered(held, ("members", team_id, day), lambda: frozenset(
            team_members_on(inventories, team_id, day))))

    def people(self, inventories: tuple[Mapping[str, Any], ...]) -> list[Member]:
        """Every member of every team of the inventories, in order."""
        held = tuple(teams(i) for i in inventories)
        return list(self._remembered(held, ("people",), lambda: tuple(
            m for inventory in inventories for m in everyone(inventory))))

    def current(self, team: Mapping[str, Any], today: dt.date) -> list[str]:
        """current_members(team, today)."""
        return list(self._remembered((team,), ("current", today),
                                     lambda: tuple(current_members(team, today))))

    def once(self, sources: tuple[Any, ...], key: tuple[Any, ...],
             compute: Callable[[], _Computed]) -> _Computed:
        """`compute()`, remembered while `sources` are the same objects (the caller copies
        or does not change what it gets)."""
        return self._remembered(sources, ("once", *key), compute)
