"""What a change does, value by value: each changed field before and after, the approvals it
adds, each changed version against the champion, and the traffic each target gets."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from charter.findings import Finding
from charter.inventory.diff import Change, EntityKey
from charter.inventory.entities import datasets, find_entity, models, production_version
from charter.inventory.snapshot import load_snapshot
from charter.policy.classification import new_approvals
from charter.report.common import as_date
from charter.report.metrics import direction, judgement
from charter.report.pdf import format_number
from charter.vcs.cache import Cache
from charter.vcs.revisions import Revision

ABSENT = object()
ABSENT_TEXT = "(absent)"
LONG_TEXT = 60
MAX_FIELDS = 60
_HASH = re.compile(r"[0-9a-f]{40,}")
REVIEWS_RULE = "CHARTER-R001"
APPROVALS_RULE = "CHARTER-R002"


def load_sides(root: Path, base: str | None, head: str | None
               ) -> tuple[Mapping[str, Any], Mapping[str, Any]]:
    """The base and head inventories (an empty base when there is none)."""
    cache = Cache.for_repo(root)
    base_snap = load_snapshot(Revision.at(root, base), cache, lazy=True) if base else None
    head_rev = Revision.at(root, head) if head else Revision.worktree(root)
    head_snap = load_snapshot(head_rev, cache, lazy=True, donor=base_snap)
    return (base_snap.inventory if base_snap and base_snap.present else {}), head_snap.inventory


def own_fields(inventory: Mapping[str, Any], key: EntityKey) -> Any:
    """The record as its rules read it (a model without its versions, a dataset version with
    its dataset's shared fields); ABSENT when the entity is not there."""
    kind, entity_id = key
    entity = find_entity(inventory, kind, entity_id)
    if entity is None:
        return ABSENT
    if kind == "model":
        return {k: v for k, v in entity.record.items() if k != "versions"}
    if kind == "dataset":
        dataset = datasets(inventory).get(entity.parent or "")
        shared = {k: v for k, v in dataset.items() if k != "versions"} if isinstance(
            dataset, Mapping) else {}
        return {**shared, **entity.record}
    return entity.record


def value_changes(old: Any, new: Any, path: str = "") -> Iterator[tuple[str, Any, Any]]:
    """(path, before, after) of every leaf that differs; lists of records by index."""
    if _walkable(old, new, Mapping):
        keys = sorted({*(old if old is not ABSENT else {}), *(new if new is not ABSENT else {})},
                      key=str)
        found = False
        for key in keys:
            a = old.get(key, ABSENT) if old is not ABSENT else ABSENT
            b = new.get(key, ABSENT) if new is not ABSENT else ABSENT
            for item in value_changes(a, b, _join(path, key)):
                found = True
                yield item
        if not found and _differs(old, new):
            yield path, old, new
        return
    if _walkable(old, new, list) and any(isinstance(i, Mapping) for i in (
            *(old if old is not ABSENT else []), *(new if new is not ABSENT else []))):
        a_list = old if old is not ABSENT else []
        b_list = new if new is not ABSENT else []
        for i in range(max(len(a_list), len(b_list))):
            yield from value_changes(a_list[i] if i < len(a_list) else ABSENT,
                                     b_list[i] if i < len(b_list) else ABSENT, f"{path}[{i}]")
        return
    if _differs(old, new):
        yield path, old, new


def _walkable(old: Any, new: Any, kind: type) -> bool:
    sides = [v for v in (old, new) if v is not ABSENT]
    return bool(sides) and all(isinstance(v, kind) for v in sides)


def _differs(old: Any, new: Any) -> bool:
    return old is not new if ABSENT in (old, new) else bool(old != new)


def _join(path: str, key: Any) -> str:
    text = str(key)
    part = text if re.fullmatch(r"[A-Za-z0-9_-]+", text) else f'"{text}"'
    return f"{path}.{part}" if path else part


def show(value: Any) -> str:
    """A value as the report prints it: short, and saying what was left out."""
    if value is ABSENT:
        return ABSENT_TEXT
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)  # an inventory's value as written: 3650, not 3,650
    if isinstance(value, float):
        return format_number(value)
    if isinstance(value, Mapping):
        text = "{" + ", ".join(f"{k}: {show(v)}" for k, v in value.items()) + "}"
    elif isinstance(value, list | tuple):
        text = "[" + ", ".join(show(v) for v in value) + "]"
    else:
        text = value.isoformat() if isinstance(value, dt.date) else str(value)
    if _HASH.fullmatch(text):
        return f"{text[:12]}…{text[-4:]}"
    if len(text) > LONG_TEXT:
        cut = text[:LONG_TEXT - 15]
        cut = cut.rsplit(" ", 1)[0] if " " in cut[20:] else cut
        return f"{cut.rstrip(' ,;:')}… ({len(text)} characters)"
    return text


