"""Drift of each feature between a reference dataset (training) and a current one (live).

PSI (population stability index), sum over bins of (c - r) * ln(c / r), where r and c are the
shares of reference and current rows in a bin:
- numeric features: 10 bins cut at the deciles of the reference (duplicate cut points are
  merged, so a feature with few distinct values gets fewer bins), the outer bins open-ended;
- categorical features: one bin per category seen in either dataset;
- missing values form a bin of their own;
- an empty bin counts as a share of 1e-4, so the logarithm stays finite.
Conventions read PSI < 0.1 as stable, 0.1-0.25 as a moderate shift and > 0.25 as a
significant one; rules choose their own thresholds. A feature counts as `drifted` when its PSI
exceeds `settings.drift_psi_threshold` (0.25 by default). Numeric features also get the
two-sample Kolmogorov-Smirnov statistic and p-value (scipy.stats.ks_2samp), categorical ones
a chi-square test of the category counts (scipy.stats.chi2_contingency).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from charter.evidence.problems import InputError

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

BINS = 10
EMPTY_BIN_SHARE = 1e-4
DEFAULT_PSI_THRESHOLD = 0.25


def psi_from_counts(reference: np.ndarray, current: np.ndarray) -> float:
    import numpy as np

    r = np.maximum(reference / max(reference.sum(), 1), EMPTY_BIN_SHARE)
    c = np.maximum(current / max(current.sum(), 1), EMPTY_BIN_SHARE)
    return float(np.sum((c - r) * np.log(c / r)))


def numeric_bins(reference: np.ndarray) -> np.ndarray:
    """Inner cut points at the reference deciles, deduplicated."""
    import numpy as np

    values = reference[~np.isnan(reference)]
    if values.size == 0:
        return np.array([])
    return np.unique(np.quantile(values, np.linspace(0, 1, BINS + 1))[1:-1])


def numeric_drift(reference: np.ndarray, current: np.ndarray) -> dict[str, Any]:
    import numpy as np

    from charter.evidence.ordered import bin_counts, ks_two_sample, present_sorted

    ref, ref_missing = present_sorted(np.asarray(reference, dtype=float))
    cur, cur_missing = present_sorted(np.asarray(current, dtype=float))
    cuts = numeric_bins(ref)
    psi = psi_from_counts(bin_counts(ref, ref_missing, cuts), bin_counts(cur, cur_missing, cuts))
    ks, pvalue = ks_two_sample(ref, cur) if ref.size and cur.size else (None, None)
    return {"kind": "numeric", "psi": _round(psi), "ks": _round(ks),
            "ks_pvalue": _round(pvalue, 10)}


def category_counts(reference: pd.Series, current: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    import pandas as pd

    ref = reference.astype("string").fillna("<missing>").value_counts()
    cur = current.astype("string").fillna("<missing>").value_counts()
    index = sorted(set(ref.index) | set(cur.index))
    both = pd.DataFrame({"r": ref, "c": cur}).reindex(index).fillna(0)
    return both["r"].to_numpy(dtype=float), both["c"].to_numpy(dtype=float)


def categorical_drift(reference: pd.Series, current: pd.Series) -> dict[str, Any]:
    import numpy as np
    from scipy.stats import chi2_contingency

    ref, cur = category_counts(reference, current)
    psi = psi_from_counts(ref, cur)
    if len(ref) < 2:
        chi2, pvalue = 0.0, 1.0
    else:
        statistic, pvalue, _, _ = chi2_contingency(np.vstack([ref, cur]))
        chi2, pvalue = float(statistic), float(pvalue)
    return {"kind": "categorical", "psi": _round(psi), "chi2": _round(chi2),
            "chi2_pvalue": _round(pvalue, 10)}


def is_numeric(series: pd.Series) -> bool:
    import pandas as pd

    return bool(pd.api.types.is_numeric_dtype(series) and not
                pd.api.types.is_bool_dtype(series))


def feature_drift(reference: pd.Series, current: pd.Series) -> dict[str, Any]:
    if is_numeric(reference) != is_numeric(current):
        kinds = ["numeric" if is_numeric(s) else f"text ({s.dtype})" for s in (reference,
                                                                                 current)]
        raise InputError("wrong-dtype", f"column {reference.name!r} is {kinds[0]} in the "
                         f"reference data but {kinds[1]} in the current data")
    if is_numeric(reference):
        return numeric_drift(reference.to_numpy(dtype=float), current.to_numpy(dtype=float))
    return categorical_drift(reference, current)


def drift_report(reference: pd.DataFrame, current: pd.DataFrame, features: Sequence[str],
                 threshold: float = DEFAULT_PSI_THRESHOLD) -> dict[str, Any]:
    table = {}
    for name in features:
        row = feature_drift(reference[name], current[name])
        row["drifted"] = row["psi"] > threshold
        table[name] = row
    drifted = sum(row["drifted"] for row in table.values())
    return {"features": table, "psi_threshold": threshold,
            "drifted_features": [name for name, row in table.items() if row["drifted"]],
            "share_drifted": _round(drifted / len(table)) if table else 0.0,
            "max_psi": max((row["psi"] for row in table.values()), default=0.0)}


def _round(value: float | None, digits: int = 6) -> float | None:
    if value is None:
        return None
    return float(f"{value:.{digits}g}") if digits > 6 else round(float(value), digits)
