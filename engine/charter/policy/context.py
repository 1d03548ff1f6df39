"""The data a rule sees for one entity: its fields, its model, `base`, `champion`, `change`,
`evidence`, the datasets it names (`training_datasets`, `evaluation_dataset`,
`monitoring_datasets.reference`/`.current`), and the evaluation date."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from charter.diff import Change
from charter.integrity import validators
from charter.inventory import (
    Entity,
    dataset_record,
    find_entity,
    models,
    production_version,
    split_ref,
    teams,
    versions_of,
)


@dataclass
class ContextBuilder:
    head: Mapping[str, Any]
    base: Mapping[str, Any] | None
    change: Change
    today: dt.date
    evidence: Mapping[str, Any] = field(default_factory=dict)
    _validators: list[str] | None = None

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

    def for_change(self) -> dict[str, Any]:
        return {"kind": "change", "id": "change", "change": self.change.summary(),
                "today": self.today.isoformat(), "validators": self._validator_list()}

    def _change(self, entity: Entity) -> dict[str, Any]:
        found = self.change.entities.get(entity.key)
        context: dict[str, Any] = found.as_context() if found else {
            "status": "unchanged", "paths": [], "fields": []}
        context["initial"] = self.change.initial
        return context

    def _validator_list(self) -> list[str]:
        if self._validators is None:
            self._validators = sorted(validators(self.head))
        return self._validators

    def _team(self, name: Any) -> dict[str, Any] | None:
        team = teams(self.head).get(name) if isinstance(name, str) else None
        return {"id": name, **team} if isinstance(team, Mapping) else None

    def _model(self, entity: Entity, record: dict[str, Any]) -> dict[str, Any]:
        live = production_version(record)
        return {
            **record,
            "model_id": entity.id,
            "owner_team": self._team(record.get("owner")),
            "production": {"version": live[0], **live[1]} if live else None,
        }

    def _version(self, entity: Entity, record: dict[str, Any]) -> dict[str, Any]:
        name, version = split_ref(entity.id)
        model = models(self.head).get(name) or (
            models(self.base).get(name) if self.base else None) or {}
        training = [dataset_record(self.head, r) for r in record.get("training_data") or []
                    if isinstance(r, str)]
        evaluation = record.get("evaluation") or {}
        eval_ref = evaluation.get("dataset") if isinstance(evaluation, Mapping) else None
        return {
            **record,
            "model_id": name,
            "version": version,
            "model": {**model, "id": name, "owner_team": self._team(model.get("owner"))},
            "champion": self._champion(name, entity.id),
            "evidence": self.evidence.get(entity.id),
            "training_datasets": [t for t in training if t is not None],
            "evaluation_dataset": dataset_record(self.head, eval_ref) if isinstance(
                eval_ref, str) else None,
            "monitoring_datasets": self._monitoring_datasets(record),
        }

    def _monitoring_datasets(self, record: Mapping[str, Any]) -> dict[str, Any]:
        """`reference` and `current` of `monitoring`, resolved to dataset records (or null)."""
        monitoring = record.get("monitoring")
        refs = monitoring if isinstance(monitoring, Mapping) else {}
        return {role: dataset_record(self.head, refs[role]) if isinstance(
            refs.get(role), str) else None for role in ("reference", "current")}

    def _champion(self, model_name: str, entity_id: str) -> dict[str, Any] | None:
        if not self.base:
            return None
        live = production_version(models(self.base).get(model_name) or {})
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
                "evidence": self.evidence.get(entity.id)}

    def _base_view(self, kind: str, base_entity: Entity | None) -> dict[str, Any] | None:
        if base_entity is None:
            return None
        record = dict(base_entity.record)
        if kind == "model":
            record["versions"] = dict(versions_of(base_entity.record))
        return {**record, "id": base_entity.id}
