"""What evidence computes: every figure as a function of sufficient statistics.

Each backend (pandas in memory, pandas streamed in batches, Spark) decides *how* to count;
this module alone decides *what* the counts mean, so the figures of every backend are one
definition. The statistics are counts and sums that merge by addition (or, for drift, answers
to a few questions a backend can answer without gathering the rows: order statistics at given
ranks, rows per bin, the largest gaps between two empirical distribution functions).

The figures equal scikit-learn's, scipy's and numpy's (tests compare them on generated data):
- label metrics from the confusion counts, with scikit-learn's formulas (zero_division=0);
- ROC AUC from twice the number of (positive, negative) pairs the score orders correctly, a
  tie counting one (exact: integers until the last division);
- log loss and Brier score from sums over rows; R², MAE and RMSE from sums and the target's
  centred sum of squares;
- fairness from grouped confusion counts; PSI from bin counts, KS from the two empirical
  distribution functions, chi-square from category counts.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    import numpy as np

BINS = 10
EMPTY_BIN_SHARE = 1e-4
# scipy's ks_2samp computes an exact p-value up to this sample size and the asymptotic one
# above it; up to it the backends hand over the (few) values and scipy is asked directly.
KS_EXACT_LIMIT = 10_000
MISSING_GROUP = "<missing>"
FLOAT_EPS = 2.220446049250313e-16  # numpy.finfo(float64).eps: log loss clips to it


# --- classification and regression --------------------------------------------------------

@dataclass(frozen=True)
class BinaryStats:
    """Counts of a binary classifier on n rows (positive class 1)."""
    tp: int
    fp: int
    fn: int
    tn: int
    # Twice the number of (positive, negative) pairs whose positive scores higher, a tie
    # counting one; None without scores.
    pairs_twice: int | None = None
    # Sums over rows of -log(clipped probability of the row's class) and (truth - score)^2;
    # None without scores in [0, 1].
    log_loss_sum: float | None = None
    brier_sum: float | None = None

    @property
    def rows(self) -> int:
        return self.tp + self.fp + self.fn + self.tn


@dataclass(frozen=True)
class RegressionStats:
    rows: int
    truth_centred_squares: float  # sum of (y - mean y)^2
    absolute_error_sum: float
    squared_error_sum: float


def binary_figures(s: BinaryStats) -> dict[str, float | None]:
    positives, negatives = s.tp + s.fn, s.fp + s.tn
    rows = s.rows
    f1_denominator = 1.0 * (s.tp + s.fn) + (s.tp + s.fp)
    out: dict[str, float | None] = {
        "accuracy": (s.tp + s.tn) / rows if rows else None,
        "precision": s.tp / (s.tp + s.fp) if s.tp + s.fp else 0.0,
        "recall": s.tp / (s.tp + s.fn) if s.tp + s.fn else 0.0,
        "f1": 2.0 * s.tp / f1_denominator if f1_denominator else 0.0,
        "roc_auc": None, "log_loss": None, "brier": None,
    }
    if s.pairs_twice is not None and positives and negatives:
        out["roc_auc"] = s.pairs_twice / (2 * positives * negatives)
    if s.log_loss_sum is not None and rows:
        out["log_loss"] = s.log_loss_sum / rows
    if s.brier_sum is not None and rows:
        out["brier"] = s.brier_sum / rows
    return out


def regression_figures(s: RegressionStats) -> dict[str, float | None]:
    if not s.rows:
        return {"r2": None, "mae": None, "rmse": None}
    return {"r2": _r2(s), "mae": s.absolute_error_sum / s.rows,
            "rmse": math.sqrt(s.squared_error_sum / s.rows)}


def _r2(s: RegressionStats) -> float | None:
    """scikit-learn's r2_score (force_finite): 1 for a perfect fit of a constant target, 0
    for an imperfect one; undefined for fewer than two rows."""
    if s.rows < 2:
        return None
    if s.truth_centred_squares == 0:
        return 1.0 if s.squared_error_sum == 0 else 0.0
    if s.squared_error_sum == 0:
        return 1.0
    return 1 - s.squared_error_sum / s.truth_centred_squares


def selected_metrics(figures: Mapping[str, float | None], names: Sequence[str]
                     ) -> dict[str, float]:
    """The finite figures among `names`, in their order, rounded to 6 decimals."""
    out: dict[str, float] = {}
    for name in names:
        value = figures.get(name)
        if value is not None and math.isfinite(value):
            out[name] = round(float(value), 6)
    return out


# --- statistics of arrays in memory (the pandas backends' counting) ------------------------

def binary_stats(truth: np.ndarray, predicted: np.ndarray, score: np.ndarray | None
                 ) -> BinaryStats:
    import numpy as np

    codes = 2 * np.asarray(truth, dtype=np.int64) + np.asarray(predicted, dtype=np.int64)
    tn, fp, fn, tp = (int(c) for c in np.bincount(codes, minlength=4)[:4])
    if score is None:
        return BinaryStats(tp, fp, fn, tn)
    score = np.asarray(score, dtype=float)
    probabilities = bool(np.all(score >= 0.0) and np.all(score <= 1.0))
    return BinaryStats(tp, fp, fn, tn, pairs_twice=score_pairs_twice(*score_counts(
        truth, score)) if np.all(np.isfinite(score)) else None,
        log_loss_sum=log_loss_sum(truth, score) if probabilities else None,
        brier_sum=float(np.sum((truth - score) ** 2)) if probabilities else None)


def log_loss_sum(truth: np.ndarray, score: np.ndarray) -> float:
    import numpy as np

    chance = np.clip(np.where(truth == 1, score, 1 - score), FLOAT_EPS, 1 - FLOAT_EPS)
    return float(-np.sum(np.log(chance)))


def score_counts(truth: np.ndarray, score: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each distinct score in ascending order, with its positive and negative rows."""
    import numpy as np

    values, inverse = np.unique(score, return_inverse=True)
    positives = np.bincount(inverse, weights=truth, minlength=len(values)).astype(np.int64)
    rows = np.bincount(inverse, minlength=len(values)).astype(np.int64)
    return values, positives, rows - positives


