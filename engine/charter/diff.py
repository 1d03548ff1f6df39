"""Compare two inventories entity by entity."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from charter.inventory import Entity, dataset_refs, iter_entities, models
from charter.segments import LazySection

EntityKey = tuple[str, str]


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
    settings_changed: bool = False

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


def _own_fields(entity: Entity) -> Mapping[str, Any]:
    """A model's own record, without its versions (they are entities of their own)."""
    if entity.kind == "model":
        return {k: v for k, v in entity.record.items() if k != "versions"}
    return entity.record


def diff_paths(old: Any, new: Any, prefix: str = "") -> Iterator[str]:
    if isinstance(old, Mapping) and isinstance(new, Mapping):
        for key in sorted(set(old) | set(new), key=str):
            if old.get(key) != new.get(key):
                yield from diff_paths(old.get(key), new.get(key), f"{prefix}{key}.")
        return
    if old != new:
        yield prefix.rstrip(".")


def _changed_names(old: Any, new: Any) -> list[str] | None:
    """Names whose text differs, when both sides were loaded lazily; None: compare all."""
    if isinstance(old, LazySection) and isinstance(new, LazySection):
        before, after = old.lazy_digests, new.lazy_digests
        return sorted(n for n in set(before) | set(after) if before.get(n) != after.get(n))
    if old is None and isinstance(new, LazySection):
        return list(new)
    return None


def diff_inventories(base: Mapping[str, Any], head: Mapping[str, Any], *, initial: bool = False,
                     policies_changed: bool = False) -> Change:
    changes: dict[EntityKey, EntityChange] = {}
    model_names = _changed_names(base.get("models"), head.get("models"))
    dataset_names = _changed_names(base.get("datasets"), head.get("datasets"))
    unchanged = (model_names == [] and dataset_names == []) or (
        model_names is None and dataset_names is None
        and base.get("models") == head.get("models")
        and base.get("datasets") == head.get("datasets"))
    if not unchanged:
        old = {e.key: e for e in iter_entities(base, model_names, dataset_names)}
        new = {e.key: e for e in iter_entities(head, model_names, dataset_names)}
        for key, entity in new.items():
            before = old.get(key)
            if before is None:
                changes[key] = EntityChange(*key, "added")
            elif (a := _own_fields(before)) != (b := _own_fields(entity)):
                changes[key] = EntityChange(*key, "modified", tuple(diff_paths(a, b)))
        for key in old.keys() - new.keys():
            changes[key] = EntityChange(*key, "removed")
    return Change(changes, initial, policies_changed,
                  base.get("settings") != head.get("settings"))


def _models_naming(head: Mapping[str, Any], changed_models: set[str],
                   changed_datasets: set[str], everything: bool) -> list[str] | None:
    """Models that may read what changed: a cheap text search when loaded lazily."""
    section = models(head)
    if everything or not isinstance(section, LazySection):
        return None
    names = {n.split("@", 1)[0] for n in changed_datasets}
    return sorted(changed_models | {m for m in section if any(
        name in section.text(m) for name in names)})


def affected_entities(head: Mapping[str, Any], change: Change,
                      teams_changed: bool = False) -> set[EntityKey]:
    """Changed entities plus those whose rules read what changed.

    A model's versions read the model's record; versions read the datasets they name.
    """
    keys = set(change.entities)
    changed_models = {i for (k, i) in keys if k == "model"}
    changed_datasets = {i for (k, i) in keys if k == "dataset"}
    if not (changed_models or changed_datasets or teams_changed):
        return keys
    for entity in iter_entities(head, _models_naming(head, changed_models, changed_datasets,
                                                     teams_changed)):
        if entity.kind != "version":
            continue
        if teams_changed or entity.parent in changed_models or any(
                ref in changed_datasets for ref, _ in dataset_refs(entity.record)):
            keys.add(entity.key)
    return keys
