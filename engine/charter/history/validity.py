"""Schema and integrity checks of successive inventories, paying only for what changed.

The same checks as `validation_problems`, scoped to the changed entities; a model's or a
dataset's record is checked once per parsed object (unchanged text parses to the same one).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from charter.errors import Problem
from charter.inventory.diff import Change, EntityKey
from charter.inventory.entities import Entity, find_entity, holding_records
from charter.inventory.integrity import check_integrity
from charter.source.schema import validate
from charter.source.yamlsource import SourceMap

_SECTIONS = {"model": "models", "version": "models", "dataset": "datasets"}


class IncrementalValidator:
    def __init__(self, source: SourceMap) -> None:
        self.source = source
        self._records: dict[tuple[int, tuple[str, ...]], tuple[Any, list[Problem]]] = {}

    def problems(self, head: Mapping[str, Any], change: Change,
                 scope: set[EntityKey]) -> list[Problem]:
        problems = validate(_top_level(head, change), self.source, "models", shallow=True)
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
        return check_integrity(head, self.source, scoped)

    def _record(self, record: Any, section: str, name: str) -> list[Problem]:
        definition = "dataset" if section == "datasets" else "model"
        versions = record.get("versions") if isinstance(record, Mapping) else None
        if definition == "dataset" or not isinstance(versions, Mapping):
            return self._checked(record, definition, (section, name))
        # A model's own fields, then each version on its own: an edit to one version
        # re-checks that version only.
        problems = self._checked({**record, "versions": {}}, definition, (section, name),
                                 key=record)
        for version, entry in versions.items():
            problems += self._checked(entry, "version", (section, name, "versions", version))
        return problems

    def _checked(self, record: Any, definition: str, path: tuple[str, ...],
                 key: Any = None) -> list[Problem]:
        key = record if key is None else key
        known = self._records.get((id(key), path))
        if known is not None and known[0] is key:
            return known[1]
        found = validate(record, self.source, "models", definition, path)
        self._records[(id(key), path)] = (key, found)  # holding the object keeps its id unique
        return found


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
