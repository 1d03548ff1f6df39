"""A parsed inventory at one revision, and its validation."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from charter.errors import CharterError, Problem
from charter.inventory.entities import (
    Entity,
    find_entity,
    holding_records,
    iter_entities,
    teams,
)
from charter.inventory.integrity import check_integrity
from charter.source.schema import validate
from charter.source.segments import (
    LazySection,
    SegmentedText,
    Unsegmentable,
    encode_known,
    load_segmented,
    parse_unknown,
)
from charter.source.yamlsource import MAX_FILE_BYTES, SourceMap, load_yaml_text
from charter.vcs.cache import Cache
from charter.vcs.revisions import INVENTORY_FILE, Revision

_ENTITY_SCHEMA = {"model": "model", "dataset": "dataset_version", "version": "version"}


@dataclass(frozen=True)
class Snapshot:
    revision: Revision
    inventory: Mapping[str, Any]
    source: SourceMap
    present: bool  # False when the revision has no models.yaml
    segmented: SegmentedText | None = None  # set when models and datasets load lazily


def load_snapshot(revision: Revision, cache: Cache | None = None, lazy: bool = False,
                  donor: Snapshot | None = None) -> Snapshot:
    """The inventory at `revision`.

    With `lazy`, models and datasets are parsed one entity at a time when first read, and
    entities whose text is unchanged since a cached parse (of this content, or of `donor`,
    usually the base) are not parsed at all: a pull request pays for what it changed.
    """
    raw = revision.read(INVENTORY_FILE)
    if raw is None:
        return Snapshot(revision, {}, SourceMap(INVENTORY_FILE, {}), False)
    if lazy:
        found = _load_lazy(revision, raw, cache, donor)
        if found is not None:
            return found
    document = load_yaml_text(raw, INVENTORY_FILE)
    return _snapshot(revision, document.data, document.source, None)


def _snapshot(revision: Revision, data: Any, source: SourceMap,
              segmented: SegmentedText | None) -> Snapshot:
    if data is None:
        data = {}
    if not isinstance(data, Mapping):
        raise CharterError.at("models.yaml must be a mapping with `charter: 1` at the top",
                              file=INVENTORY_FILE, line=1)
    return Snapshot(revision, data, source, True, segmented)


def _load_lazy(revision: Revision, raw: bytes, cache: Cache | None,
               donor: Snapshot | None) -> Snapshot | None:
    if len(raw) > MAX_FILE_BYTES:
        return None  # the whole-file loader reports the limit
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    key = revision.content_id(INVENTORY_FILE)
    cached = cache.get("segments", key) if cache and key else None
    known: dict[str, str] = dict(cached) if isinstance(cached, dict) else {}
    if donor is not None and donor.segmented is not None:
        known = {**encode_known(donor.segmented), **known}
    try:
        loaded = load_segmented(text, INVENTORY_FILE, known)
        if loaded is None:
            return None
        data, source, segmented = loaded
        fresh = parse_unknown(segmented)
    except (Unsegmentable, CharterError):
        return None  # parse the file whole: it gives the authoritative result or error
    if cache and key and (fresh or cached is None):
        cache.put("segments", key, encode_known(segmented))
    return _snapshot(revision, data, source, segmented)


def validation_problems(snapshot: Snapshot,
                        scope: Iterable[tuple[str, str]] | None = None) -> list[Problem]:
    """Schema and integrity problems: of every entity, or only of those in `scope`."""
    if not snapshot.present:
        return []
    top = {key: ({name: None for name in value} if isinstance(value, LazySection) else value)
           for key, value in snapshot.inventory.items()}
    problems = validate(top, snapshot.source, "models", shallow=True)
    if problems:
        return problems  # the top level is wrong: entity-level errors would only add noise
    for name, team in teams(snapshot.inventory).items():  # few and small: always checked
        problems += validate(team, snapshot.source, "models", "team", ("teams", name))
    entities = _scoped_entities(snapshot.inventory, scope)
    # A version is checked with its model, a dataset version with its dataset: each once.
    records = {(str(e.path[0]), str(e.path[1])) for e in entities if e.kind != "version"}
    if scope is not None:
        records |= holding_records(snapshot.inventory, scope)
    else:  # every record, also one that is no mapping and so holds no entity
        records |= {(section, str(name)) for section in ("models", "datasets")
                    for name in _names(snapshot.inventory.get(section))}
    for section, name in sorted(records):
        definition = "dataset" if section == "datasets" else "model"
        record = snapshot.inventory[section][name]
        problems += validate(record, snapshot.source, "models", definition, (section, name))
    problems = _dedupe(problems)
    if problems:
        return problems
    return check_integrity(snapshot.inventory, snapshot.source, entities)


def _names(section: Any) -> list[Any]:
    return list(section) if isinstance(section, Mapping) else []


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
