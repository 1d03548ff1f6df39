"""The monitoring ledger as the reports state it: the runs recorded at the reported commit,
each checked with `read_run` (an unsound run is listed as such and never used), the age of
the latest sound run against the version's cadence, and the time series of drift, live
performance and the business KPI drawn with their bands."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from charter.monitoring.ledger import kpi_path
from charter.report.common import as_date, slug
from charter.report.ledger import is_number as _is_number
from charter.report.ledger import number as _number
from charter.report.metrics import LOWER, direction

NO_RUN = "no monitoring run recorded"
NO_CADENCE = "no cadence declared"
_KPI_MARKERS = {"higher_is_better": "↑ higher is better", "lower_is_better": "↓ lower is better"}


def version_health(record: Mapping[str, Any], runs: Sequence[Mapping[str, Any]],
                   today: dt.date) -> dict[str, Any]:
    """The latest sound run of a version at `today`: its date, verdict, age, and how many
    days it is overdue against `every_days + grace_days`."""
    monitoring = record.get("monitoring") or {}
    every, grace = monitoring.get("every_days"), int(monitoring.get("grace_days") or 0)
    usable = [r for r in runs if r["sound"] and r["as_of"] <= today.isoformat()]
    latest = usable[-1] if usable else None
    unsound = [r["name"] for r in runs if not r["sound"]]
    later = [r["name"] for r in runs if r["sound"] and r["as_of"] > today.isoformat()]
    out: dict[str, Any] = {"runs": len(runs), "unsound": unsound, "after_today": later,
                           "every_days": every, "grace_days": grace, "last_run": None,
                           "verdict": None, "age_days": None, "overdue_days": None,
                           "overdue": False, "status": NO_RUN}
    if latest is None:
        out["overdue"] = isinstance(every, int)  # a cadence with nothing to show for it
        return out
    day = as_date(latest["as_of"])
    assert day is not None
    age = (today - day).days
    out.update(last_run=latest["as_of"], verdict=latest["verdict"], age_days=age,
               status=str(latest["verdict"]), digest=latest["digest"], file=latest["name"])
    if isinstance(every, int):
        out["overdue_days"] = max(0, age - every - grace)
        out["overdue"] = out["overdue_days"] > 0
    return out


def health_words(health: Mapping[str, Any]) -> str:
    """Days overdue in words: 0 when on time."""
    if health["last_run"] is None:
        return NO_RUN
    if health["overdue_days"] is None:
        return NO_CADENCE
    return str(health["overdue_days"])


def production_versions(model: Mapping[str, Any]) -> list[str]:
    return [v for v, r in (model.get("versions") or {}).items()
            if (r or {}).get("stage") == "production"]


def dossier_monitoring(model_id: str, model: Mapping[str, Any], ledger: Mapping[str, Any],
                       today: dt.date) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """The dossier's ledger part: one entry per version in production or with runs, the
    model's KPI, and the chart specs they show."""
    runs = ledger.get("runs") or {}
    charts: dict[str, dict[str, Any]] = {}
    versions = []
    for version, record in (model.get("versions") or {}).items():
        record = record or {}
        found = list(runs.get(f"{model_id}@{version}") or [])
        if record.get("stage") != "production" and not found:
            continue
        versions.append(_version_part(model_id, version, record, found, today, charts))
    kpi = _kpi_part(model_id, model, (ledger.get("kpi") or {}).get(model_id), charts)
    return {"versions": versions, "kpi": kpi}, charts


def _version_part(model_id: str, version: str, record: Mapping[str, Any],
                  runs: list[dict[str, Any]], today: dt.date,
                  charts: dict[str, dict[str, Any]]) -> dict[str, Any]:
    key = slug(f"{model_id}-{version}")
    health = version_health(record, runs, today)
    sound = [r for r in runs if r["sound"]]
    checks = ((record.get("monitoring") or {}).get("checks") or {})
    keys = {}
    drift = _drift_chart(sound, checks.get("drift") or {})
    if drift:
        keys["drift"] = charts_key(charts, f"monitoring-drift-{key}", drift)
    performance = _performance_chart(sound, checks.get("performance") or {}, record)
    if performance:
        keys["performance"] = charts_key(charts, f"monitoring-performance-{key}", performance)
    rows = [_run_row(r) for r in reversed(runs)]  # newest first
    return {"id": f"{model_id}@{version}", "version": version, "stage": record.get("stage"),
            "health": health, "runs": rows, "chart_keys": keys,
            "bands": _bands_text(checks)}


