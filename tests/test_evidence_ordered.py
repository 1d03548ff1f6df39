"""Figures read off sorted arrays equal the plain computations (numpy bins, scipy, sklearn).

Generated data with missing values, ties, infinities, signed zeros, a single value and a
single class, on both sides of scipy's exact/asymptotic KS switch.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from scipy.stats import ks_2samp
from sklearn.metrics import roc_auc_score

from charter.evidence.drift import _round, numeric_bins, numeric_drift, psi_from_counts
from charter.evidence.ordered import (
    KS_EXACT_LIMIT,
    bin_counts,
    ks_two_sample,
    present_sorted,
    roc_auc,
)


def plain_counts(values: np.ndarray, cuts: np.ndarray) -> np.ndarray:
    """Each value's bin found on its own; missing values in a bin of their own."""
    missing = int(np.isnan(values).sum())
    counts = np.bincount(np.searchsorted(cuts, values, side="right"), minlength=len(cuts) + 1)
    counts[-1] -= missing  # NaN sorts after every number: searchsorted put it last
    return np.append(counts, missing)


def plain_numeric_drift(reference: np.ndarray, current: np.ndarray) -> dict[str, Any]:
    cuts = numeric_bins(reference)
    psi = psi_from_counts(plain_counts(reference, cuts), plain_counts(current, cuts))
    ref, cur = reference[~np.isnan(reference)], current[~np.isnan(current)]
    ks = pvalue = None
    if ref.size and cur.size:
        test = ks_2samp(ref, cur)
        ks, pvalue = float(test.statistic), float(test.pvalue)
    return {"kind": "numeric", "psi": _round(psi), "ks": _round(ks),
            "ks_pvalue": _round(pvalue, 10)}


def sample(rng: np.random.Generator, n: int, kind: str, shift: float = 0.0) -> np.ndarray:
    if kind == "continuous":
        values = rng.normal(shift, 1.0, n)
    elif kind == "ties":
        values = rng.normal(shift, 1.0, n).round(1)
    elif kind == "integers":
        values = rng.poisson(3 + shift, n).astype(float)
    elif kind == "constant":
        values = np.full(n, 2.5)
    else:  # "odd": infinities, signed zeros, two values
        values = rng.choice([-np.inf, -0.0, 0.0, 1.0, np.inf], n, p=[.05, .3, .3, .3, .05])
    missing = rng.random(n) < (0.1 if kind != "constant" else 0.0)
    values[missing] = np.nan
    return values


KINDS = ["continuous", "ties", "integers", "constant", "odd"]
SIZES = [(1, 1), (40, 7), (900, 1200), (KS_EXACT_LIMIT, KS_EXACT_LIMIT + 1), (12_000, 30_000)]


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")  # inf - inf
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(("n1", "n2"), SIZES)
def test_numeric_drift_equals_the_plain_computation(kind: str, n1: int, n2: int) -> None:
    rng = np.random.default_rng(n1 + n2)
    reference = sample(rng, n1, kind)
    current = sample(rng, n2, kind if kind != "constant" else "integers", shift=0.3)
    assert numeric_drift(reference, current) == plain_numeric_drift(reference, current)
    ref, ref_missing = present_sorted(reference)
    cur, cur_missing = present_sorted(current)
    cuts = numeric_bins(reference)
    assert np.array_equal(bin_counts(cur, cur_missing, cuts), plain_counts(current, cuts))
    assert np.array_equal(bin_counts(ref, ref_missing, cuts), plain_counts(reference, cuts))
    if ref.size and cur.size:  # unrounded: the same floats as scipy
        test = ks_2samp(ref, cur)
        assert ks_two_sample(ref, cur) == (float(test.statistic), float(test.pvalue))


def test_a_side_with_only_missing_values_has_no_ks() -> None:
    reference = np.array([1.0, 2.0, 3.0])
    current = np.full(4, np.nan)
    row = numeric_drift(reference, current)
    assert row == plain_numeric_drift(reference, current)
    assert row["ks"] is None and row["ks_pvalue"] is None


@pytest.mark.parametrize("seed", range(8))
def test_roc_auc_equals_scikit_learn(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 50_000))
    truth = (rng.random(n) < rng.uniform(0.05, 0.95)).astype(int)
    score = rng.random(n) * 0.5 + 0.5 * truth * rng.random(n)
    if seed % 2:  # many ties, and scores exactly 0 and 1
        score = np.clip(score.round(2) * 1.2 - 0.1, 0.0, 1.0)
    truth[:2] = [0, 1]
    assert roc_auc(truth, score) == pytest.approx(roc_auc_score(truth, score), abs=1e-12)


def test_roc_auc_of_a_single_class_is_undefined() -> None:
    assert roc_auc(np.zeros(5, dtype=int), np.linspace(0, 1, 5)) is None
    assert roc_auc(np.ones(5, dtype=int), np.linspace(0, 1, 5)) is None


