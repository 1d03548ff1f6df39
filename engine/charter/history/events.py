"""Turn the change one commit made to the inventory into timeline events, and flag the
lifecycle rules it broke (whatever the policies of the time said)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from charter.inventory.diff import Change, EntityChange
from charter.inventory.entities import find_entity, split_ref

# The lifecycle every version should follow; the history judges each move against it.
ALLOWED_MOVES: dict[str, tuple[str, ...]] = {
    "new": ("development", "staging"),
    "development": ("staging", "retired"),
    "staging": ("production", "development", "retired"),
    "production": ("retired",),
    "retired": (),
}
# Fields of a released version that are its record: changing them needs a new version.
RECORD_FIELDS = ("artifact", "algorithm", "parameters", "requirements", "training_data",
                 "evaluation", "features")
RELEASED = ("staging", "production", "retired")
_LIFECYCLE_FIELDS = {"stage", "validation", "deployments", "retired"}


@dataclass(frozen=True)
class Draft:
    """An event before the commit's metadata and verdict are attached."""

    entity: str  # the entity id the verdict is read for
    model: str | None
    version: str | None
    kind: str
    detail: str
    stage_from: str | None = None
    stage_to: str | None = None
    violations: tuple[str, ...] = ()


def drafts_for(change: Change, base: Mapping[str, Any], head: Mapping[str, Any],
               ever_live: set[str], initial: bool) -> Iterator[Draft]:
    """Events for every changed entity, models first, then versions, then datasets."""
    order = {"model": 0, "version": 1, "dataset": 2}
    for key in sorted(change.entities, key=lambda k: (order.get(k[0], 3), k[1])):
        entity_change = change.entities[key]
        before = find_entity(base, *key)
        after = find_entity(head, *key)
        old = dict(before.record) if before else {}
        new = dict(after.record) if after else {}
        if key[0] == "model":
            yield from _model_events(entity_change, old, new)
        elif key[0] == "version":
            yield from _version_events(entity_change, old, new, ever_live, initial)
        else:
            yield _dataset_event(entity_change)


def _model_events(change: EntityChange, old: dict[str, Any], new: dict[str, Any]
                  ) -> Iterator[Draft]:
    if change.status == "added":
        yield Draft(change.id, change.id, None, "model-added",
                    f"model {change.id} added ({new.get('risk_tier', 'no')} risk tier)")
    elif change.status == "removed":
        live = sorted(v for v, r in (old.get("versions") or {}).items()
                      if isinstance(r, Mapping) and r.get("stage") != "retired")
        violations = (f"model removed with versions that were not retired: {', '.join(live)}",
                      ) if live else ()
        yield Draft(change.id, change.id, None, "model-removed", f"model {change.id} removed",
                    violations=violations)
    else:
        fields = sorted({p.split(".", 1)[0] for p in change.paths} - {"versions"})
        if fields:
            yield Draft(change.id, change.id, None, "record-changed",
                        f"model record changed: {', '.join(fields)}")


def _version_events(change: EntityChange, old: dict[str, Any], new: dict[str, Any],
                    ever_live: set[str], initial: bool) -> Iterator[Draft]:
    model, version = split_ref(change.id)
    if change.status == "added":
        stage = new.get("stage")
        violations = () if initial else _move_violations("new", stage)
        yield Draft(change.id, model, version, "version-added",
                    f"{change.id} added in {stage}", None, str(stage), violations)
        return
    if change.status == "removed":
        stage = old.get("stage")
        served = change.id in ever_live or stage == "production" or bool(old.get("deployments"))
        violations = (f"{change.id} was deleted instead of retired although it served "
                      "production",) if served else ()
        yield Draft(change.id, model, version, "removed", f"{change.id} removed (was {stage})",
                    str(stage), None, violations)
        return
    yield from _modified_version(change, model, version, old, new)


def _modified_version(change: EntityChange, model: str, version: str, old: dict[str, Any],
                      new: dict[str, Any]) -> Iterator[Draft]:
    fields = {p.split(".", 1)[0] for p in change.paths}
    before, after = old.get("stage"), new.get("stage")
    if "stage" in fields:
        kind = "retired" if after == "retired" else "stage-changed"
        reason = (new.get("retired") or {}).get("reason") if isinstance(
            new.get("retired"), Mapping) else None
        detail = f"{change.id}: {before} → {after}" + (f" ({reason})" if reason else "")
        yield Draft(change.id, model, version, kind, detail, str(before), str(after),
                    _move_violations(str(before), after))
    if "validation" in fields:
        yield _validated(change.id, model, version, new.get("validation"))
    if "deployments" in fields:
        yield from _deployments(change.id, model, version, old.get("deployments"),
                                new.get("deployments"))
    record = sorted(fields - _LIFECYCLE_FIELDS)
    if record:
        tampered = sorted(set(record) & set(RECORD_FIELDS))
        violations = (f"{change.id} was {before} and its record changed in place "
                      f"({', '.join(tampered)}) instead of a new version",
                      ) if tampered and before in RELEASED else ()
        yield Draft(change.id, model, version, "record-changed",
                    f"{change.id}: {', '.join(record)} changed", before, after, violations)


def _move_violations(before: str, after: Any) -> tuple[str, ...]:
    if after in ALLOWED_MOVES.get(before, ()):
        return ()
    allowed = ", ".join(ALLOWED_MOVES.get(before, ())) or "nothing"
    start = "a new version" if before == "new" else before
    return (f"stage skipped: {start} → {after} (allowed from {before}: {allowed})",)


def _validated(entity: str, model: str, version: str, validation: Any) -> Draft:
    if not isinstance(validation, Mapping):
        return Draft(entity, model, version, "validated", f"{entity}: validation removed")
    detail = (f"{entity}: validation {validation.get('outcome', 'recorded')} by "
              f"{validation.get('by', 'nobody')} on {validation.get('date', 'no date')}")
    return Draft(entity, model, version, "validated", detail)


def _deployments(entity: str, model: str, version: str, old: Any, new: Any) -> Iterator[Draft]:
    def index(items: Any) -> dict[str, Mapping[str, Any]]:
        return {str(d.get("target")): d for d in items or [] if isinstance(d, Mapping)}

    before, after = index(old), index(new)
    for target, deployment in after.items():
        if target not in before or (before[target].get("since") != deployment.get("since")):
            traffic = deployment.get("traffic")
            share = f" at {traffic}% traffic" if traffic is not None else ""
            yield Draft(entity, model, version, "deployed",
                        f"{entity} deployed to {target} since {deployment.get('since')}{share}")
        elif deployment.get("until") and not before[target].get("until"):
            yield Draft(entity, model, version, "undeployed",
                        f"{entity} left {target} on {deployment.get('until')}")
    for target in before.keys() - after.keys():
        yield Draft(entity, model, version, "undeployed",
                    f"{entity} deployment to {target} removed from the record")


def _dataset_event(change: EntityChange) -> Draft:
    name, version = split_ref(change.id)
    kind = {"added": "dataset-added", "removed": "dataset-removed"}.get(change.status,
                                                                       "dataset-changed")
    detail = f"dataset {change.id} {change.status}"
    if change.paths:
        detail += f": {', '.join(sorted({p.split('.', 1)[0] for p in change.paths}))}"
    return Draft(change.id, name, version, kind, detail)