def score_pairs_twice(values: np.ndarray, positives: np.ndarray, negatives: np.ndarray) -> int:
    """Twice the correctly ordered (positive, negative) pairs, from per-score counts in
    ascending order of score: each positive beats the negatives below its score and ties
    with those at it."""
    import numpy as np

    below = np.cumsum(negatives) - negatives
    return int(np.sum(positives * (2 * below + negatives), dtype=np.int64)) \
        if len(values) else 0


def regression_stats(truth: np.ndarray, predicted: np.ndarray) -> RegressionStats:
    import numpy as np

    truth = np.asarray(truth, dtype=float)
    error = truth - np.asarray(predicted, dtype=float)
    centred = float(np.sum((truth - truth.mean()) ** 2)) if truth.size else 0.0
    return RegressionStats(int(truth.size), centred, float(np.sum(np.abs(error))),
                           float(np.sum(error ** 2)))


def merge_regression(parts: Sequence[tuple[int, float, float, float, float]]
                     ) -> RegressionStats:
    """Per-part (rows, mean of y, centred squares of y, |error| sum, error^2 sum) combined
    with Chan's pairwise formula, which stays exact where sum(y^2) - n mean^2 would not."""
    rows, mean, centred, absolute, squared = 0, 0.0, 0.0, 0.0, 0.0
    for n, m, c, a, s in parts:
        if not n:
            continue
        total = rows + n
        delta = m - mean
        centred += c + delta * delta * rows * n / total
        mean += delta * n / total
        rows = total
        absolute += a
        squared += s
    return RegressionStats(rows, centred, absolute, squared)


# --- the permutation-importance sample of the streamed and distributed backends ------------

IMPORTANCE_SAMPLE_SEED = 0
_CHUNK = 1 << 22


def importance_sample(rows: int, size: int, seed: int = IMPORTANCE_SAMPLE_SEED) -> np.ndarray:
    """Row positions of the sample: every row in file order up to `size` rows; else the
    `size` rows whose seeded hash (splitmix64) of their position is smallest, in the order of
    that hash. A function of the row count alone, so every backend draws the same rows
    without holding them all."""
    import numpy as np

    if rows <= size:
        return np.arange(rows, dtype=np.int64)
    best_keys = np.empty(0, dtype=np.uint64)
    best_rows = np.empty(0, dtype=np.int64)
    for start in range(0, rows, _CHUNK):
        positions = np.arange(start, min(rows, start + _CHUNK), dtype=np.int64)
        keys = np.concatenate([best_keys, _splitmix64(positions, seed)])
        positions = np.concatenate([best_rows, positions])
        keep = np.argpartition(keys, size - 1)[:size] if keys.size > size else \
            np.arange(keys.size)
        best_keys, best_rows = keys[keep], positions[keep]
    order = np.lexsort((best_rows, best_keys))
    return best_rows[order]


def _splitmix64(positions: np.ndarray, seed: int) -> np.ndarray:
    import numpy as np

    with np.errstate(over="ignore"):
        z = positions.astype(np.uint64) + np.uint64(0x9E3779B97F4A7C15) * np.uint64(seed + 1)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return z ^ (z >> np.uint64(31))


# --- fairness -------------------------------------------------------------------------------

@dataclass(frozen=True)
class GroupCounts:
    """Per group of a sensitive feature: rows, positives, predicted positives, true positives
    and correct predictions."""
    names: tuple[str, ...]
    count: tuple[int, ...]
    positives: tuple[int, ...]
    selected: tuple[int, ...]
    true_positives: tuple[int, ...]
    correct: tuple[int, ...]


