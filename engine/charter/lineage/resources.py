"""What the deployments in service run on, totalled per team (the model's owner), per risk
tier and per deployment target, for architects: replicas, CPU, memory, accelerators, monthly
cost per currency and latency objectives.

Only deployments current on the given date count: begun on or before it (`since`) and not
ended before it (`until`). A field a deployment does not declare is counted as not declared,
never as zero: a total over some deployments says how many others did not declare it, and a
total no deployment declares is None.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

NOT_DECLARED = "not declared"
DEFAULT_CURRENCY = "USD"
# totals per deployment: replicas, and per-replica figures times replicas
PER_REPLICA = ("cpu", "memory_gib", "accelerators")
FIELDS = ("replicas", *PER_REPLICA, "monthly_cost", "latency_slo_ms")
GROUPINGS = (("team", "owner"), ("risk_tier", "risk_tier"), ("target", "target"))
COUNTED = ("deployments current on {day}: begun on or before it and not ended before it; "
           "a field a deployment does not declare is not declared, never zero")


def current_deployments(inventory: Mapping[str, Any], day: dt.date) -> list[dict[str, Any]]:
    """Every deployment in service on `day`, with what it runs on."""
    currency = str((inventory.get("settings") or {}).get("currency") or DEFAULT_CURRENCY)
    rows = []
    for name, model in sorted((inventory.get("models") or {}).items()):
        model = model or {}
        for version, record in ((model.get("versions") or {}).items()):
            for deployment in (record or {}).get("deployments") or []:
                if not isinstance(deployment, Mapping) or not _current(deployment, day):
                    continue
                resources = dict(deployment.get("resources") or {})
                rows.append({
                    "model": name, "version": str(version), "target": str(
                        deployment.get("target")), "owner": str(model.get("owner") or
                                                                NOT_DECLARED),
                    "risk_tier": str(model.get("risk_tier") or NOT_DECLARED),
                    "resources": resources,
                    "currency": str(resources.get("currency") or currency)})
    return rows


def _current(deployment: Mapping[str, Any], day: dt.date) -> bool:
    since, until = _date(deployment.get("since")), _date(deployment.get("until"))
    return (since is None or since <= day) and (until is None or until >= day)


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def resource_overview(inventory: Mapping[str, Any], day: dt.date) -> dict[str, Any]:
    """The totals, overall and per team, risk tier and target, as plain JSON-able data."""
    rows = current_deployments(inventory, day)
    out: dict[str, Any] = {"as_of": day.isoformat(), "counted": COUNTED.format(day=day),
                           "deployments": len(rows), "total": totals(rows)}
    for key, field in GROUPINGS:
        groups: dict[str, list[dict[str, Any]]] = {}
        for row in rows:
            groups.setdefault(row[field], []).append(row)
        out[f"by_{key}"] = [{"group": g, **totals(groups[g])} for g in sorted(groups)]
    return out


def totals(rows: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """Sums of what the deployments declare; `not_declared` counts those that do not."""
    rows = list(rows)
    missing = dict.fromkeys(FIELDS, 0)
    sums: dict[str, float | None] = dict.fromkeys(("replicas", *PER_REPLICA), None)
    cost: dict[str, float] = {}
    slo: list[float] = []
    kinds: dict[str, float] = {}
    for row in rows:
        resources = row["resources"]
        replicas = _number(resources.get("replicas"))
        _add(sums, missing, "replicas", replicas)
        for field in PER_REPLICA:
            each = _number(resources.get(field))
            _add(sums, missing, field, None if each is None or replicas is None
                 else each * replicas)
        count = _number(resources.get("accelerators"))
        if count and replicas is not None:
            kind = str(resources.get("accelerator") or NOT_DECLARED)
            kinds[kind] = kinds.get(kind, 0) + count * replicas
        monthly = _number(resources.get("monthly_cost"))
        if monthly is None:
            missing["monthly_cost"] += 1
        else:
            cost[row["currency"]] = cost.get(row["currency"], 0) + monthly
        latency = _number(resources.get("latency_slo_ms"))
        if latency is None:
            missing["latency_slo_ms"] += 1
        else:
            slo.append(latency)
    return {"deployments": len(rows), **sums,
            "accelerator_types": dict(sorted(kinds.items())),
            "monthly_cost": dict(sorted(cost.items())) or None,
            "latency_slo_ms": {"tightest": min(slo), "loosest": max(slo)} if slo else None,
            "not_declared": {f: n for f, n in missing.items() if n}}


def _add(sums: dict[str, float | None], missing: dict[str, int], field: str,
         value: float | None) -> None:
    if value is None:
        missing[field] += 1
    else:
        sums[field] = (sums[field] or 0) + value


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return value