def sklearn_metrics(truth: np.ndarray, score: np.ndarray) -> dict[str, float]:
    from sklearn.metrics import brier_score_loss, log_loss

    out = {"log_loss": log_loss(truth, score, labels=[0, 1]),
           "brier": brier_score_loss(truth, score)}
    if len(set(truth.tolist())) == 2:
        out["roc_auc"] = roc_auc_score(truth, score)
    return {k: round(float(v), 6) for k, v in out.items()}


@pytest.mark.parametrize("seed", range(10))
def test_score_metrics_equal_scikit_learn(seed: int) -> None:
    """Ties, scores of exactly 0 and 1 (log loss clips them), a single class (seed 0, 1)."""
    from charter.evidence.measure import Predictions, compute_metrics

    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 20_000))
    truth = (rng.random(n) < rng.uniform(0.05, 0.95)).astype(int) if seed > 1 else \
        np.full(n, seed)
    score = np.clip(rng.normal(0.3 + 0.4 * truth, 0.3), 0.0, 1.0)
    if seed % 3 == 0:
        score = score.round(1)
    predictions = Predictions("classification", truth, (score >= 0.5).astype(int), score)
    measured = compute_metrics(predictions, ["roc_auc", "log_loss", "brier"])
    assert measured == sklearn_metrics(truth, score)


def test_scores_outside_probabilities_go_to_scikit_learn() -> None:
    from charter.evidence.measure import Predictions, compute_metrics

    truth = np.array([0, 1, 1, 0])
    score = np.array([0.2, 1.5, 0.7, 0.1])
    with pytest.raises(ValueError, match="greater than 1"):
        compute_metrics(Predictions("classification", truth, truth, score), ["log_loss"])
    assert compute_metrics(Predictions("classification", truth, truth, score),
                           ["roc_auc"]) == {"roc_auc": 1.0}


IMPORTANCE_MODELS = {
    "logistic": "decision_function",
    "tree": "probabilities with many ties",
    "naive-bayes": "probabilities",
}


@pytest.mark.parametrize("labels", ["numbers", "text"])
@pytest.mark.parametrize("name", sorted(IMPORTANCE_MODELS))
def test_permutation_importance_equals_scikit_learn(name: str, labels: str) -> None:
    from sklearn.inspection import permutation_importance
    from sklearn.linear_model import LogisticRegression
    from sklearn.naive_bayes import GaussianNB
    from sklearn.tree import DecisionTreeClassifier

    from charter.evidence.importance import REPEATS, SEED, _auc_importances, permutation_top
    from evidence_helpers import FEATURES, frame, pipeline

    estimator = {"logistic": LogisticRegression(max_iter=500),
                 "tree": DecisionTreeClassifier(max_depth=3, random_state=0),
                 "naive-bayes": GaussianNB()}[name]
    model = pipeline(estimator, FEATURES)
    train, data = frame(600, 1), frame(6000, 2)  # above the 5,000-row sample
    if labels == "text":
        train["defaulted"] = np.where(train["defaulted"] == 1, "yes", "no")
        data["defaulted"] = np.where(data["defaulted"] == 1, "yes", "no")
    model.fit(train[FEATURES], train["defaulted"])
    fast = permutation_top(model, data, FEATURES, "defaulted", "classification", True)
    plain = permutation_top(model, data, FEATURES, "defaulted", "classification", True,
                            plain=True)
    assert fast == plain
    small = data.iloc[:700]
    found = _auc_importances(model, small[FEATURES], small["defaulted"])
    assert found is not None
    expected = permutation_importance(model, small[FEATURES], small["defaulted"],
                                      scoring="roc_auc", n_repeats=REPEATS, random_state=SEED)
    assert np.allclose(found[0], expected.importances_mean, rtol=0, atol=1e-12)
    assert np.allclose(found[1], expected.importances_std, rtol=0, atol=1e-12)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.UndefinedMetricWarning")
def test_permutation_importance_of_a_single_class_is_scikit_learns() -> None:
    """A sample of one class: the scorer decides (scikit-learn's figure or its error)."""
    from sklearn.linear_model import LogisticRegression

    from charter.evidence.importance import _auc_importances, permutation_top
    from evidence_helpers import FEATURES, frame, pipeline

    model = pipeline(LogisticRegression(max_iter=500), FEATURES)
    train = frame(600, 1)
    model.fit(train[FEATURES], train["defaulted"])
    data = frame(300, 2).assign(defaulted=0)
    assert _auc_importances(model, data[FEATURES], data["defaulted"]) is None
    outcomes = []
    for plain in (False, True):
        try:
            outcomes.append(permutation_top(model, data, FEATURES, "defaulted",
                                            "classification", True, plain=plain))
        except ValueError as exc:
            outcomes.append(str(exc))
    assert repr(outcomes[0]) == repr(outcomes[1])  # NaN figures (with a warning) today