def fairness_figures(c: GroupCounts) -> dict[str, Any]:
    raw: dict[str, dict[str, Any]] = {}
    for i, name in enumerate(c.names):
        negatives = c.count[i] - c.positives[i]
        raw[name] = {
            "count": int(c.count[i]),
            "selection_rate": _ratio(c.selected[i], c.count[i]),
            "tpr": _ratio(c.true_positives[i], c.positives[i]),
            "fpr": _ratio(c.selected[i] - c.true_positives[i], negatives),
            "accuracy": _ratio(c.correct[i], c.count[i]),
        }
    groups = {name: {k: _round(v) if isinstance(v, float) else v for k, v in row.items()}
              for name, row in raw.items()}
    return {"groups": groups, **_fairness_summary(raw)}


def _fairness_summary(table: dict[str, dict[str, Any]]) -> dict[str, float | None]:
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


def group_names(values: Sequence[Any], float_valued: bool) -> list[str]:
    """Group labels as pandas gives them: values in their sorted order, as text (an integer
    column with missing values is read as floats, so its groups read "1.0")."""
    return [str(float(v)) if float_valued else str(v) for v in values]


# --- drift ----------------------------------------------------------------------------------

class NumericColumn(Protocol):
    """A backend's view of one numeric column: what drift asks of it."""

    present: int  # rows with a value (not missing, not NaN)
    missing: int

    def order_statistics(self, ranks: Sequence[int]) -> list[float]:
        """The values at these 0-based ranks of the ascending present values."""
        ...

    def bin_counts(self, cuts: np.ndarray) -> np.ndarray:
        """Present rows per bin: below cuts[0], [cuts[0], cuts[1]), ..., at or above the last
        (a value equal to a cut point falls in the upper bin)."""
        ...

    def values(self) -> np.ndarray:
        """The present values in ascending order (only asked of small columns)."""
        ...


# The largest F1 - F2 and the largest F2 - F1 over every value of either column, where F is a
# column's empirical distribution function (count at or below the value / present rows).
GapFinder = Callable[[Any, Any], tuple[float, float]]


def psi_from_counts(reference: np.ndarray, current: np.ndarray) -> float:
    import numpy as np

    r = np.maximum(reference / max(reference.sum(), 1), EMPTY_BIN_SHARE)
    c = np.maximum(current / max(current.sum(), 1), EMPTY_BIN_SHARE)
    return float(np.sum((c - r) * np.log(c / r)))


def quantile_ranks(present: int) -> list[int]:
    """The ranks numpy's linear quantiles at the inner deciles read."""
    below, above, _ = _decile_positions(present)
    return sorted(set(below.tolist()) | set(above.tolist()))


