"""Checks beyond the schema: references resolve, owners and validators are real, no cycles."""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any

from charter.errors import Problem
from charter.inventory.entities import (
    Entity,
    dataset_record,
    dataset_refs,
    datasets,
    iter_entities,
    teams,
    versions_of,
)
from charter.inventory.membership import TeamFacts, team_members, validating_members
from charter.source.yamlsource import KeyPath, SourceMap, format_path
from charter.suggest import did_you_mean


def validators(inventory: Mapping[str, Any], on: dt.date | str | None = None) -> set[str]:
    """Logins in a validating team on the day `on`; without a day, those who have not left."""
    return validating_members(inventory, None if on is None else str(on))


# Letters of other scripts drawn like Latin ones (the common cases of Unicode's confusables).
_LOOK_ALIKE = str.maketrans({
    "а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "у": "y", "х": "x", "і": "i", "ј": "j",
    "ѕ": "s", "ԁ": "d", "һ": "h", "ԛ": "q", "ԝ": "w", "ӏ": "l", "ѵ": "v", "к": "k", "м": "m",
    "н": "h", "т": "t", "в": "b", "α": "a", "ο": "o", "ν": "v", "ι": "i", "κ": "k", "τ": "t",
    "ρ": "p", "υ": "u", "ε": "e", "χ": "x", "ı": "i", "ℓ": "l"})


def look_alike_form(login: str) -> str:
    """`login` as a reader sees it: compatibility-normalised, without case, invisible
    characters or spaces, letters of other scripts that look Latin read as Latin."""
    folded = unicodedata.normalize("NFKC", login).casefold()
    visible = "".join(c for c in folded if unicodedata.category(c) not in ("Cf", "Zs", "Cc"))
    return unicodedata.normalize("NFKC", visible.translate(_LOOK_ALIKE))


def check_integrity(
    inventory: Mapping[str, Any], source: SourceMap, scope: Iterable[Entity] | None = None,
    facts: TeamFacts | None = None
) -> list[Problem]:
    """Problems with references in `scope` (all entities by default), plus lineage cycles.

    `facts` remembers the teams' problems across checks (the history's revisions share
    their unchanged teams)."""
    entities = list(iter_entities(inventory) if scope is None else scope)
    context = _Context(inventory, source)
    if facts is None:
        context.check_teams()
    else:
        context.problems += facts.once((teams(inventory), source), ("team problems",),
                                       lambda: _teams_problems(inventory, source))
    for entity in entities:
        context.check(entity)
    if scope is None:
        context.problems.extend(_cycles(inventory, source))
    else:  # a new cycle runs through a dataset the change touched
        starts = [e.id for e in entities if e.kind == "dataset"]
        context.problems.extend(_cycles_through(inventory, source, starts))
    return sorted(context.problems, key=lambda p: (p.line, p.column))


def entity_problems(inventory: Mapping[str, Any], source: SourceMap, entity: Entity
                    ) -> list[Problem]:
    """The problems `check_integrity` finds with one entity's references (without the
    teams' own problems and lineage cycles)."""
    context = _Context(inventory, source)
    context.check(entity)
    return context.problems


def _teams_problems(inventory: Mapping[str, Any], source: SourceMap) -> tuple[Problem, ...]:
    context = _Context(inventory, source)
    context.check_teams()
    return tuple(context.problems)


