"""Compare two inventories entity by entity."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from charter.inventory.entities import (
    Entity,
    dataset_record,
    dataset_refs,
    datasets,
    iter_entities,
    models,
    split_ref,
)
from charter.inventory.entityfiles import MergedSection
from charter.source.segments import LazySection

EntityKey = tuple[str, str]
EntityScope = set[EntityKey] | None  # None: every entity
ENTITY_SECTIONS = ("models", "datasets")


@dataclass(frozen=True)
class EntityChange:
    kind: str
    id: str
    status: str  # added | removed | modified
    paths: tuple[str, ...] = ()  # dotted key paths that differ, inside the entity

    def as_context(self) -> dict[str, Any]:
        return {"status": self.status, "paths": list(self.paths),
                "fields": sorted({p.split(".", 1)[0] for p in self.paths})}


@dataclass(frozen=True)
class Change:
    entities: Mapping[EntityKey, EntityChange] = field(default_factory=dict)
    initial: bool = False  # the base had no inventory: everything is being onboarded
    policies_changed: bool = False
    # Parts of the inventory whose change no entity accounts for (teams, settings, unknown
    # top-level keys, a record that lost its versions): the scope widens to everything.
    unattributed: tuple[str, ...] = ()
    # What an added entity continues from the base: an added dataset version holding the
    # same bytes as a base dataset version, an added version shipping the artifact of a
    # version the change removes, and an added model whose versions do. A rename or a copy
    # must not shed the classification of what it was (see policy.classification).
    twins: Mapping[EntityKey, tuple[str, ...]] = field(default_factory=dict)

    def status(self, key: EntityKey) -> str:
        change = self.entities.get(key)
        return change.status if change else "unchanged"

    def summary(self) -> dict[str, Any]:
        out: dict[str, Any] = {"initial": self.initial, "policies_changed": self.policies_changed}
        for kind in ("model", "version", "dataset"):
            for status in ("added", "removed", "modified"):
                out.setdefault(f"{kind}s", {})[status] = sorted(
                    c.id for c in self.entities.values() if c.kind == kind and c.status == status)
        return out


def _own_fields(inventory: Mapping[str, Any], entity: Entity) -> Mapping[str, Any]:
    """What an entity's rules read of its record.

    A model without its versions (they are entities of their own); a dataset version with
    its dataset's shared fields, which it inherits (`owner`, `contains_pii`, ...): an edit
    of the dataset's record is an edit of each of its versions.
    """
    if entity.kind == "model":
        return {k: v for k, v in entity.record.items() if k != "versions"}
    if entity.kind == "dataset":
        dataset = datasets(inventory).get(entity.parent or "")
        shared = {k: v for k, v in dataset.items() if k != "versions"} if isinstance(
            dataset, Mapping) else {}
        return {**shared, **entity.record}
    return entity.record


def diff_paths(old: Any, new: Any, prefix: str = "") -> Iterator[str]:
    if isinstance(old, Mapping) and isinstance(new, Mapping):
        for key in sorted(set(old) | set(new), key=str):
            if old.get(key) != new.get(key):
                yield from diff_paths(old.get(key), new.get(key), f"{prefix}{key}.")
        return
    if old != new:
        yield prefix.rstrip(".")


def _digests(section: Any) -> dict[str, str | None] | None:
    """name -> a hash of the text that defines it (None: unknown); None: not a mapping."""
    if isinstance(section, MergedSection):
        return section.digests()
    if isinstance(section, LazySection):
        return {name: f"segment:{digest}" for name, digest in section.lazy_digests.items()}
    if section is None or (isinstance(section, Mapping) and not section):
        return {}
    return None  # parsed whole: compare the records


def _changed_names(old: Any, new: Any) -> list[str] | None:
    """Names whose records may differ: their text differs, or is not known (parsed whole),
    or they are on one side only; None: compare everything.

    A record that moved between models.yaml and its own file has a new text: it is compared,
    and counts as changed only if the record differs."""
    if isinstance(old, MergedSection) and isinstance(new, MergedSection):
        keys = new.files.changed_since(old.files)
        inline = _changed_names(old.inline, new.inline)
        if keys is not None and inline is not None:  # git said which files changed
            names = {name for section, name in keys if section == new.section}
            return sorted(names | set(inline))
    before, after = _digests(old), _digests(new)
    if before is None or after is None:
        return None
    return sorted(n for n in {*before, *after}
                  if before.get(n) is None or before.get(n) != after.get(n))


def diff_inventories(base: Mapping[str, Any], head: Mapping[str, Any], *, initial: bool = False,
                     policies_changed: bool = False) -> Change:
    changes: dict[EntityKey, EntityChange] = {}
    model_names = _changed_names(base.get("models"), head.get("models"))
    dataset_names = _changed_names(base.get("datasets"), head.get("datasets"))
    unchanged = (model_names == [] and dataset_names == []) or (
        model_names is None and dataset_names is None
        and base.get("models") == head.get("models")
        and base.get("datasets") == head.get("datasets"))
    unattributed = [key for key in sorted(set(base) | set(head), key=str)
                    if key not in ENTITY_SECTIONS and base.get(key) != head.get(key)]
    if not unchanged:
        old = {e.key: e for e in iter_entities(base, model_names, dataset_names)}
        new = {e.key: e for e in iter_entities(head, model_names, dataset_names)}
        for key, entity in new.items():
            before = old.get(key)
            if before is None:
                changes[key] = EntityChange(*key, "added")
            elif (a := _own_fields(base, before)) != (b := _own_fields(head, entity)):
                changes[key] = EntityChange(*key, "modified", tuple(diff_paths(a, b)))
        for key in old.keys() - new.keys():
            changes[key] = EntityChange(*key, "removed")
        unattributed += _unaccounted(base, head, changes, model_names, dataset_names)
    return Change(changes, initial, policies_changed, tuple(unattributed),
                  find_twins(base, head, changes))


def find_twins(base: Mapping[str, Any], head: Mapping[str, Any],
               changes: Mapping[EntityKey, EntityChange]) -> dict[EntityKey, tuple[str, ...]]:
    """Base entities each added entity continues, by content: a dataset version with the
    sha256 of any base dataset version (or, where a hash is missing, the path or URI of one the
    change removes); a version with the artifact of a version the change removes; a model
    with versions that do."""
    added = {key for key, c in changes.items() if c.status == "added"}
    if not any(kind in ("dataset", "version") for kind, _ in added):
        return {}
    removed = {key for key, c in changes.items() if c.status == "removed"}
    twins: dict[EntityKey, tuple[str, ...]] = {}
    new_data = sorted(i for k, i in added if k == "dataset")
    if new_data:
        # the base versions that can match: those with one of the new hashes (found by a text
        # search of each dataset's text first), and those the change removes (by place)
        hashes = {h for i in new_data
                  if isinstance(h := _dataset_fields(head, i).get("sha256"), str)}
        candidates = set(datasets_holding(base, hashes)) | {
            i for k, i in removed if k == "dataset"}
        for entity_id in new_data:
            found = _same_content(_dataset_fields(head, entity_id), [
                (c, _dataset_fields(base, c), ("dataset", c) in removed)
                for c in sorted(candidates)])
            if found:
                twins[("dataset", entity_id)] = found
    gone = [(i, _artifact(base, i), True) for k, i in removed if k == "version"]
    models_of: dict[str, set[str]] = {}
    for kind, entity_id in sorted(added):
        if kind != "version" or not gone:
            continue
        found = _same_content(_artifact(head, entity_id), gone)
        if found:
            twins[("version", entity_id)] = found
            model = split_ref(entity_id)[0]
            if ("model", model) in added:
                models_of.setdefault(model, set()).update(split_ref(t)[0] for t in found)
    for model, sources in models_of.items():
        twins[("model", model)] = tuple(sorted(sources))
    return twins


def _dataset_fields(inventory: Mapping[str, Any], ref: str) -> Mapping[str, Any]:
    name, version = split_ref(ref)
    dataset = datasets(inventory).get(name)
    versions = dataset.get("versions") if isinstance(dataset, Mapping) else None
    record = versions.get(version) if isinstance(versions, Mapping) else None
    return record if isinstance(record, Mapping) else {}


def _artifact(inventory: Mapping[str, Any], version_id: str) -> Mapping[str, Any]:
    name, version = split_ref(version_id)
    model = models(inventory).get(name)
    versions = model.get("versions") if isinstance(model, Mapping) else None
    record = versions.get(version) if isinstance(versions, Mapping) else None
    artifact = record.get("artifact") if isinstance(record, Mapping) else None
    return artifact if isinstance(artifact, Mapping) else {}


def _same_content(new: Mapping[str, Any],
                  candidates: Iterable[tuple[str, Mapping[str, Any], bool]]
                  ) -> tuple[str, ...]:
    """The ids of the candidates (id, record, removed by the change) that hold the bytes
    `new` holds: the same sha256, or, where either lacks one, the same path or URI of a
    candidate the change removes (a path alone can be rewritten over time)."""
    sha256 = new.get("sha256")
    places = {(key, new[key]) for key in ("path", "uri") if isinstance(new.get(key), str)}
    found = []
    for entity_id, old, removed in candidates:
        other = old.get("sha256")
        if isinstance(sha256, str) and isinstance(other, str):
            if sha256 == other:
                found.append(entity_id)
        elif removed and any(old.get(key) == value for key, value in places):
            found.append(entity_id)
    return tuple(found)


def _unaccounted(base: Mapping[str, Any], head: Mapping[str, Any],
                 changes: Mapping[EntityKey, EntityChange], model_names: list[str] | None,
                 dataset_names: list[str] | None) -> list[str]:
    """Models and datasets whose text changed although none of their entities did.

    A record that is not a mapping, or whose `versions` is not one, has no entities to
    carry its change; so does a dataset that lost its last version.
    """
    owners = {("dataset" if kind == "dataset" else "model", split_ref(entity_id)[0])
              for kind, entity_id in changes}
    out = []
    for section, kind, names in (("models", "model", model_names),
                                 ("datasets", "dataset", dataset_names)):
        old, new = base.get(section), head.get(section)
        if not isinstance(old, Mapping | None) or not isinstance(new, Mapping | None):
            out.append(section)
            continue
        old, new = old or {}, new or {}
        candidates = set(old) | set(new) if names is None else set(names)
        for name in sorted(candidates):
            if (kind, name) not in owners and (
                    (name in old) != (name in new) or old.get(name) != new.get(name)):
                out.append(f"{section}.{name}")
    return out


def models_naming(inventory: Mapping[str, Any], dataset_ids: Iterable[str]) -> list[str] | None:
    """Models that may name one of the datasets: a cheap text search when loaded lazily,
    None (every model) otherwise.

    A reference could be spelt with YAML escapes (`"credit\\x2dholdout@..."`) that a text
    search cannot see: a model whose text holds a backslash is always included.
    """
    section = models(inventory)
    if not isinstance(section, LazySection | MergedSection):
        return None
    names = {n.split("@", 1)[0] for n in dataset_ids}
    if not names:
        return []
    if isinstance(section, MergedSection):
        section.prefetch()
    needles = (*names, "\\")
    return [m for m in section if (text := section.text(m)) is None
            or any(name in text for name in needles)]


def _models_naming(head: Mapping[str, Any], changed_models: set[str],
                   changed_datasets: set[str]) -> list[str] | None:
    if not changed_datasets:  # no dataset changed: no other model reads a change
        return sorted(changed_models)
    naming = models_naming(head, changed_datasets)
    return None if naming is None else sorted(changed_models | set(naming))


def affected_entities(head: Mapping[str, Any], change: Change,
                      base: Mapping[str, Any] | None = None) -> EntityScope:
    """The entities whose rules may judge differently after `change`; None: every entity.

    The changed entities; a model and all its versions when the model or any of its
    versions changed (a version's rules see its model with every version, a model's rules
    see its versions); the versions that name a changed dataset version; the dataset versions
    that hold the same bytes as a changed one (on the head, as `base` had it or both). A
    change that no entity accounts for (teams, settings, anything else) widens the scope to
    everything.
    """
    return _reading(head, change, with_siblings=True, base=base)


def measured_entities(head: Mapping[str, Any], change: Change) -> EntityScope:
    """The entities whose evidence may differ from the base's; None: every entity.

    Evidence of a version is a function of its record, its model's record, the datasets it
    names, the settings and the files: a sibling that merely shares a model is measured the
    same as before (files changed behind models.yaml's back are found by the evidence).
    """
    return _reading(head, change, with_siblings=False)


def datasets_holding(inventory: Mapping[str, Any], hashes: set[str]) -> list[str]:
    """Dataset versions whose sha256 is one of `hashes` (a cheap text search first when the
    datasets load lazily; a dataset whose text holds a backslash is always read, since YAML
    escapes could spell a hash)."""
    if not hashes:
        return []
    section = datasets(inventory)
    names: Iterable[str] = section
    if isinstance(section, LazySection | MergedSection):
        if isinstance(section, MergedSection):
            section.prefetch()
        needles = (*hashes, "\\")
        names = [n for n in section if (text := section.text(n)) is None
                 or any(needle in text for needle in needles)]
    return [e.id for e in iter_entities(inventory, only_models=(), only_datasets=names)
            if e.record.get("sha256") in hashes]


def _same_bytes(head: Mapping[str, Any], change: Change,
                base: Mapping[str, Any] | None) -> set[EntityKey]:
    """Dataset versions on the head that hold the bytes of a dataset version the change
    touched (before or after): their rules read what else holds the same data (LC-033)."""
    hashes = set()
    for kind, entity_id in change.entities:
        if kind != "dataset":
            continue
        for inventory in (head, base or {}):
            found = dataset_record(inventory, entity_id)
            if found is not None and isinstance(found.get("sha256"), str):
                hashes.add(found["sha256"])
    return {("dataset", ref) for ref in datasets_holding(head, hashes)}


def _reading(head: Mapping[str, Any], change: Change, with_siblings: bool,
             base: Mapping[str, Any] | None = None) -> EntityScope:
    if change.unattributed:
        return None
    keys = set(change.entities)
    if with_siblings:
        keys |= _same_bytes(head, change, base)
    changed_models = {i for (k, i) in keys if k == "model"}
    if with_siblings:
        changed_models |= {split_ref(i)[0] for (k, i) in keys if k == "version"}
    changed_datasets = {i for (k, i) in keys if k == "dataset"}
    if not (changed_models or changed_datasets):
        return keys
    naming = _models_naming(head, changed_models, changed_datasets)
    for entity in iter_entities(head, naming, only_datasets=()):
        if entity.kind == "model":
            reads_change = with_siblings and entity.id in changed_models
        else:
            reads_change = entity.kind == "version" and (entity.parent in changed_models or any(
                ref in changed_datasets for ref, _ in dataset_refs(entity.record)))
        if reads_change:
            keys.add(entity.key)
    return keys
