"""Permutation importance of the features on the evaluation data, for the dossier.

Deterministic: a fixed seed, 5 repeats, on at most 5,000 rows: beyond that, the rows of
`figures.importance_sample` (a seeded hash of each row's position), the same rows whichever
backend reads the data (whole, streamed or Spark).
Scored by ROC AUC for binary classifiers, accuracy for other classifiers, R² for regressors.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

TOP = 10
REPEATS = 5
MAX_ROWS = 5000
SEED = 0


def permutation_top(estimator: Any, frame: pd.DataFrame, features: Sequence[str], target: str,
                    task: str, scores: bool, plain: bool = False) -> list[dict[str, Any]]:
    """`scores`: a binary classifier with probabilities, ranked by ROC AUC. `plain`: always
    scikit-learn's permutation_importance, the twin the tests compare with."""
    if len(frame) > MAX_ROWS:  # the rows every backend draws (figures.importance_sample)
        from charter.evidence.figures import importance_sample

        frame = frame.iloc[importance_sample(len(frame), MAX_ROWS)].reset_index(drop=True)
    sample = frame
    scoring = "r2" if task == "regression" else ("roc_auc" if scores else "accuracy")
    inputs, truth = sample[list(features)], sample[target]
    found = None if plain or scoring != "roc_auc" else _auc_importances(estimator, inputs,
                                                                          truth)
    if found is None:
        from sklearn.inspection import permutation_importance

        result = permutation_importance(estimator, inputs, truth, scoring=scoring,
                                        n_repeats=REPEATS, random_state=SEED)
        found = result.importances_mean, result.importances_std
    rows = sorted(
        ((round(float(mean), 6), round(float(std), 6), str(name)) for name, mean, std in zip(
            features, *found, strict=True)),
        key=lambda r: (-r[0], r[2]))
    return [{"feature": name, "mean": mean, "std": std, "scoring": scoring}
            for mean, std, name in rows[:TOP]]


def _auc_importances(estimator: Any, inputs: pd.DataFrame, truth: pd.Series
                     ) -> tuple[np.ndarray, np.ndarray] | None:
    """scikit-learn's permutation_importance(scoring="roc_auc") with the same permutations
    (its seeding and shuffles, repeated here), each permuted frame scored by the AUC of
    pair counts instead of its scorer's checks. None where the scorer would decide
    differently: then scikit-learn is asked."""
    import numpy as np
    from sklearn.base import is_classifier
    from sklearn.utils.multiclass import type_of_target

    labels = np.unique(np.asarray(truth))
    if not is_classifier(estimator) or type_of_target(estimator.classes_) != "binary" or \
            type_of_target(truth) != "binary" or len(labels) != 2:
        return None
    positive = (np.asarray(truth) == labels[1]).astype(int)
    baseline = _auc(estimator, inputs, positive)
    if baseline is None:
        return None
    seed = np.random.RandomState(SEED).randint(np.iinfo(np.int32).max + 1)
    permuted_scores = []
    for column in range(inputs.shape[1]):
        state = np.random.RandomState(seed)
        permuted = inputs.copy()
        order = np.arange(permuted.shape[0])
        scores = []
        for _ in range(REPEATS):
            state.shuffle(order)
            values = permuted.iloc[order, column]
            values.index = permuted.index
            permuted[permuted.columns[column]] = values
            score = _auc(estimator, permuted, positive)
            if score is None:
                return None
            scores.append(score)
        permuted_scores.append(scores)
    importances = baseline - np.array(permuted_scores)
    return np.mean(importances, axis=1), np.std(importances, axis=1)


def _auc(estimator: Any, inputs: pd.DataFrame, positive: np.ndarray) -> float | None:
    """The scorer's response: decision_function where the estimator has one (its sign is
    for the last class), else the last class's probability."""
    import numpy as np

    from charter.evidence.ordered import roc_auc

    if hasattr(estimator, "decision_function"):
        score = np.asarray(estimator.decision_function(inputs))
    else:
        score = np.asarray(estimator.predict_proba(inputs))
        score = score[:, -1] if score.ndim == 2 and score.shape[1] == 2 else score
    if score.ndim != 1 or score.dtype.kind != "f" or not np.all(np.isfinite(score)):
        return None
    return roc_auc(positive, score)