def field_rows(change: Change, base: Mapping[str, Any], head: Mapping[str, Any]
               ) -> list[dict[str, Any]]:
    """Each changed entity's fields before and after. When the base has no inventory, every
    field of every entity is new: the entities are listed, not their fields."""
    rows = []
    for key, entity_change in sorted(change.entities.items()):
        fields = [{"path": path or "(the record)", "before": show(a), "after": show(b)}
                  for path, a, b in value_changes(own_fields(base, key), own_fields(head, key))]
        note = ""
        if change.initial:
            fields, note = [], f"{len(fields)} fields, all new"
        elif len(fields) > MAX_FIELDS:
            note = f"and {len(fields) - MAX_FIELDS} more fields"
            fields = fields[:MAX_FIELDS]
        rows.append({"kind": key[0], "id": key[1], "status": entity_change.status,
                     "fields": fields, "note": note})
    return rows


def approval_rows(change: Change, base: Mapping[str, Any], head: Mapping[str, Any],
                  findings: Sequence[Finding], reviews_checked: bool) -> list[dict[str, Any]]:
    """Sign-offs the change adds: validation claims of versions, `approvals` entries."""
    unbacked = {f.entity: f.message for f in findings if f.rule == REVIEWS_RULE}
    rows = []
    for key, entity_change in sorted(change.entities.items()):
        if entity_change.status == "removed":
            continue
        old, new = own_fields(base, key), own_fields(head, key)
        old = old if isinstance(old, Mapping) else {}
        validation = new.get("validation") if isinstance(new, Mapping) else None
        if isinstance(validation, Mapping) and validation != old.get("validation"):
            rows.append({"entity": key[1], "what": "validation",
                         "text": _claim(validation),
                         "status": _backing(key[1], unbacked, reviews_checked)})
        for approval in new_approvals(old.get("approvals"), new.get("approvals")
                                      if isinstance(new, Mapping) else None):
            role = f" as {approval['role']}" if approval.get("role") else ""
            rows.append({"entity": key[1], "what": "approval",
                         "text": f"{approval.get('by')} signed off{role} on "
                                 f"{show(approval.get('date'))}",
                         "status": _approval_backing(key, approval.get("by"), findings,
                                                     reviews_checked)})
    return rows


def _approval_backing(key: tuple[str, str], by: Any, findings: Sequence[Finding],
                      reviews_checked: bool) -> str:
    # a dataset's shared entry is reported on the dataset, read by each of its versions
    subjects = {key[1], key[1].partition("@")[0]} if key[0] == "dataset" else {key[1]}
    messages = [f.message for f in findings if f.rule == APPROVALS_RULE
                and f.entity in subjects and f"].by {by} is not backed" in f.message]
    return _backing(key[1], {key[1]: messages[0]} if messages else {}, reviews_checked)


def _claim(validation: Mapping[str, Any]) -> str:
    outcome = validation.get("outcome")
    verb = str(outcome) if outcome else "validated (no outcome recorded)"
    when = f" on {show(validation.get('date'))}" if validation.get("date") else " (no date)"
    return f"{validation.get('by', 'nobody named')} {verb}{when}"


def _backing(entity: str, unbacked: Mapping[str, str], reviews_checked: bool) -> str:
    if entity in unbacked:
        return f"not backed by the pull request's reviews: {unbacked[entity]}"
    if reviews_checked:
        return "backed by the pull request's reviews"
    return ("not checked against the pull request's reviews (the gate runs that check with "
            "--reviews-from github or --reviews FILE)")


