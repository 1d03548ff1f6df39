"""A parsed inventory at one revision, and its validation."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from charter.cache import Cache
from charter.errors import CharterError, Problem
from charter.integrity import check_integrity
from charter.inventory import Entity, find_entity, iter_entities
from charter.revisions import INVENTORY_FILE, Revision
from charter.schema import validate
from charter.yamlsource import Document, Mark, SourceMap, load_yaml_text

_ENTITY_SCHEMA = {"model": "model", "dataset": "dataset_version", "version": "version"}


@dataclass(frozen=True)
class Snapshot:
    revision: Revision
    inventory: Mapping[str, Any]
    source: SourceMap
    present: bool  # False when the revision has no models.yaml


def load_snapshot(revision: Revision, cache: Cache | None = None) -> Snapshot:
    raw = revision.read(INVENTORY_FILE)
    if raw is None:
        return Snapshot(revision, {}, SourceMap(INVENTORY_FILE, {}), False)
    key = revision.content_id(INVENTORY_FILE)
    document = _cached(cache, key) if cache and key else None
    if document is None:
        document = load_yaml_text(raw, INVENTORY_FILE)
        if cache and key:
            cache.put("yaml", key, _encode(document))
    data = document.data
    if data is None:
        data = {}
    if not isinstance(data, Mapping):
        raise CharterError.at("models.yaml must be a mapping with `charter: 1` at the top",
                              file=INVENTORY_FILE, line=1)
    return Snapshot(revision, data, document.source, True)


def _encode(document: Document) -> dict[str, Any]:
    marks = [[list(path), m.line, m.column] for path, m in document.source.marks.items()]
    return {"data": document.data, "marks": marks}


def _cached(cache: Cache, key: str) -> Document | None:
    entry = cache.get("yaml", key)
    if not isinstance(entry, dict):
        return None
    marks = {tuple(path): Mark(line, column) for path, line, column in entry["marks"]}
    return Document(entry["data"], SourceMap(INVENTORY_FILE, marks))


def validation_problems(snapshot: Snapshot,
                        scope: Iterable[tuple[str, str]] | None = None) -> list[Problem]:
    """Schema and integrity problems: of every entity, or only of those in `scope`."""
    if not snapshot.present:
        return []
    problems = validate(snapshot.inventory, snapshot.source, "models", shallow=True)
    if problems:
        return problems  # the top level is wrong: entity-level errors would only add noise
    entities = _scoped_entities(snapshot.inventory, scope)
    # A version is checked with its model, a dataset version with its dataset: each once.
    records = {(str(e.path[0]), str(e.path[1])) for e in entities if e.kind != "version"}
    for section, name in sorted(records):
        definition = "dataset" if section == "datasets" else "model"
        record = snapshot.inventory[section][name]
        problems += validate(record, snapshot.source, "models", definition, (section, name))
    problems = _dedupe(problems)
    if problems:
        return problems
    return check_integrity(snapshot.inventory, snapshot.source, entities)


def _scoped_entities(inventory: Mapping[str, Any],
                     scope: Iterable[tuple[str, str]] | None) -> list[Entity]:
    if scope is None:
        return list(iter_entities(inventory))
    found = [find_entity(inventory, kind, entity_id) for kind, entity_id in scope]
    entities = [e for e in found if e is not None]
    # A version's schema is its model's: make sure the model is validated.
    models = {e.parent for e in entities if e.kind == "version"}
    entities += [m for m in (find_entity(inventory, "model", n) for n in models if n)
                 if m is not None and m not in entities]
    return entities


def _dedupe(problems: list[Problem]) -> list[Problem]:
    seen: set[Problem] = set()
    out = []
    for problem in problems:
        if problem not in seen:
            seen.add(problem)
            out.append(problem)
    return sorted(out, key=lambda p: (p.line, p.column))
