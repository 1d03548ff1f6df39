"""Permutation importance of the features on the evaluation data, for the dossier.

Deterministic: a fixed seed, 5 repeats, on at most 5,000 rows drawn with the same seed.
Scored by ROC AUC for binary classifiers, accuracy for other classifiers, R² for regressors.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

TOP = 10
REPEATS = 5
MAX_ROWS = 5000
SEED = 0


def permutation_top(estimator: Any, frame: pd.DataFrame, features: Sequence[str], target: str,
                    task: str, scores: bool) -> list[dict[str, Any]]:
    """`scores`: a binary classifier with probabilities, ranked by ROC AUC."""
    from sklearn.inspection import permutation_importance

    sample = frame.sample(n=MAX_ROWS, random_state=SEED) if len(frame) > MAX_ROWS else frame
    scoring = "r2" if task == "regression" else ("roc_auc" if scores else "accuracy")
    result = permutation_importance(estimator, sample[list(features)], sample[target],
                                    scoring=scoring, n_repeats=REPEATS, random_state=SEED)
    rows = sorted(
        ((round(float(mean), 6), round(float(std), 6), str(name)) for name, mean, std in zip(
            features, result.importances_mean, result.importances_std, strict=True)),
        key=lambda r: (-r[0], r[2]))
    return [{"feature": name, "mean": mean, "std": std, "scoring": scoring}
            for mean, std, name in rows[:TOP]]