def _run_row(run: Mapping[str, Any]) -> dict[str, Any]:
    results = (run["record"] or {}).get("results") or {}
    drift = results.get("drift") or {}
    band = drift.get("band")
    worst = sorted(f for f, d in (drift.get("features") or {}).items()
                   if band != "green" and (d or {}).get("band") == band)
    return {"as_of": run["as_of"], "name": run["name"], "digest": run["digest"],
            "sound": run["sound"], "problems": run["problems"], "verdict": run["verdict"],
            "drift": drift, "drift_worst": worst,
            "performance": results.get("performance") or {}}


def charts_key(charts: dict[str, dict[str, Any]], key: str, spec: dict[str, Any]) -> str:
    charts[key] = spec
    return key


def _drift_chart(runs: list[dict[str, Any]], drift: Mapping[str, Any]) -> dict[str, Any] | None:
    per_run = [((r["record"].get("results") or {}).get("drift") or {}).get("features") or {}
               for r in runs]
    features = sorted({f for found in per_run for f, d in found.items()
                       if _is_number((d or {}).get("psi"))})
    if not features:
        return None
    psi = drift.get("psi") or {}
    return {"kind": "series", "title": "Population stability index by feature over time",
            "axis": "PSI ↓", "from_zero": True, "x": [r["as_of"] for r in runs],
            "series": [{"name": f, "values": [(found.get(f) or {}).get("psi")
                                              for found in per_run]} for f in features],
            "bands": _rising_bands(psi.get("amber"), psi.get("red"), "PSI"),
            "note": "" if psi else "no PSI bands declared in models.yaml"}


def _rising_bands(amber: Any, red: Any, what: str) -> list[dict[str, Any]]:
    """Bands for a figure that is worse the higher it goes: amber below red, red above."""
    bands = []
    if _is_number(amber):
        bands.append({"band": "amber", "low": amber, "high": red if _is_number(red) else None,
                      "label": f"amber: {what} ≥ {amber:g}"})
    if _is_number(red):
        bands.append({"band": "red", "low": red, "high": None,
                      "label": f"red: {what} ≥ {red:g}"})
    return bands


def _performance_chart(runs: list[dict[str, Any]], check: Mapping[str, Any],
                       record: Mapping[str, Any]) -> dict[str, Any] | None:
    found = [((r["record"].get("results") or {}).get("performance") or {}) for r in runs]
    points = [(r["as_of"], p) for r, p in zip(runs, found, strict=True)
              if _is_number(p.get("live"))]
    if not points:
        return None
    metric = str(check.get("metric") or points[-1][1].get("metric") or "metric")
    declared = ((record.get("evaluation") or {}).get("metrics") or {}).get(metric)
    validated = next((p.get("validated") for _, p in reversed(points)
                      if _is_number(p.get("validated"))), declared)
    decay = check.get("decay") or {}
    lower = direction(metric) == LOWER
    spec: dict[str, Any] = {
        "kind": "series", "title": f"Live {metric} against the validated value",
        "axis": f"{metric} {'↓' if lower else '↑'}", "x": [x for x, _ in points],
        "series": [{"name": f"live {metric}", "values": [p["live"] for _, p in points]}],
        "bands": [], "lines": [], "note": "" if decay else "no decay bands declared"}
    line = _number(validated)
    if line is not None:
        spec["lines"].append({"value": line, "label": f"validated {line:.4g}"})
        spec["bands"] = _decay_bands(line, decay, lower)
    return spec


