"""Group fairness of a binary classifier over one sensitive feature.

Per group: selection rate (share predicted positive), true and false positive rates,
accuracy and size. Across groups: demographic parity difference (max - min selection rate)
and ratio (min / max; the four-fifths rule asks for >= 0.8) and the equalized odds
difference (the larger of the TPR and FPR ranges). The definitions match fairlearn's
`demographic_parity_difference`, `demographic_parity_ratio` and `equalized_odds_difference`;
a rate that is undefined for a group (no positives, or no negatives) is left out of the range.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

MISSING_GROUP = "<missing>"


def fairness_table(truth: np.ndarray, predicted: np.ndarray, groups: Any) -> dict[str, Any]:
    """`truth` and `predicted` are 0/1 arrays; `groups` the sensitive column (any values)."""
    import numpy as np
    import pandas as pd

    codes, uniques = pd.factorize(pd.Series(groups), sort=True)
    names = [str(u) for u in uniques]
    if (codes < 0).any():  # missing values form a group of their own
        codes = np.where(codes < 0, len(names), codes)
        names.append(MISSING_GROUP)
    k = len(names)
    truth = np.asarray(truth, dtype=np.int64)
    predicted = np.asarray(predicted, dtype=np.int64)
    count = np.bincount(codes, minlength=k)
    positives = np.bincount(codes, weights=truth, minlength=k)
    selected = np.bincount(codes, weights=predicted, minlength=k)
    true_pos = np.bincount(codes, weights=truth * predicted, minlength=k)
    correct = np.bincount(codes, weights=(truth == predicted), minlength=k)
    negatives = count - positives
    false_pos = selected - true_pos
    raw: dict[str, dict[str, Any]] = {}
    for i, name in enumerate(names):
        raw[name] = {
            "count": int(count[i]),
            "selection_rate": _ratio(selected[i], count[i]),
            "tpr": _ratio(true_pos[i], positives[i]),
            "fpr": _ratio(false_pos[i], negatives[i]),
            "accuracy": _ratio(correct[i], count[i]),
        }
    groups = {name: {k: _round(v) if isinstance(v, float) else v for k, v in row.items()}
              for name, row in raw.items()}
    return {"groups": groups, **_summary(raw)}


def _summary(table: dict[str, dict[str, Any]]) -> dict[str, float | None]:
    rates = _values(table, "selection_rate")
    high, low = (max(rates), min(rates)) if rates else (0.0, 0.0)
    ranges = [max(v) - min(v) for v in (_values(table, "tpr"), _values(table, "fpr")) if v]
    return {
        "demographic_parity_difference": _round(high - low) if rates else None,
        "demographic_parity_ratio": _round(low / high) if high else None,
        "equalized_odds_difference": _round(max(ranges)) if ranges else None,
    }


def _values(table: dict[str, dict[str, Any]], key: str) -> list[float]:
    return [g[key] for g in table.values() if g[key] is not None]


def _ratio(numerator: float, denominator: float) -> float | None:
    return float(numerator) / float(denominator) if denominator else None


def _round(value: float) -> float:
    return round(float(value), 6)
