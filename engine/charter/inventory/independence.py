"""Independence of a validator or approver: not the version's author, not in the owning team.

The author of a version is `author` (or `created_by`) in its record, or else the git author of
the commit that added it, recognised as a team member's login by name, email or GitHub's
noreply address; its authors are all of them (a record's claim cannot hide the git author).
Owning-team membership is read on both revisions of a change, so that a pull request cannot
leave a team, or move the model to another owner, after the fact to qualify.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from charter.inventory.entities import datasets, find_entity, models, split_ref, teams
from charter.inventory.membership import Member, TeamFacts, everyone, team_members_on

_IDENTITY = re.compile(r"(?P<name>.*?)\s*<(?P<email>[^<>]*)>\s*$")
_NOREPLY = re.compile(r"(?:\d+\+)?(?P<login>[^@]+)@users\.noreply\.github\.com")


def record_author(record: Mapping[str, Any]) -> str | None:
    for key in ("author", "created_by"):
        if isinstance(record.get(key), str) and record[key]:
            return str(record[key])
    return None


def login_of(identity: str, people: Iterable[Member]) -> str | None:
    """The team member a git identity ("Name <email>") belongs to, if one matches."""
    found = _IDENTITY.match(identity)
    name, email = (found["name"], found["email"]) if found else (identity, "")
    noreply = _NOREPLY.fullmatch(email)
    candidates = {name.casefold(), email.casefold(), email.partition("@")[0].casefold()}
    if noreply:
        candidates.add(noreply["login"].casefold())
    for person in people:
        emails = {e.casefold() for e in person.emails}
        if person.login.casefold() in candidates or email.casefold() in emails:
            return person.login
    return None


# What is recorded about a version rather than written as part of it: editing these does not
# make one of its authors (a validator records the validation, promotes, deploys).
DECIDED_FIELDS = frozenset({"stage", "validation", "approvals", "deployments", "monitoring",
                            "retired", "description", "documentation"})


@dataclass
class Independence:
    """Facts about who made an entity, over the inventories of a change (trusted first)."""

    inventories: tuple[Mapping[str, Any], ...]
    # version id -> git identities: who added it first, then whoever wrote what it is since
    git_authors: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    facts: TeamFacts | None = None  # shared with the evaluations of other revisions
    _people: list[Member] | None = None
    _logins: dict[str, str | None] = field(default_factory=dict)  # git identity -> login
    _last_named: tuple[str, tuple[str | None, ...]] | None = None  # see _named

    def author(self, version_id: str) -> str | None:
        """The author's login (or their git identity when no member matches it)."""
        for named in self._named(version_id):
            if named:
                return named
        identities = self.git_authors.get(version_id)
        if not identities:
            return None
        identity = identities[0]
        if identity not in self._logins:  # a few people add thousands of versions
            self._logins[identity] = self._login(identity)
        return self._logins[identity] or identity

    def authors(self, version_id: str) -> list[str]:
        """Everyone who can be said to have made the version: every `author` (or
        `created_by`) its records name, the git author of the commit that added it, and
        whoever last wrote a line of what it is (its artifact, data, parameters...). A claim
        in the record names an author; it cannot hide the person who wrote the version in
        git, and editing what a version is makes one of its authors."""
        found: list[str] = []
        for named in self._named(version_id):
            if named and named not in found:
                found.append(named)
        for identity in self.git_authors.get(version_id, ()):
            if identity not in self._logins:
                self._logins[identity] = self._login(identity)
            login = self._logins[identity] or identity
            if login not in found:
                found.append(login)
        return found

    def _named(self, version_id: str) -> tuple[str | None, ...]:
        """The author each inventory's record of the version names (None: no record, or
        none named). A context asks for `author` and then `authors` of the same version:
        the last answer is kept, so that each record is looked up once."""
        last = self._last_named
        if last is not None and last[0] == version_id:
            return last[1]
        names = tuple(record_author(found.record) if found else None
                      for found in (find_entity(i, "version", version_id)
                                    for i in self.inventories))
        self._last_named = (version_id, names)
        return names

    def _login(self, identity: str) -> str | None:
        if self.facts is None:
            return login_of(identity, self._members())
        held = tuple(teams(i) for i in self.inventories)
        return self.facts.once(held, ("login", identity),
                               lambda: login_of(identity, self._members()))

    def owning_teams(self, kind: str, entity_id: str) -> set[str]:
        name = entity_id if kind == "model" else split_ref(entity_id)[0]
        section = datasets if kind == "dataset" else models
        if kind not in ("model", "version", "dataset"):
            return set()
        owners = set()
        for inventory in self.inventories:
            record = section(inventory).get(name)
            owner = record.get("owner") if isinstance(record, Mapping) else None
            if isinstance(owner, str):
                owners.add(owner)
        return owners

    def owners_on(self, kind: str, entity_id: str, day: str | None) -> dict[str, set[str]]:
        if self.facts is not None:
            return {team: self.facts.members_on(self.inventories, team, day)
                    for team in sorted(self.owning_teams(kind, entity_id))}
        return {team: team_members_on(self.inventories, team, day)
                for team in sorted(self.owning_teams(kind, entity_id))}

    def conflicts(self, login: str, kind: str, entity_id: str,
                  days: Iterable[str | None]) -> list[str]:
        """Why `login` is not independent of the entity on any of `days`; empty if they are."""
        reasons = []
        if kind == "version" and any(_same(a, login) for a in self.authors(entity_id)):
            reasons.append(f"{login} is the author of {entity_id}")
        for day in dict.fromkeys(days):
            for team, members in self.owners_on(kind, entity_id, day).items():
                owned = "dataset" if kind == "dataset" else "model"
                reason = f"{login} is a member of {team}, the team that owns the {owned}"
                if any(_same(m, login) for m in members) and reason not in reasons:
                    reasons.append(reason)
        return reasons

    def _members(self) -> list[Member]:
        if self._people is None:
            self._people = self.facts.people(self.inventories) if self.facts is not None else [
                m for inventory in self.inventories for m in everyone(inventory)]
        return self._people


def _same(a: str | None, b: str) -> bool:
    return a is not None and a.casefold() == b.casefold()  # logins are case-insensitive
