"""A version promoted into production against each version it replaces (rule EV-102).

Both are measured on the promoted version's evaluation data. The comparison uses one
headline metric per task, where higher is better: ROC AUC for classifiers (accuracy when a
model gives no scores), R² for regressors. A comparison that cannot be made says why and
counts as failed: a promotion needs the evidence.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

HEADLINE_METRICS = {"classification": ("roc_auc", "accuracy"), "regression": ("r2",)}
DEFAULT_CHAMPION_TOLERANCE = 0.01


def compare_with_champion(version_id: str, measured: Mapping[str, Any], task: str,
                          champion: Mapping[str, Any], tolerance: float,
                          where: Sequence[str | int]) -> dict[str, Any]:
    champion_id = str(champion.get("id"))
    problems = champion.get("problems") or []
    if problems:
        return cannot_compare(version_id, champion_id, "; ".join(map(str, problems)), where)
    theirs = champion.get("metrics") or {}
    metric = next((m for m in HEADLINE_METRICS.get(task, ()) if m in measured and m in theirs),
                  None)
    if metric is None:
        wanted = " or ".join(HEADLINE_METRICS.get(task, ())) or "a headline metric"
        return cannot_compare(version_id, champion_id, f"{wanted} was not measured for both "
                              f"on this data", where)
    ours, best = float(measured[metric]), float(theirs[metric])
    difference = round(ours - best, 6)
    ok = difference >= -tolerance - 1e-12
    message = (f"{version_id}: {metric} {ours:g} is worse than {champion_id}, the version it "
               f"replaces ({best:g}), by more than the tolerance {tolerance:g}")
    return {"champion": champion_id, "metric": metric, "measured": ours, "champion_value": best,
            "difference": difference, "tolerance": tolerance, "ok": ok,
            "message": message if not ok else None, "path": list(where)}


def cannot_compare(version_id: str, champion_id: str, reason: str,
                   where: Sequence[str | int]) -> dict[str, Any]:
    return {"champion": champion_id, "metric": None, "ok": False, "path": list(where),
            "message": f"{version_id}: cannot compare with {champion_id}, the version it "
                       f"replaces: {reason}"}