class _Context:
    def __init__(self, inventory: Mapping[str, Any], source: SourceMap) -> None:
        self.inventory = inventory
        self.source = source
        self.team_ids = sorted(teams(inventory))
        self.problems: list[Problem] = []
        self._validators: dict[str | None, set[str]] = {}
        self._datasets: dict[str, Mapping[str, Any] | None] = {}  # versions share a few

    def report(self, path: KeyPath, message: str, hint: str = "") -> None:
        mark = self.source.locate(path)
        self.problems.append(
            Problem(message, self.source.file_of(path), mark.line, mark.column,
                    format_path(path), hint)
        )

    def check_teams(self) -> None:
        spelt: dict[str, tuple[str, str]] = {}  # look-alike form -> (login, team)
        for team_id, team in teams(self.inventory).items():
            seen: set[str] = set()
            for i, member in enumerate(team_members(team)):
                path = ("teams", team_id, "members", i)
                if member.login in seen:
                    self.report(path, f"{member.login} is listed twice in {team_id}",
                                "give one entry per person; a person who left and came back "
                                "is not supported yet: keep the latest period")
                seen.add(member.login)
                self._one_spelling(member.login, team_id, path, spelt)
                if member.since and member.until and member.until < member.since:
                    self.report(path, f"{member.login}'s membership of {team_id} ends "
                                f"({member.until}) before it starts ({member.since})")

    def _one_spelling(self, login: str, team_id: str, path: KeyPath,
                      spelt: dict[str, tuple[str, str]]) -> None:
        """Two logins that differ only by case, by a look-alike letter or by an invisible
        character are one person to GitHub and to a reader, but two to the rules: the
        developer listed as `Dana` in a validating team would validate what `dana` built."""
        form = look_alike_form(login)
        first = spelt.setdefault(form, (login, team_id))
        if first[0] != login:
            self.report(path, f"login {login!r} in {team_id} differs from {first[0]!r} in "
                        f"{first[1]} only by case, look-alike letters or invisible "
                        "characters", "spell one person's login the same everywhere")

    def check(self, entity: Entity) -> None:
        if entity.kind == "model":
            self._owner(entity.record, entity.path)
        elif entity.kind == "dataset":
            parent = datasets(self.inventory).get(entity.parent or "")
            if isinstance(parent, Mapping) and entity.path[-1] == next(iter(parent["versions"])):
                self._owner(parent, entity.path[:2])  # once per dataset, not per version
            for i, ref in enumerate(entity.record.get("derived_from") or []):
                self._dataset(ref, (*entity.path, "derived_from", i))
        else:
            self._version(entity)

    def _owner(self, record: Mapping[str, Any], path: KeyPath) -> None:
        owner = record.get("owner")
        if isinstance(owner, str) and owner not in self.team_ids:
            self.report((*path, "owner"), f"owner {owner!r} is not a declared team",
                        did_you_mean(owner, self.team_ids))

    def _dataset(self, ref: Any, path: KeyPath) -> Mapping[str, Any] | None:
        if not isinstance(ref, str):
            return None
        if ref not in self._datasets:
            self._datasets[ref] = dataset_record(self.inventory, ref)
        record = self._datasets[ref]
        if record is None:
            known = [e.id for e in iter_entities(self.inventory) if e.kind == "dataset"]
            self.report(path, f"dataset {ref!r} is not declared", did_you_mean(ref, known))
        return record

    def _version(self, entity: Entity) -> None:
        record = entity.record
        for ref, sub in dataset_refs(record):
            found = self._dataset(ref, (*entity.path, *sub))
            if found and sub == ("evaluation", "dataset"):
                self._columns(entity, found)
        validation = record.get("validation")
        if isinstance(validation, Mapping) and isinstance(validation.get("by"), str):
            self._validator(validation["by"], validation.get("date"), entity.path)
        supersedes = record.get("supersedes")
        model = self.inventory["models"][entity.parent]
        if isinstance(supersedes, str) and supersedes not in versions_of(model):
            self.report((*entity.path, "supersedes"),
                        f"version {supersedes!r} of {entity.parent} is not declared")

    def _validator(self, by: str, date: Any, path: KeyPath) -> None:
        day = str(date) if date is not None else None
        if day not in self._validators:
            self._validators[day] = validating_members(self.inventory, day)
        if by in self._validators[day]:
            return
        when = f" on {day}" if day else " (the validation has no date: today's teams apply)"
        self.report((*path, "validation", "by"),
                    f"validator {by!r} is not a member of a validating team{when}",
                    "add them to a team with `validates: true`; if they left the team, keep "
                    "them with `until:`")

    def _columns(self, entity: Entity, dataset: Mapping[str, Any]) -> None:
        columns = dataset.get("columns")
        evaluation = entity.record.get("evaluation") or {}
        if not isinstance(columns, list) or not isinstance(evaluation, Mapping):
            return
        wanted = [("target", evaluation.get("target"))]
        wanted += [("sensitive_features", f) for f in evaluation.get("sensitive_features") or []]
        for key, column in wanted:
            if isinstance(column, str) and column not in columns:
                self.report((*entity.path, "evaluation", key),
                            f"column {column!r} is not in dataset {dataset['id']}",
                            did_you_mean(column, [str(c) for c in columns]))


def _cycles_through(inventory: Mapping[str, Any], source: SourceMap,
                    starts: list[str]) -> list[Problem]:
    """Cycles through the given datasets, walking only their ancestors."""
    problems: list[Problem] = []
    reported: set[frozenset[str]] = set()
    for start in starts:
        stack: list[tuple[str, list[str]]] = [(start, [start])]
        seen: set[str] = set()
        while stack:
            node, trail = stack.pop()
            record = dataset_record(inventory, node) or {}
            for parent in record.get("derived_from") or []:
                if parent == start and frozenset(trail) not in reported:
                    reported.add(frozenset(trail))
                    problems.append(_cycle_problem([*reversed(trail)], inventory, source))
                elif isinstance(parent, str) and parent not in seen:
                    seen.add(parent)
                    stack.append((parent, [*trail, parent]))
    return problems


def _cycle_problem(cycle: list[str], inventory: Mapping[str, Any],
                   source: SourceMap) -> Problem:
    first = min(cycle)
    loop = " -> ".join([*cycle[cycle.index(first):], *cycle[: cycle.index(first)], first])
    name, _, version = first.partition("@")
    path = ("datasets", name, "versions", version, "derived_from")
    mark = source.locate(path)
    return Problem(f"derived_from forms a cycle: {loop}", source.file_of(path), mark.line,
                   mark.column, format_path(path))


def _cycles(inventory: Mapping[str, Any], source: SourceMap) -> list[Problem]:
    import networkx as nx  # only a full validation needs the whole graph

    graph: nx.DiGraph[str] = nx.DiGraph()
    for entity in iter_entities(inventory):
        if entity.kind != "dataset":
            continue
        for parent in entity.record.get("derived_from") or []:
            if isinstance(parent, str):
                graph.add_edge(parent, entity.id)
    return [_cycle_problem(cycle, inventory, source) for cycle in nx.simple_cycles(graph)]

