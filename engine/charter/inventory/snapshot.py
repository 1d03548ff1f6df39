"""A parsed inventory at one revision, and its validation."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
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
from charter.inventory.entityfiles import (
    EntityFiles,
    MergedSection,
    Share,
    load_entity_files,
    merge_sections,
    parse_all,
    parse_shared,
)
from charter.inventory.integrity import check_integrity
from charter.layout import entity_file_path
from charter.source.schema import validate
from charter.source.segments import (
    LazySection,
    Segment,
    SegmentedText,
    Unsegmentable,
    load_segmented,
    parse_unknown,
)
from charter.source.yamlsource import MAX_FILE_BYTES, SourceMap, load_yaml_text
from charter.vcs.cache import Cache
from charter.vcs.revisions import INVENTORY_FILE, Revision

SEGMENT_KIND = "segment"


@dataclass(frozen=True)
class Snapshot:
    revision: Revision
    inventory: Mapping[str, Any]
    source: SourceMap
    present: bool  # False when the revision has no models.yaml
    segmented: SegmentedText | None = None  # set when models and datasets load lazily
    files: EntityFiles | None = None  # the files of a split inventory


def load_snapshot(revision: Revision, cache: Cache | None = None, lazy: bool = False,
                  donor: Snapshot | None = None) -> Snapshot:
    """The inventory at `revision`: models.yaml, and the files of a split inventory.

    With `lazy`, models and datasets are parsed one entity at a time when first read, and
    entities whose text is unchanged since a cached parse (or a parse of `donor`, usually the
    base) are not parsed at all: a pull request pays for what it changed.
    """
    cache = cache if cache is not None else Cache(None)
    files = load_entity_files(revision, cache, donor.files if donor else None)
    raw = revision.read(INVENTORY_FILE)
    if raw is None:
        if files:
            first = entity_file_path(*files.all_keys()[0])
            raise CharterError.at(f"{first} is part of a split inventory, whose root "
                                  f"{INVENTORY_FILE} is missing (it holds `charter: 1`)",
                                  file=first)
        return Snapshot(revision, {}, SourceMap(INVENTORY_FILE, {}), False)
    root = _load_lazy(revision, raw, cache) if lazy else None
    if root is None:
        document = load_yaml_text(raw, INVENTORY_FILE)
        root = _snapshot(revision, document.data, document.source, None)
    if not files:
        return root
    data, source = merge_sections(dict(root.inventory), files, root.source)
    if not lazy:
        parse_all(files)
    return Snapshot(revision, data, source, True, root.segmented, files)


def _snapshot(revision: Revision, data: Any, source: SourceMap,
              segmented: SegmentedText | None) -> Snapshot:
    if data is None:
        data = {}
    if not isinstance(data, Mapping):
        raise CharterError.at("models.yaml must be a mapping with `charter: 1` at the top",
                              file=INVENTORY_FILE, line=1)
    return Snapshot(revision, data, source, True, segmented)


class _CachedParses(Mapping[str, str]):
    """digest -> JSON text of a segment's parse, looked up in the cache when first asked."""

    def __init__(self, cache: Cache) -> None:
        self._cache = cache
        self._found: dict[str, str] = {}
        self.missing: set[str] = set()
        self.segments: list[Segment] = []

    def __contains__(self, digest: object) -> bool:
        if not isinstance(digest, str) or digest in self.missing:
            return False
        if digest in self._found:
            return True
        if not self._cache.has(SEGMENT_KIND, digest):  # read only when the parse is needed
            self.missing.add(digest)
            return False
        self._found[digest] = ""
        return True

    def __getitem__(self, digest: str) -> str:
        if digest not in self:
            raise KeyError(digest)
        text = self._found[digest] or self._cache.get_text(SEGMENT_KIND, digest)
        if text is None:  # evicted since it was seen: parse the segment again (a KeyError
            text = self._parse(digest)  # here would read as "no such entity")
        self._found[digest] = text
        return text

    def _parse(self, digest: str) -> str:
        segment = next(s for s in self.segments if s.digest == digest)
        data = load_yaml_text(segment.text, INVENTORY_FILE).data[segment.name]
        return json.dumps(data, separators=(",", ":"))

    def __iter__(self) -> Iterator[str]:
        return iter(self._found)

    def __len__(self) -> int:
        return len(self._found)


