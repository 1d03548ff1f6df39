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

from collections.abc import MutableMapping, Sequence
from typing import TYPE_CHECKING, Any

from charter.evidence.figures import BINS
from charter.evidence.figures import EMPTY_BIN_SHARE as EMPTY_BIN_SHARE
from charter.evidence.figures import _round as _round
from charter.evidence.figures import psi_from_counts as psi_from_counts
from charter.evidence.problems import InputError

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

DEFAULT_PSI_THRESHOLD = 0.25


def numeric_bins(reference: np.ndarray) -> np.ndarray:
    """Inner cut points at the reference deciles, deduplicated (numpy's quantiles: the plain
    twin of figures.decile_cuts)."""
    import numpy as np

    values = reference[~np.isnan(reference)]
    if values.size == 0:
        return np.array([])
    return np.unique(np.quantile(values, np.linspace(0, 1, BINS + 1))[1:-1])


def numeric_drift(reference: np.ndarray, current: np.ndarray) -> dict[str, Any]:
    from charter.evidence.figures import DistinctCounts, distinct_gaps, numeric_drift_figures

    return numeric_drift_figures(DistinctCounts.of(reference), DistinctCounts.of(current),
                                 distinct_gaps)


def category_counts(reference: pd.Series, current: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    return aligned_counts(value_counts(reference), value_counts(current))


def value_counts(column: pd.Series) -> pd.Series:
    """Rows per category, missing values counted as a category of their own."""
    return column.astype("string").fillna("<missing>").value_counts()


def aligned_counts(reference: pd.Series, current: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Both sides' rows over the categories either holds, sorted."""
    import pandas as pd

    index = sorted(set(reference.index) | set(current.index))
    both = pd.DataFrame({"r": reference, "c": current}).reindex(index).fillna(0)
    return both["r"].to_numpy(dtype=float), both["c"].to_numpy(dtype=float)


def categorical_drift(reference: pd.Series, current: pd.Series) -> dict[str, Any]:
    from charter.evidence.figures import categorical_drift_figures

    return categorical_drift_figures(*category_counts(reference, current))


def is_numeric(series: pd.Series) -> bool:
    import pandas as pd

    return bool(pd.api.types.is_numeric_dtype(series) and not
                pd.api.types.is_bool_dtype(series))


# The reference side's counts of each feature, by feature name: one reference compared with
# many current datasets (a monitoring backfill) is summarised once. Only valid for one
# reference frame: whoever holds it keeps it beside that frame.
ReferenceSummaries = MutableMapping[str, Any]


def feature_drift(reference: pd.Series, current: pd.Series,
                  summaries: ReferenceSummaries | None = None) -> dict[str, Any]:
    from charter.evidence.figures import (
        DistinctCounts,
        categorical_drift_figures,
        distinct_gaps,
        numeric_drift_figures,
    )

    if is_numeric(reference) != is_numeric(current):
        kinds = ["numeric" if is_numeric(s) else f"text ({s.dtype})" for s in (reference,
                                                                                 current)]
        raise InputError("wrong-dtype", f"column {reference.name!r} is {kinds[0]} in the "
                         f"reference data but {kinds[1]} in the current data")
    summaries = {} if summaries is None else summaries
    key = str(reference.name)
    if is_numeric(reference):
        if key not in summaries:
            summaries[key] = DistinctCounts.of(reference.to_numpy(dtype=float))
        return numeric_drift_figures(summaries[key],
                                     DistinctCounts.of(current.to_numpy(dtype=float)),
                                     distinct_gaps)
    if key not in summaries:
        summaries[key] = value_counts(reference)
    return categorical_drift_figures(*aligned_counts(summaries[key], value_counts(current)))


def drift_report(reference: pd.DataFrame, current: pd.DataFrame, features: Sequence[str],
                 threshold: float = DEFAULT_PSI_THRESHOLD,
                 summaries: ReferenceSummaries | None = None) -> dict[str, Any]:
    """`summaries`, when given, keeps the reference's counts for the next call with the same
    reference frame."""
    from charter.evidence.figures import drift_summary

    return drift_summary({name: feature_drift(reference[name], current[name], summaries)
                          for name in features}, threshold)