def _decile_positions(present: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    import numpy as np

    # np.quantile(values, q, method="linear"): virtual index (n - 1) q, its floor and the
    # next index clipped to the last, interpolated by the fractional part.
    quantiles = np.linspace(0, 1, BINS + 1)[1:-1]
    virtual = (present - 1) * quantiles
    below = np.floor(virtual)
    above = below + 1
    last = virtual >= present - 1
    below[last] = present - 1
    above[last] = present - 1
    gamma = virtual - np.floor(virtual)
    return below.astype(np.int64), above.astype(np.int64), gamma


def decile_cuts(column: NumericColumn) -> np.ndarray:
    """Inner cut points at the reference deciles (numpy's linear quantiles), deduplicated."""
    import numpy as np

    if not column.present:
        return np.array([])
    below, above, gamma = _decile_positions(column.present)
    ranks = quantile_ranks(column.present)
    found = dict(zip(ranks, column.order_statistics(ranks), strict=True))
    a = np.array([found[int(r)] for r in below], dtype=float)
    b = np.array([found[int(r)] for r in above], dtype=float)
    difference = b - a
    cuts = np.where(gamma >= 0.5, b - difference * (1 - gamma), a + difference * gamma)
    return np.unique(cuts)


def numeric_drift_figures(reference: NumericColumn, current: NumericColumn,
                          gaps: GapFinder) -> dict[str, Any]:
    import numpy as np

    cuts = decile_cuts(reference)
    psi = psi_from_counts(np.append(reference.bin_counts(cuts), reference.missing),
                          np.append(current.bin_counts(cuts), current.missing))
    ks, pvalue = (ks_test(reference, current, gaps) if reference.present and current.present
                  else (None, None))
    return {"kind": "numeric", "psi": _round(psi), "ks": _round(ks),
            "ks_pvalue": _round(pvalue, 10)}


def ks_test(first: NumericColumn, second: NumericColumn, gaps: GapFinder
            ) -> tuple[float, float]:
    """scipy.stats.ks_2samp(first, second) (two-sided, method auto)."""
    import numpy as np
    from scipy.stats import ks_2samp, kstwo

    n1, n2 = first.present, second.present
    if max(n1, n2) <= KS_EXACT_LIMIT:
        test = ks_2samp(first.values(), second.values())
        return float(test.statistic), float(test.pvalue)
    rise, fall = gaps(first, second)
    smallest = float(np.clip(fall, 0, 1))
    statistic = smallest if smallest > rise else rise
    m, n = sorted([float(n1), float(n2)], reverse=True)
    pvalue = np.clip(kstwo.sf(statistic, np.round(m * n / (m + n))), 0, 1)
    return float(statistic), float(pvalue)


def categorical_drift_figures(reference: np.ndarray, current: np.ndarray) -> dict[str, Any]:
    """From the rows per category (the same categories, sorted, in both)."""
    import numpy as np
    from scipy.stats import chi2_contingency

    psi = psi_from_counts(reference, current)
    if len(reference) < 2:
        chi2, pvalue = 0.0, 1.0
    else:
        statistic, p, _, _ = chi2_contingency(np.vstack([reference, current]))
        chi2, pvalue = float(statistic), float(p)
    return {"kind": "categorical", "psi": _round(psi), "chi2": _round(chi2),
            "chi2_pvalue": _round(pvalue, 10)}


def drift_summary(table: dict[str, dict[str, Any]], threshold: float) -> dict[str, Any]:
    for row in table.values():
        row["drifted"] = row["psi"] > threshold
    drifted = sum(row["drifted"] for row in table.values())
    return {"features": table, "psi_threshold": threshold,
            "drifted_features": [name for name, row in table.items() if row["drifted"]],
            "share_drifted": _round(drifted / len(table)) if table else 0.0,
            "max_psi": max((row["psi"] for row in table.values()), default=0.0)}


@dataclass
class DistinctCounts:
    """A numeric column as its distinct present values (ascending) and their rows: the
    pandas backends' NumericColumn, merged batch by batch when streaming."""
    distinct: np.ndarray
    counts: np.ndarray
    missing: int = 0
    present: int = field(init=False)

    def __post_init__(self) -> None:
        self.present = int(self.counts.sum())

    @classmethod
    def of(cls, values: np.ndarray) -> DistinctCounts:
        import numpy as np

        values = np.asarray(values, dtype=float)
        absent = np.isnan(values)
        distinct, counts = np.unique(values[~absent], return_counts=True)
        return cls(distinct, counts.astype(np.int64), int(absent.sum()))

    def merged(self, other: DistinctCounts) -> DistinctCounts:
        import numpy as np

        distinct, inverse = np.unique(np.concatenate([self.distinct, other.distinct]),
                                      return_inverse=True)
        counts = np.bincount(inverse, weights=np.concatenate([self.counts, other.counts]),
                             minlength=len(distinct)).astype(np.int64)
        return DistinctCounts(distinct, counts, self.missing + other.missing)

    def order_statistics(self, ranks: Sequence[int]) -> list[float]:
        import numpy as np

        ends = np.cumsum(self.counts)
        return [float(self.distinct[int(np.searchsorted(ends, r, side="right"))])
                for r in ranks]

    def bin_counts(self, cuts: np.ndarray) -> np.ndarray:
        import numpy as np

        ends = np.concatenate([[0], np.cumsum(self.counts)])
        below = ends[np.searchsorted(self.distinct, cuts, side="left")]
        return np.diff(below, prepend=0, append=self.present)

    def values(self) -> np.ndarray:
        import numpy as np

        return np.repeat(self.distinct, self.counts)


def distinct_gaps(first: DistinctCounts, second: DistinctCounts) -> tuple[float, float]:
    """The largest F1 - F2 and F2 - F1 over every value either side holds. Each side's
    distribution function at its own values is its running count; only the other side's is
    searched, so no union of the two is sorted (the same floats as evaluating both on it)."""
    import numpy as np

    own_first = np.cumsum(first.counts) / first.present
    own_second = np.cumsum(second.counts) / second.present
    second_at_first = _at_or_below(second, first.distinct) / second.present
    first_at_second = _at_or_below(first, second.distinct) / first.present
    rise = max((own_first - second_at_first).max(), (first_at_second - own_second).max())
    fall = max((second_at_first - own_first).max(), (own_second - first_at_second).max())
    return float(rise), float(fall)


def _at_or_below(column: DistinctCounts, points: np.ndarray) -> np.ndarray:
    import numpy as np

    ends = np.concatenate([[0], np.cumsum(column.counts)])
    return ends[np.searchsorted(column.distinct, points, side="right")]


def _round(value: float | None, digits: int = 6) -> float | None:
    if value is None:
        return None
    return float(f"{value:.{digits}g}") if digits > 6 else round(float(value), digits)