def champion_rows(change: Change, base: Mapping[str, Any], head: Mapping[str, Any]
                  ) -> list[dict[str, Any]]:
    """Each added or modified version's declared metrics against the champion's: the version
    in production on the base."""
    rows = []
    for (kind, entity_id), entity_change in sorted(change.entities.items()):
        if kind != "version" or entity_change.status == "removed":
            continue
        name, _, version = entity_id.partition("@")
        live = production_version(models(base).get(name) or {})
        record = own_fields(head, (kind, entity_id))
        row: dict[str, Any] = {"id": entity_id, "champion": None, "metrics": [], "note": ""}
        if live is None:
            row["note"] = f"No champion: no version of {name} was in production on the base."
        elif live[0] == version:
            row["note"] = f"{entity_id} is the champion itself."
        else:
            row["champion"] = f"{name}@{live[0]}"
            row["metrics"] = _metric_deltas(_declared(live[1]), _declared(record))
            if not row["metrics"]:
                row["note"] = "Neither declares a metric the other declares."
        rows.append(row)
    return rows


def _declared(record: Any) -> Mapping[str, Any]:
    evaluation = record.get("evaluation") if isinstance(record, Mapping) else None
    metrics = evaluation.get("metrics") if isinstance(evaluation, Mapping) else None
    return metrics if isinstance(metrics, Mapping) else {}


def _metric_deltas(theirs: Mapping[str, Any], ours: Mapping[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for name in sorted(set(theirs) & set(ours), key=str):
        a, b = theirs[name], ours[name]
        numbers = all(isinstance(v, int | float) and not isinstance(v, bool) for v in (a, b))
        delta = round(float(b) - float(a), 10) if numbers else None
        rows.append({"name": name, "direction": direction(str(name)), "champion": a,
                     "version": b, "delta": signed(delta),
                     "verdict": judgement(str(name), delta)})
    return rows


def signed(delta: float | None) -> str:
    if delta is None:
        return "—"
    text = format_number(abs(delta))
    return "0" if delta == 0 else ("+" if delta > 0 else "−") + text


def traffic_rows(change: Change, base: Mapping[str, Any], head: Mapping[str, Any],
                 today: dt.date) -> list[dict[str, Any]]:
    """Per deployment target of every model the change touches: the traffic share open on
    the evaluation date before and after, flagged above 100%."""
    touched = sorted({entity_id.partition("@")[0] for kind, entity_id in change.entities
                      if kind in ("model", "version")})
    rows = []
    for name in touched:
        before = _open_traffic(models(base).get(name), today)
        after = _open_traffic(models(head).get(name), today)
        for target in sorted(set(before) | set(after)):
            total_before = sum(s for _, s, _ in before.get(target, []))
            total_after = sum(s for _, s, _ in after.get(target, []))
            rows.append({"model": name, "target": target, "before": _percent(total_before),
                         "after": _percent(total_after),
                         "assessment": _assess(total_before, total_after),
                         "shares": _shares(after.get(target, []))})
    return rows


def _shares(shares: list[tuple[str, float, bool]]) -> str:
    unstated = " (not stated: counted as 100%)"
    return ", ".join(f"{version} {_percent(share)}{'' if stated else unstated}"
                     for version, share, stated in shares) or "none"


def _open_traffic(model: Any, today: dt.date) -> dict[str, list[tuple[str, float, bool]]]:
    out: dict[str, list[tuple[str, float, bool]]] = {}
    versions = model.get("versions") if isinstance(model, Mapping) else None
    for version, record in sorted((versions or {}).items(), key=lambda kv: str(kv[0])):
        deployments = record.get("deployments") if isinstance(record, Mapping) else None
        for deployment in deployments if isinstance(deployments, list) else []:
            if not isinstance(deployment, Mapping) or not _open(deployment, today):
                continue
            share = deployment.get("traffic")
            if isinstance(share, int | float) and not isinstance(share, bool):
                entry = (str(version), float(share), True)
            else:
                entry = (str(version), 100.0, False)
            out.setdefault(str(deployment.get("target")), []).append(entry)
    return out


def _open(deployment: Mapping[str, Any], today: dt.date) -> bool:
    since, until = as_date(deployment.get("since")), as_date(deployment.get("until"))
    return (since is None or since <= today) and (until is None or until >= today)


def _percent(value: float) -> str:
    return f"{format_number(value)}%"


def _assess(before: float, after: float) -> str:
    if after > 100:
        return "above 100%"
    if after == 0 and before > 0:
        return "no longer served"
    if after < 100:
        return "below 100%" if after else "not served"
    return "unchanged" if before == after else "100%"