def _load_lazy(revision: Revision, raw: bytes, cache: Cache) -> Snapshot | None:
    if len(raw) > MAX_FILE_BYTES:
        return None  # the whole-file loader reports the limit
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    known = _CachedParses(cache)
    try:
        loaded = load_segmented(text, INVENTORY_FILE, known)
        if loaded is None:
            return None
        data, source, segmented = loaded
        known.segments = list(segmented.segments.values())
        parse_unknown(segmented)
    except (Unsegmentable, CharterError):
        return None  # parse the file whole: it gives the authoritative result or error
    for segment in segmented.segments.values():  # each parse stored once, by its text's hash
        if segment.digest in known.missing:
            value = segment.data(INVENTORY_FILE, known)
            cache.put_text(SEGMENT_KIND, segment.digest,
                           json.dumps(value, separators=(",", ":")))
            known.missing.discard(segment.digest)
    return _snapshot(revision, data, source, segmented)


Record = tuple[str, str]  # (section, name)


def validation_problems(snapshot: Snapshot, scope: Iterable[tuple[str, str]] | None = None,
                        share: Share | None = None) -> list[Problem]:
    """Schema and integrity problems: of every entity, or only of those in `scope`.
    `share` may check the records' schemas in several processes (the gate's full check)."""
    if not snapshot.present:
        return []
    top = {key: _names_only(value) for key, value in snapshot.inventory.items()}
    problems = validate(top, snapshot.source, "models", shallow=True)
    if problems:
        return problems  # the top level is wrong: entity-level errors would only add noise
    for name, team in teams(snapshot.inventory).items():  # few and small: always checked
        problems += validate(team, snapshot.source, "models", "team", ("teams", name))
    if share is not None and scope is None and snapshot.files is not None:
        parse_shared(snapshot.files, share)
    entities = _scoped_entities(snapshot.inventory, scope)
    # A version is checked with its model, a dataset version with its dataset: each once.
    records = {(str(e.path[0]), str(e.path[1])) for e in entities if e.kind != "version"}
    if scope is not None:
        records |= holding_records(snapshot.inventory, scope)
    else:  # every record, also one that is no mapping and so holds no entity
        records |= {(section, str(name)) for section in ("models", "datasets")
                    for name in _names(snapshot.inventory.get(section))}
    problems += _schema_problems(snapshot, sorted(records), share)
    problems = _dedupe(problems)
    if problems:
        return problems
    return check_integrity(snapshot.inventory, snapshot.source, entities)


def _schema_problems(snapshot: Snapshot, records: list[Record], share: Share | None
                     ) -> list[Problem]:
    """Each record's schema problems, in the order of `records`."""
    def check(chunk: Sequence[Record]) -> list[list[Problem]]:
        return [validate(snapshot.inventory[section][name], snapshot.source, "models",
                         "dataset" if section == "datasets" else "model", (section, name))
                for section, name in chunk]

    if share is None:
        return [p for found in check(records) for p in found]
    # A well-mixed order, so that each process's contiguous share holds models and datasets
    # alike (sorted, the datasets would all come first); put back in order afterwards.
    order = sorted(range(len(records)), key=lambda i: (i * _MIX) % 2**32)
    found = share(check, [records[i] for i in order])
    by_index: list[list[Problem]] = [[] for _ in records]
    for i, problems in zip(order, found, strict=True):
        by_index[i] = problems
    return [p for problems in by_index for p in problems]


_MIX = 2654435761  # odd: i -> i * _MIX mod 2**32 permutes the indices


def _names_only(value: Any) -> Any:
    """A lazily loaded section as its names (the names of entity files were checked by the
    layout already, as the file was listed)."""
    if isinstance(value, MergedSection):
        value = value.inline
    return dict.fromkeys(value) if isinstance(value, LazySection) else value


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
    return sorted(out, key=lambda p: (p.file != INVENTORY_FILE, p.file, p.line, p.column))
