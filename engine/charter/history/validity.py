"""Schema and integrity checks of successive inventories, paying only for what changed.

The same checks as `validation_problems`, scoped to the changed entities; a model's or a
dataset's record is checked once per parsed object (unchanged text parses to the same one).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cache
from typing import Any

from charter.errors import Problem
from charter.inventory.diff import ENTITY_SECTIONS, Change, EntityKey
from charter.inventory.entities import (
    Entity,
    datasets,
    find_entity,
    holding_records,
    models,
    teams,
    versions_of,
)
from charter.inventory.integrity import check_integrity, entity_problems
from charter.inventory.membership import TeamFacts
from charter.source.schema import load_schema, validate
from charter.source.yamlsource import KeyPath, SourceMap

_SECTIONS = {"model": "models", "version": "models", "dataset": "datasets"}


class IncrementalValidator:
    def __init__(self, source: SourceMap, facts: TeamFacts | None = None,
                 plain: bool = False) -> None:
        self.source = source
        self.facts = facts  # what the teams say, shared with the evaluations
        self.plain = plain  # check every entity in scope in full (the differential twin)
        # what was validated (its identity, or its keys and its values' identities) -> the
        # objects it was read from (held, so that their ids stay unique) and the problems
        self._known: dict[tuple[Any, ...], tuple[tuple[Any, ...], list[Problem]]] = {}
        # a version's path -> (its record, the datasets, the teams, whether the version it
        # supersedes is declared, and whether its references were sound)
        self._references: dict[KeyPath, tuple[Any, Any, Any, bool, bool]] = {}
        # (a version field, its value's identity) -> the value and whether it is valid
        self._fields: dict[tuple[str, int], tuple[Any, bool]] = {}
        # a model's (section, name) -> each version's record as last checked, and its problems
        self._versions: dict[tuple[str, str], dict[Any, tuple[Any, list[Problem]]]] = {}

    def problems(self, head: Mapping[str, Any], change: Change,
                 scope: set[EntityKey]) -> list[Problem]:
        problems = self._top(_top_level(head, change))
        if problems:
            return problems
        entities = [e for e in (find_entity(head, *key) for key in sorted(scope)) if e]
        records = {(_SECTIONS[e.kind], _owner(e)) for e in entities} | holding_records(
            head, scope)
        for section, name in sorted(records):
            problems += self._record(head[section][name], section, name)
        if problems:
            return problems
        scoped = entities + [m for m in (find_entity(head, "model", n) for n in sorted(
            {e.parent for e in entities if e.kind == "version" and e.parent})) if m]
        others = [e for e in scoped if e.kind != "version"]
        if not self.plain and len(others) < len(scoped) and self._clean(
                head, [e for e in scoped if e.kind == "version"]):
            # versions without problems add nothing, wherever they are in the scope
            return check_integrity(head, self.source, others, self.facts)
        return check_integrity(head, self.source, scoped, self.facts)

    def _clean(self, head: Mapping[str, Any], versions: list[Entity]) -> bool:
        """Whether the versions' references are all sound. They read each version's record,
        the datasets, the teams and (for `supersedes`) the names of its model's versions: an
        answer is kept while the first three are the very same objects and the last is the
        same."""
        shared = (datasets(head), teams(head))
        known = self._references
        for version in versions:
            record = version.record
            supersedes = record.get("supersedes")
            declared = isinstance(supersedes, str) and supersedes in versions_of(
                models(head).get(version.parent or "") or {})
            last = known.get(version.path)
            if last is None or last[0] is not record or last[1] is not shared[0] or (
                    last[2] is not shared[1]) or last[3] is not declared:
                clean = not entity_problems(head, self.source, version)
                last = known[version.path] = (record, *shared, declared, clean)
            if not last[4]:
                return False
        return True

    def _top(self, top: dict[str, Any]) -> list[Problem]:
        """The shallow validation of the top level. It reads the names of the changed models
        and datasets (their records are validated one by one), and the other values whole:
        those are known by their identity."""
        named = {k for k, v in top.items() if k in ENTITY_SECTIONS and isinstance(v, Mapping)}
        shape = tuple((k, tuple(v)) if k in named else (k, id(v)) for k, v in top.items())
        held = tuple(v for k, v in top.items() if k not in named)
        return self._remembered(("top", shape), held, lambda: validate(
            top, self.source, "models", shallow=True))

    def _record(self, record: Any, section: str, name: str) -> list[Problem]:
        definition = "dataset" if section == "datasets" else "model"
        versions = record.get("versions") if isinstance(record, Mapping) else None
        if definition == "dataset" or not isinstance(versions, Mapping):
            return self._checked(record, definition, (section, name))
        # A model's own fields, then each version on its own: an edit to one version
        # re-checks that version only, and the own fields are known by their values' identity
        # (an unchanged text parses to the same objects).
        own = {**record, "versions": {}}
        shape = tuple((k, id(v)) for k, v in record.items() if k != "versions")
        problems = self._remembered(
            ("own", section, name, shape), tuple(v for k, v in record.items() if k != "versions"),
            lambda: validate(own, self.source, "models", definition, (section, name)))
        if self.plain:
            for version, entry in versions.items():
                problems += self._checked(entry, "version", (section, name, "versions", version))
            return problems
        # An edit leaves all but one or two versions the very same objects: their problems
        # are those found last time (each record is held, so its identity stays its own).
        checked = self._versions.setdefault((section, name), {})
        for version, entry in versions.items():
            last = checked.get(version)
            if last is None or last[0] is not entry:
                last = checked[version] = (entry, self._checked(
                    entry, "version", (section, name, "versions", version)))
            problems += last[1]
        return problems

    def _checked(self, record: Any, definition: str, path: tuple[str, ...]) -> list[Problem]:
        if definition == "version" and not self.plain and (id(record), path) not in self._known \
                and self._fields_valid(record):
            self._known[(id(record), path)] = ((record,), [])
            return []
        return self._remembered((id(record), path), (record,), lambda: validate(
            record, self.source, "models", definition, path))

    def _fields_valid(self, record: Any) -> bool:
        """Whether a version is valid, known from its fields: the schema checks each field
        on its own (see `_version_fields`), and a field's value is checked once per parsed
        object (a field's text parses to the same object in every version that has it).
        False says nothing: the version is then validated whole."""
        fields = _version_fields()
        if fields is None or type(record) is not dict or "stage" not in record:
            return False
        for name, value in record.items():
            if name.startswith("x-"):
                continue
            if name not in fields:
                return False
            known = self._fields.get((name, id(value)))
            if known is None or known[0] is not value:
                probe = {"stage": value} if name == "stage" else {"stage": _STAGE, name: value}
                known = self._fields[(name, id(value))] = (value, not validate(
                    probe, self.source, "models", "version"))
            if not known[1]:
                return False
        return True

    def _remembered(self, key: tuple[Any, ...], held: tuple[Any, ...],
                    validated: Callable[[], list[Problem]]) -> list[Problem]:
        """A copy of the problems found for `key`, validated once while `held` are the very
        objects it was validated from."""
        known = self._known.get(key)
        if known is None or len(known[0]) != len(held) or any(
                a is not b for a, b in zip(known[0], held, strict=True)):
            known = self._known[key] = (held, validated())
        return list(known[1])


_STAGE = "development"  # a valid stage, beside which another field is checked


@cache
def _version_fields() -> frozenset[str] | None:
    """The fields of a version when the schema checks each on its own: an object of known
    properties, any `x-` key, `stage` required, and nothing that relates two fields (a
    condition, a dependency). None when the schema says more: versions are then validated
    whole."""
    schema = load_schema("models")["$defs"]["version"]
    if set(schema) - {"type", "properties", "patternProperties", "additionalProperties",
                      "required", "title", "description"} or schema.get("type") != "object" or (
            schema.get("additionalProperties") is not False) or schema.get(
            "patternProperties", {}) != {"^x-": {}} or schema.get("required") != ["stage"]:
        return None
    if validate({"stage": _STAGE}, SourceMap("", {}), "models", "version"):
        return None
    return frozenset(schema["properties"])


def _owner(entity: Entity) -> str:
    return entity.parent if entity.kind != "model" and entity.parent else entity.id


def _top_level(head: Mapping[str, Any], change: Change) -> dict[str, Any]:
    """The top level with only the changed models and datasets: their names are checked."""
    out = dict(head)
    for section in ("models", "datasets"):
        entries = head.get(section)
        if not isinstance(entries, Mapping):
            continue
        names = {entity_id.partition("@")[0] for k, entity_id in change.entities
                 if _SECTIONS[k] == section}
        out[section] = {n: entries[n] for n in sorted(names) if n in entries}
    return out
