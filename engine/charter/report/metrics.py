"""Which way a metric should move: the reports mark each delta as better or worse."""

from __future__ import annotations

HIGHER = "higher is better"
LOWER = "lower is better"
UNKNOWN = "direction not known"

_LOWER = {"mae", "rmse", "mse", "mape", "log_loss", "brier", "max_error", "psi",
          "error_rate", "false_positive_rate", "false_negative_rate", "median_absolute_error"}
_HIGHER = {"roc_auc", "accuracy", "precision", "recall", "f1", "r2", "average_precision",
           "balanced_accuracy", "gini", "ks", "auc", "pr_auc", "specificity",
           "demographic_parity_ratio", "equalized_odds_ratio"}


def direction(metric: str) -> str:
    name = metric.lower()
    if name in _LOWER or name.endswith(("_error", "_loss")):
        return LOWER
    if name in _HIGHER:
        return HIGHER
    return UNKNOWN


def judgement(metric: str, delta: float | None, tolerance: float = 1e-12) -> str:
    """better | worse | unchanged | "" (no delta, or no known direction)."""
    if delta is None:
        return ""
    if abs(delta) <= tolerance:
        return "unchanged"
    way = direction(metric)
    if way == UNKNOWN:
        return ""
    return "better" if (delta > 0) == (way == HIGHER) else "worse"
