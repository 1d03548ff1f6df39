"""Statistics read off sorted arrays: one sort per column serves its bins, KS and AUC.

Each function gives the figure its plain counterpart gives (numpy's binning, scipy's
`ks_2samp`, scikit-learn's `roc_auc_score`); tests compare them on generated data. Counts are
integers until the last division, so the figures are exact where the plain ones are.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

# scipy's ks_2samp computes an exact p-value up to this sample size and the asymptotic one
# above it; below it, scipy is asked directly (the samples are small).
KS_EXACT_LIMIT = 10_000


def present_sorted(values: np.ndarray) -> tuple[np.ndarray, int]:
    """The non-missing values in ascending order, and how many values were missing."""
    import numpy as np

    missing = int(np.count_nonzero(np.isnan(values)))
    ordered = np.sort(values)  # NaN sorts last
    return ordered[:ordered.size - missing], missing


def bin_counts(ordered: np.ndarray, missing: int, cuts: np.ndarray) -> np.ndarray:
    """Rows per bin (a value equal to a cut point falls in the upper bin), then `missing`.

    Equal to counting each value's bin with `searchsorted(cuts, value, side="right")`: the
    rows below bin k's upper cut are the rows left of it in the sorted values."""
    import numpy as np

    edges = np.searchsorted(ordered, cuts, side="left")
    counts = np.diff(edges, prepend=0, append=ordered.size)
    return np.append(counts, missing)


def ks_two_sample(first: np.ndarray, second: np.ndarray) -> tuple[float, float]:
    """scipy.stats.ks_2samp(first, second) (two-sided, method auto) of sorted samples.

    scipy takes the largest gap between the two empirical distribution functions over every
    value of either sample; the gap F1 - F2 rises only where F1 steps (at a value of `first`)
    and falls only where F2 steps, so its largest value is at a value of `first` and its
    smallest at one of `second` (in floats too: count / n is monotone in the count). Each
    distinct value once: its count in its own sample is the end of its run of ties."""
    import numpy as np
    from scipy.stats import ks_2samp, kstwo

    n1, n2 = first.size, second.size
    if max(n1, n2) <= KS_EXACT_LIMIT:
        test = ks_2samp(first, second)
        return float(test.statistic), float(test.pvalue)
    ends1, ends2 = _run_ends(first), _run_ends(second)
    rises = (ends1 + 1) / n1 - np.searchsorted(second, first[ends1], side="right") / n2
    falls = np.searchsorted(first, second[ends2], side="right") / n1 - (ends2 + 1) / n2
    largest = rises.max()
    smallest = np.clip(-falls.min(), 0, 1)
    statistic = smallest if smallest > largest else largest
    m, n = sorted([float(n1), float(n2)], reverse=True)
    pvalue = np.clip(kstwo.sf(statistic, np.round(m * n / (m + n))), 0, 1)
    return float(statistic), float(pvalue)


def _run_ends(ordered: np.ndarray) -> np.ndarray:
    """Index of the last element of each run of equal values."""
    import numpy as np

    return np.append(np.flatnonzero(ordered[1:] != ordered[:-1]), ordered.size - 1)


def roc_auc(truth: np.ndarray, score: np.ndarray) -> float | None:
    """ROC AUC of 0/1 `truth` by finite `score` (None with a single class): the share of
    (positive, negative) pairs the score orders correctly, a tie counting one half."""
    import numpy as np

    positives = np.sort(score[truth == 1])
    negatives = np.sort(score[truth == 0])
    if not positives.size or not negatives.size:
        return None
    below = np.searchsorted(negatives, positives, side="left")
    up_to = np.searchsorted(negatives, positives, side="right")
    twice = int(below.sum(dtype=np.int64)) + int(up_to.sum(dtype=np.int64))
    return twice / (2 * positives.size * negatives.size)