def _decay_bands(validated: float, decay: Mapping[str, Any], lower: bool
                 ) -> list[dict[str, Any]]:
    amber, red = _number(decay.get("amber")), _number(decay.get("red"))
    sign = 1 if lower else -1  # which way decay moves the metric
    bands: list[dict[str, Any]] = []
    if amber is not None:
        start, end = validated + sign * amber, (validated + sign * red if red is not None
                                                else None)
        low, high = (start, end) if lower else (end, start)
        bands.append({"band": "amber", "low": low, "high": high,
                      "label": f"amber: decay ≥ {amber:g}"})
    if red is not None:
        edge = validated + sign * red
        bands.append({"band": "red", "low": edge if lower else None,
                      "high": None if lower else edge, "label": f"red: decay ≥ {red:g}"})
    return bands


def _bands_text(checks: Mapping[str, Any]) -> list[tuple[str, str]]:
    out = []
    for name in ("psi", "ks", "chi2_p"):
        band = (checks.get("drift") or {}).get(name)
        if band:
            word = "≤" if name == "chi2_p" else "≥"
            out.append((f"Drift {name}", f"amber {word} {band['amber']:g}, "
                                         f"red {word} {band['red']:g}"))
    performance = checks.get("performance")
    if performance:
        decay = performance.get("decay") or {}
        out.append((f"Performance {performance.get('metric')}",
                    f"decay from the validated value: amber ≥ {decay.get('amber')}, "
                    f"red ≥ {decay.get('red')}"))
    return out


def _kpi_part(model_id: str, model: Mapping[str, Any], found: Mapping[str, Any] | None,
              charts: dict[str, dict[str, Any]]) -> dict[str, Any]:
    declared = dict(model.get("kpi") or {})
    observations = list((found or {}).get("observations") or [])
    target, way = declared.get("target"), declared.get("direction")
    rows = [{**o, "on_target": _on_target(o["value"], target, way)} for o in observations]
    words = _KPI_MARKERS.get(str(way), "direction not declared")
    out: dict[str, Any] = {"declared": declared, "path": kpi_path(model_id),
                           "rows": rows[::-1], "chart": None, "direction": words,
                           "problems": list((found or {}).get("problems") or [])}
    if observations:
        unit = declared.get("unit")
        spec: dict[str, Any] = {
            "kind": "series", "title": f"{declared.get('name') or 'Business KPI'} "
            f"against its target ({words})",
            "axis": f"{unit or 'value'} {words[:1] if way in _KPI_MARKERS else ''}".strip(),
            "x": [o["period"] for o in observations],
            "series": [{"name": str(declared.get("name") or "KPI"),
                        "values": [o["value"] for o in observations]}],
            "bands": [], "lines": []}
        if _is_number(target):
            spec["lines"].append({"value": target, "label": f"target {target:g}"})
            if way in _KPI_MARKERS:
                below = way == "higher_is_better"
                spec["bands"].append({"band": "wrong side", "low": None if below else target,
                                      "high": target if below else None,
                                      "label": "off target"})
        out["chart"] = charts_key(charts, f"monitoring-kpi-{slug(model_id)}", spec)
    return out


def _on_target(value: float, target: Any, way: Any) -> str:
    if not _is_number(target) or way not in _KPI_MARKERS:
        return "not judged"
    good = value >= target if way == "higher_is_better" else value <= target
    return "on target" if good else "off target"


def ledger_note(parts: Mapping[str, Any]) -> str:
    """One line for the requirement map: what the ledger shows for the model's versions."""
    lines = []
    for v in parts.get("versions") or []:
        h = v["health"]
        if h["last_run"] is None:
            lines.append(f"{v['id']}: {NO_RUN}")
            continue
        late = (f", {h['overdue_days']} days overdue" if h["overdue"] else ", on time"
                ) if h["overdue_days"] is not None else f", {NO_CADENCE}"
        lines.append(f"{v['id']}: {h['runs']} run{'s' if h['runs'] != 1 else ''}, latest "
                     f"{h['last_run']} ({h['verdict']}, {h['age_days']} days old{late})")
    return "; ".join(lines) if lines else "no version in production"
