"""The entities of an inventory (models, their versions, dataset versions) and their references."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from charter.source.yamlsource import KeyPath

ENTITY_KINDS = ("model", "version", "dataset")


@dataclass(frozen=True)
class Entity:
    kind: str  # model | version | dataset
    id: str  # credit-default, credit-default@2.1.0, credit-holdout@2024-06
    path: KeyPath  # where the record sits in models.yaml
    record: Mapping[str, Any]
    parent: str | None = None  # the model or dataset the record belongs to

    @property
    def key(self) -> tuple[str, str]:
        return (self.kind, self.id)


def split_ref(ref: str) -> tuple[str, str]:
    name, _, version = ref.partition("@")
    return name, version


def _mapping(value: Any) -> Mapping[str, Any]:
    if type(value) is dict:  # the usual case, without the abstract class's slower check
        return value
    return value if isinstance(value, Mapping) else {}


def models(inventory: Mapping[str, Any]) -> Mapping[str, Any]:
    return _mapping(inventory.get("models"))


def datasets(inventory: Mapping[str, Any]) -> Mapping[str, Any]:
    return _mapping(inventory.get("datasets"))


def teams(inventory: Mapping[str, Any]) -> Mapping[str, Any]:
    return _mapping(inventory.get("teams"))


def versions_of(model: Mapping[str, Any]) -> Mapping[str, Any]:
    return _mapping(model.get("versions"))


def iter_entities(inventory: Mapping[str, Any], only_models: Iterable[str] | None = None,
                  only_datasets: Iterable[str] | None = None) -> Iterator[Entity]:
    """Every entity, or those of the named models and datasets."""
    model_map, dataset_map = models(inventory), datasets(inventory)
    model_names = model_map if only_models is None else [
        n for n in only_models if n in model_map]
    dataset_names = dataset_map if only_datasets is None else [
        n for n in only_datasets if n in dataset_map]
    for name in model_names:
        model = _mapping(model_map[name])
        yield Entity("model", name, ("models", name), model)
        for version, record in versions_of(model).items():
            path = ("models", name, "versions", version)
            yield Entity("version", f"{name}@{version}", path, _mapping(record), name)
    for name in dataset_names:
        for version, record in _mapping(_mapping(dataset_map[name]).get("versions")).items():
            path = ("datasets", name, "versions", version)
            yield Entity("dataset", f"{name}@{version}", path, _mapping(record), name)


def entity_index(inventory: Mapping[str, Any]) -> dict[tuple[str, str], Entity]:
    return {entity.key: entity for entity in iter_entities(inventory)}


def find_entity(inventory: Mapping[str, Any], kind: str, entity_id: str) -> Entity | None:
    name, version = split_ref(entity_id)
    if kind == "model":
        model = models(inventory).get(entity_id)
        return Entity(kind, entity_id, ("models", entity_id), model) if model is not None else None
    parent = (models if kind == "version" else datasets)(inventory).get(name)
    if parent is None:
        return None
    record = _mapping(_mapping(parent).get("versions")).get(version)
    if record is None:
        return None
    section = "models" if kind == "version" else "datasets"
    return Entity(kind, entity_id, (section, name, "versions", version), _mapping(record), name)


def dataset_record(inventory: Mapping[str, Any], ref: str) -> dict[str, Any] | None:
    """A dataset version with its dataset's fields (version fields win)."""
    name, version = split_ref(ref)
    dataset = _mapping(datasets(inventory).get(name))
    record = _mapping(dataset.get("versions")).get(version)
    if record is None:
        return None
    shared = {k: v for k, v in dataset.items() if k != "versions"}
    return {**shared, **_mapping(record), "id": ref, "name": name, "version": version}


def dataset_refs(version: Mapping[str, Any]) -> list[tuple[str, KeyPath]]:
    """Every dataset a model version names, with the key path that names it."""
    refs: list[tuple[str, KeyPath]] = []
    for i, ref in enumerate(version.get("training_data") or []):
        refs.append((ref, ("training_data", i)))
    evaluation = _mapping(version.get("evaluation"))
    if isinstance(evaluation.get("dataset"), str):
        refs.append((evaluation["dataset"], ("evaluation", "dataset")))
    monitoring = _mapping(version.get("monitoring"))
    for key in ("reference", "current"):
        if isinstance(monitoring.get(key), str):
            refs.append((monitoring[key], ("monitoring", key)))
    return refs


def production_version(model: Mapping[str, Any]) -> tuple[str, Mapping[str, Any]] | None:
    """The champion: the version in production (the newest deployment wins if several)."""
    live = [
        (str(_latest_since(record)), version, record)
        for version, record in versions_of(model).items()
        if _mapping(record).get("stage") == "production"
    ]
    if not live:
        return None
    _, version, record = max(live, key=lambda item: (item[0], item[1]))
    return version, _mapping(record)


def _latest_since(record: Any) -> str:
    deployments = _mapping(record).get("deployments") or []
    dates = [str(d.get("since", "")) for d in deployments if isinstance(d, Mapping)]
    return max(dates, default="")


SECTION_OF = {"model": "models", "version": "models", "dataset": "datasets"}


def holding_records(inventory: Mapping[str, Any],
                    keys: Iterable[tuple[str, str]]) -> set[tuple[str, str]]:
    """(section, name) of the model or dataset record that holds each entity key.

    Found from the key, not from the entity: a version written as `null` or `5` is no
    entity, but the record that holds it still has to be validated.
    """
    out = set()
    for kind, entity_id in keys:
        section = SECTION_OF.get(kind)
        name = entity_id if kind == "model" else split_ref(entity_id)[0]
        if section and name in _mapping(inventory.get(section)):
            out.add((section, name))
    return out
