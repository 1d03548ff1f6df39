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

from charter.evidence.figures import MISSING_GROUP, GroupCounts, fairness_figures

if TYPE_CHECKING:
    import numpy as np


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

    def total(weights: np.ndarray | None = None) -> tuple[int, ...]:
        return tuple(int(c) for c in np.bincount(codes, weights=weights, minlength=k))

    return fairness_figures(GroupCounts(tuple(names), total(), total(truth), total(predicted),
                                        total(truth * predicted),
                                        total((truth == predicted).astype(np.int64))))
