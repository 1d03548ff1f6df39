"""The data a rule sees for one entity: its fields, its model, `base`, `champion`, `change`,
`evidence`, the datasets it names (`training_datasets`, `evaluation_dataset`,
`monitoring_datasets.reference`/`.current`), the evaluation date, and what the monitoring
ledger recorded (`monitoring.latest`/`.runs` of a version, `kpi.latest`/`.observations` of a
model, `ledger.problems`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from charter.errors import CharterError
from charter.inventory.diff import Change, models_naming
from charter.inventory.entities import (
    Entity,
    dataset_record,
    dataset_refs,
    datasets,
    find_entity,
    iter_entities,
    models,
    production_version,
    split_ref,
    teams,
    versions_of,
)
from charter.inventory.independence import Independence
from charter.inventory.integrity import validators
from charter.inventory.membership import TeamFacts, current_members, validating_members
from charter.policy.classification import strict_records


class Ledger(Protocol):
    """The monitoring ledger at the revision judged (the gate reads it; rules see it)."""

    def version(self, version_id: str) -> Mapping[str, Any]: ...  # runs, problems, unverified

    def model(self, model_id: str) -> Mapping[str, Any]: ...  # observations, problems

    def change(self) -> Mapping[str, Any]: ...  # problems


@dataclass(frozen=True)
class StaticLedger:
    """A ledger given as data: {versions: {id: {...}}, models: {id: {...}}, change: {...}}."""

    data: Mapping[str, Any]

    def version(self, version_id: str) -> Mapping[str, Any]:
        return (self.data.get("versions") or {}).get(version_id) or {}

    def model(self, model_id: str) -> Mapping[str, Any]:
        return (self.data.get("models") or {}).get(model_id) or {}

    def change(self) -> Mapping[str, Any]:
        return self.data.get("change") or {}


EMPTY_LEDGER = StaticLedger({})
LEDGER_KEYS = ("latest", "runs")
KPI_KEYS = ("latest", "observations", "streak")


@dataclass
class ContextBuilder:
    head: Mapping[str, Any]
    base: Mapping[str, Any] | None
    change: Change
    today: dt.date
    evidence: Mapping[str, Any] = field(default_factory=dict)
    ledger: Ledger = EMPTY_LEDGER
    _validators: list[str] | None = None
    _strict: dict[tuple[str, str], list[dict[str, Any]]] = field(default_factory=dict)
    _readers: dict[str, set[str]] | None = None  # dataset version -> released base versions
    _read_names: set[str] = field(default_factory=set)
    _base_validators_on: dict[str, list[str]] = field(default_factory=dict)
    independence: Independence | None = None
    judges_all: bool = False  # every entity is judged: read the base's readers in one pass
    facts: TeamFacts | None = None  # what the teams say, shared with other revisions' builders
    # Shared by the contexts of many entities (nothing changes a context once built).
    _head_datasets: dict[str, dict[str, Any] | None] = field(default_factory=dict)
    _teams: dict[str, dict[str, Any] | None] = field(default_factory=dict)
    _model_views: dict[str, dict[str, Any]] = field(default_factory=dict)
    _owners: dict[tuple[tuple[str, ...], str], list[str]] = field(default_factory=dict)
    _champions: dict[str, tuple[str, Any] | None] = field(default_factory=dict)
    _owning: dict[str, tuple[str, ...]] = field(default_factory=dict)  # model -> its teams
    _contents: dict[str, dict[str, dict[str, Any]]] | None = None  # see _by_content

    def for_entity(self, entity: Entity, removed: bool = False) -> dict[str, Any]:
        base_entity = find_entity(self.base, entity.kind, entity.id) if self.base else None
        record = dict(base_entity.record if removed and base_entity else entity.record)
        builder = {"model": self._model, "version": self._version, "dataset": self._dataset}
        context = builder[entity.kind](entity, record)
        context.update(
            kind=entity.kind,
            id=entity.id,
            base=self._base_view(entity.kind, base_entity),
            change=self._change(entity),
            today=self.today.isoformat(),
            validators=self._validator_list(),
        )
        return context

    def variants(self, entity: Entity, context: Mapping[str, Any]) -> list[dict[str, Any]]:
        """`context` again with risk classifications at the stricter of base and head.

        Empty when the change lowers or moves no classification this entity's rules see.
        A rule applies when its selectors hold in the context or any variant.
        """
        if self.base is None or self.change.initial:
            return []
        if entity.kind == "model":
            views = self._strict_views("model", entity.id)
            return [{**context, **view} for view in views]
        if entity.kind == "dataset":
            views = self._strict_views("dataset", entity.id)
            return [{**context, **view} for view in views]
        return self._version_variants(entity, context)

    def _version_variants(self, entity: Entity, context: Mapping[str, Any]
                          ) -> list[dict[str, Any]]:
        model_views = self._strict_views("model", entity.parent or "", entity.id)
        dataset_views: dict[str, list[dict[str, Any]]] = {}
        for key in DATASET_VIEWS:
            for record in _dataset_records(context.get(key)):
                if isinstance(record.get("id"), str):
                    found = self._strict_views("dataset", record["id"])
                    if found:
                        dataset_views[record["id"]] = found
        widest = max([len(model_views), *map(len, dataset_views.values())], default=0)
        out = []
        for i in range(widest):
            variant = dict(context)
            if model_views:
                model = model_views[min(i, len(model_views) - 1)]
                variant["model"] = {**context["model"], **model}
            for key in DATASET_VIEWS:
                variant[key] = _replace_datasets(context.get(key), dataset_views, i)
            out.append(variant)
        return out

    def _strict_views(self, kind: str, entity_id: str, version: str | None = None
                      ) -> list[dict[str, Any]]:
        """The record of a model or dataset version with classifications made strict; only
        records the change modified, or new ones that continue a base record, can differ
        from the base (`version`: the model as one of its versions sees it)."""
        key = (kind, entity_id if version is None else f"{entity_id} {version}")
        if key not in self._strict:
            self._strict[key] = [] if self.base is None else strict_records(
                self.base, self.head, self.change, kind, entity_id, version)
        return self._strict[key]

    def for_change(self) -> dict[str, Any]:
        return {"kind": "change", "id": "change", "change": self.change.summary(),
                "today": self.today.isoformat(), "validators": self._validator_list(),
                "ledger": {"problems": list(self.ledger.change().get("problems") or [])}}

    def _change(self, entity: Entity) -> dict[str, Any]:
        found = self.change.entities.get(entity.key)
        context: dict[str, Any] = found.as_context() if found else {
            "status": "unchanged", "paths": [], "fields": []}
        context["initial"] = self.change.initial
        return context

    def _validator_list(self) -> list[str]:
        if self._validators is None:
            self._validators = sorted(validators(self.head, self.today)) if (
                self.facts is None) else sorted(self.facts.validating(
                    self.head, self.today.isoformat()))
        return self._validators

    def _team(self, name: Any) -> dict[str, Any] | None:
        if not isinstance(name, str):
            return None
        if name not in self._teams:
            team = teams(self.head).get(name)
            self._teams[name] = {"id": name, **team, "members": current_members(
                team, self.today) if self.facts is None else self.facts.current(
                team, self.today)} if isinstance(team, Mapping) else None
        return self._teams[name]

    def _head_dataset(self, ref: str) -> dict[str, Any] | None:
        if ref not in self._head_datasets:
            self._head_datasets[ref] = dataset_record(self.head, ref)
        return self._head_datasets[ref]

    def _model_view(self, name: str) -> dict[str, Any]:
        if name not in self._model_views:
            model = models(self.head).get(name) or (
                models(self.base).get(name) if self.base else None) or {}
            self._model_views[name] = {**model, "id": name,
                                       "owner_team": self._team(model.get("owner"))}
        return self._model_views[name]

    def _independence(self, entity: Entity, record: Mapping[str, Any]) -> dict[str, Any]:
        """`author`, `owners_at_validation`: the owning team on the validation date, and
        `owners_today`: on the day of the check (a validation's date is written by whoever
        records it; the day it is recorded is not)."""
        facts = self.independence or Independence(
            tuple(i for i in (self.base, self.head) if i is not None))
        validation = record.get("validation")
        date = validation.get("date") if isinstance(validation, Mapping) else None
        day = str(date) if date is not None else self.today.isoformat()
        return {"author": facts.author(entity.id), "authors": facts.authors(entity.id),
                "owners_at_validation": self._owners_on(facts, entity.id, day),
                "owners_today": self._owners_on(facts, entity.id, self.today.isoformat()),
                "validators_on_base": self._base_validators(day)}

    def _owners_on(self, facts: Independence, version_id: str, day: str) -> list[str]:
        """Members of the teams owning the version's model on `day` (many versions share
        the owners and the day: each pair is read once)."""
        model = split_ref(version_id)[0]
        owning = self._owning.get(model)
        if owning is None:
            owning = self._owning[model] = tuple(sorted(facts.owning_teams("model", model)))
        key = (owning, day)
        if key not in self._owners:
            owners = facts.owners_on("version", version_id, day)
            self._owners[key] = sorted(set().union(*owners.values()))
        return self._owners[key]

    def _base_validators(self, day: str) -> list[str] | None:
        """Validators on the base on `day`: a pull request cannot add its own validator."""
        if self.base is None or self.change.initial:
            return None
        if day not in self._base_validators_on:
            self._base_validators_on[day] = sorted(validating_members(self.base, day) if (
                self.facts is None) else self.facts.validating(self.base, day))
        return self._base_validators_on[day]

    def _model(self, entity: Entity, record: dict[str, Any]) -> dict[str, Any]:
        live = production_version(record)
        found = self.ledger.model(entity.id)
        return {
            **record,
            "model_id": entity.id,
            "owner_team": self._team(record.get("owner")),
            "production": {"version": live[0], **live[1]} if live else None,
            "kpi": _with_observations(entity.id, record.get("kpi"),
                                      list(found.get("observations") or [])),
            "ledger": {"problems": list(found.get("problems") or [])},
        }

    def _version(self, entity: Entity, record: dict[str, Any]) -> dict[str, Any]:
        name, version = split_ref(entity.id)
        training = [self._head_dataset(r) for r in record.get("training_data") or []
                    if isinstance(r, str)]
        evaluation = record.get("evaluation") or {}
        eval_ref = evaluation.get("dataset") if isinstance(evaluation, Mapping) else None
        found = self.ledger.version(entity.id)
        return {
            **record,
            "monitoring": _with_runs(entity.id, record.get("monitoring"),
                                     list(found.get("runs") or [])),
            "ledger": {"problems": list(found.get("problems") or []),
                       "unverified": list(found.get("unverified") or [])},
            "model_id": name,
            "version": version,
            "model": self._model_view(name),
            "champion": self._champion(name, entity.id),
            "evidence": self.evidence.get(entity.id),
            "training_datasets": [t for t in training if t is not None],
            "evaluation_dataset": self._head_dataset(eval_ref) if isinstance(
                eval_ref, str) else None,
            **self._independence(entity, record),
            "monitoring_datasets": self._monitoring_datasets(entity.id, record),
        }

    def _monitoring_datasets(self, version_id: str, record: Mapping[str, Any]
                             ) -> dict[str, Any]:
        """`reference` and `current` of `monitoring`, resolved to dataset records (or null)."""
        monitoring = record.get("monitoring")
        refs = monitoring if isinstance(monitoring, Mapping) else {}
        out: dict[str, Any] = {role: self._head_dataset(refs[role]) if isinstance(
            refs.get(role), str) else None for role in ("reference", "current")}
        out["repeats"] = self._repeats(version_id, record, out["current"])
        return out

    def _repeats(self, version_id: str, record: Mapping[str, Any],
                 current: Mapping[str, Any] | None) -> list[str]:
        """Dataset versions this version names, on the head or the base, that hold the same
        bytes as its `monitoring.current` under another name: a renamed copy of data that
        was already there is not new monitoring data."""
        sha256 = current.get("sha256") if current else None
        if current is None or not isinstance(sha256, str):
            return []
        named = [ref for ref, _ in dataset_refs(record)]
        before = find_entity(self.base, "version", version_id) if self.base else None
        if before is not None:
            named += [ref for ref, _ in dataset_refs(before.record)]
        same = set()
        for ref in dict.fromkeys(named):
            if not isinstance(ref, str) or ref == current.get("id"):
                continue
            other = self._head_dataset(ref) or (
                dataset_record(self.base, ref) if self.base else None)
            if other is not None and other.get("sha256") == sha256:
                same.add(ref)
        return sorted(same)

    def _champion(self, model_name: str, entity_id: str) -> dict[str, Any] | None:
        if not self.base:
            return None
        if model_name not in self._champions:
            self._champions[model_name] = production_version(
                models(self.base).get(model_name) or {})
        live = self._champions[model_name]
        if live is None:
            return None
        version, record = live
        own = self.evidence.get(entity_id) or {}
        return {**record, "id": f"{model_name}@{version}", "version": version,
                "evidence": own.get("champion") if isinstance(own, Mapping) else None}

    def _dataset(self, entity: Entity, record: dict[str, Any]) -> dict[str, Any]:
        merged = dataset_record(self.head, entity.id) or (
            dataset_record(self.base, entity.id) if self.base else None) or {}
        name, version = split_ref(entity.id)
        return {**merged, **record, "name": name, "version": version,
                "evidence": self.evidence.get(entity.id),
                "released_by": self._released_by(entity.id),
                "same_content": self._same_content(entity.id, merged.get("sha256"))}

    def _same_content(self, dataset_id: str, sha256: Any) -> list[dict[str, Any]]:
        """The other dataset versions, of this dataset or any other, on the head or the
        base, that hold the same bytes: data re-registered under a new version or a new
        dataset name and a fresh date is still old data."""
        if not isinstance(sha256, str):
            return []
        found = self._by_content().get(sha256, {})
        return [found[ref] for ref in sorted(found) if ref != dataset_id]

    def _by_content(self) -> dict[str, dict[str, dict[str, Any]]]:
        """sha256 -> dataset version -> {id, created}, over the head and then the base (a
        version's head record wins). Built once, on the first dataset judged."""
        if self._contents is None:
            self._contents = {}
            for inventory in (self.head, self.base):
                for name, dataset in datasets(inventory or {}).items():
                    versions = dataset.get("versions") if isinstance(dataset, Mapping) else None
                    for version, record in versions.items() if isinstance(
                            versions, Mapping) else ():
                        sha256 = record.get("sha256") if isinstance(record, Mapping) else None
                        if not isinstance(sha256, str):
                            continue
                        ref, created = f"{name}@{version}", record.get("created")
                        self._contents.setdefault(sha256, {}).setdefault(ref, {
                            "id": ref, "created": None if created is None else str(created)})
        return self._contents

    def _released_by(self, dataset_id: str) -> list[str]:
        """Versions that read the dataset version and had been released (staging,
        production or retired) on the base: they make it a record."""
        if self.base is None:
            return []
        if self._readers is None:
            self._readers = {}
        name = split_ref(dataset_id)[0]
        if name not in self._read_names and "*" not in self._read_names:
            # a text search per dataset while few are judged; one pass over all beyond that
            naming = models_naming(self.base, [dataset_id]) if len(
                self._read_names) < TEXT_SEARCHES and not self.judges_all else None
            self._read_names.add(name if naming is not None else "*")
            for entity in iter_entities(self.base, naming, only_datasets=()):
                if entity.kind == "version" and entity.record.get("stage") in RELEASED:
                    for ref, _ in dataset_refs(entity.record):
                        self._readers.setdefault(str(ref), set()).add(entity.id)
        return sorted(self._readers.get(dataset_id, ()))

    def _base_view(self, kind: str, base_entity: Entity | None) -> dict[str, Any] | None:
        if base_entity is None:
            return None
        record = dict(base_entity.record)
        if kind == "model":
            record["versions"] = dict(versions_of(base_entity.record))
        elif kind == "dataset" and self.base is not None:
            # what the head's view holds too: the version with its dataset's shared fields
            record = {k: v for k, v in (dataset_record(self.base, base_entity.id) or {}).items()
                      if k not in ("id", "name", "version")}
        return {**record, "id": base_entity.id}


def _with_runs(version_id: str, monitoring: Any, runs: list[Any]) -> Any:
    """`monitoring` with the recorded runs, oldest first, and the latest (or null)."""
    if not isinstance(monitoring, Mapping):
        return monitoring if not runs else {"latest": runs[-1], "runs": runs}
    _refuse_collision(version_id, "monitoring", monitoring, LEDGER_KEYS)
    return {**monitoring, "latest": runs[-1] if runs else None, "runs": runs}


def _with_observations(model_id: str, kpi: Any, observations: list[Any]) -> Any:
    """The declared KPI with its observations, the latest, and `streak`: the periods of the
    run of observations on the wrong side of the target that ends with the latest."""
    if not isinstance(kpi, Mapping):
        if not observations:
            return kpi
        kpi = {}
    _refuse_collision(model_id, "kpi", kpi, KPI_KEYS)
    return {**kpi, "latest": observations[-1] if observations else None,
            "observations": observations, "streak": _streak(kpi, observations)}


def _streak(kpi: Mapping[str, Any], observations: list[Any]) -> list[str]:
    target, direction = kpi.get("target"), kpi.get("direction")
    if not isinstance(target, int | float) or direction not in (
            "higher_is_better", "lower_is_better"):
        return []
    streak: list[str] = []
    for observation in reversed(observations):
        value = observation.get("value") if isinstance(observation, Mapping) else None
        if not isinstance(value, int | float) or isinstance(value, bool) or (
                value >= target if direction == "higher_is_better" else value <= target):
            break
        streak.append(str(observation.get("period")))
    return streak[::-1]


def _refuse_collision(entity_id: str, name: str, record: Mapping[str, Any],
                      keys: tuple[str, ...]) -> None:
    """The schema keeps these keys out of models.yaml; a record that has one anyway must
    not shadow what the ledger recorded."""
    clash = sorted(k for k in keys if k in record)
    if clash:
        raise CharterError.at(f"{entity_id}: {name}.{clash[0]} is recorded by the monitoring "
                              "ledger and cannot be set in models.yaml")


RELEASED = ("staging", "production", "retired")
TEXT_SEARCHES = 8
DATASET_VIEWS = ("training_datasets", "evaluation_dataset", "monitoring_datasets")


def _dataset_records(value: Any) -> list[Mapping[str, Any]]:
    """The dataset records in a context value: one, a list, or a map of roles to records."""
    if isinstance(value, list):
        return [r for r in value if isinstance(r, Mapping)]
    if isinstance(value, Mapping):
        return [value] if "id" in value else [r for r in value.values()
                                               if isinstance(r, Mapping)]
    return []


def _replace_datasets(value: Any, views: Mapping[str, list[dict[str, Any]]], i: int) -> Any:
    def swap(record: Any) -> Any:
        found = views.get(str(record.get("id"))) if isinstance(record, Mapping) else None
        return {**record, **found[min(i, len(found) - 1)]} if found else record
    if isinstance(value, list):
        return [swap(r) for r in value]
    if isinstance(value, Mapping) and "id" not in value:
        return {role: swap(r) for role, r in value.items()}
    return swap(value)

