"""The figures from sufficient statistics equal scikit-learn's, scipy's and numpy's."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import chi2_contingency, ks_2samp
from sklearn import metrics

from charter.evidence import figures
from charter.evidence.drift import numeric_bins

SEEDS = range(6)


def scores(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    truth = (rng.random(n) < 0.3).astype(int)
    score = np.clip(rng.normal(0.3 + 0.3 * truth, 0.2), 0, 1).round(rng.integers(1, 4))
    predicted = (score >= 0.5).astype(int)
    return truth, predicted, score


@pytest.mark.parametrize("seed", SEEDS)
def test_binary_figures_are_scikit_learns(seed: int) -> None:
    rng = np.random.default_rng(seed)
    truth, predicted, score = scores(rng, int(rng.integers(2, 3000)))
    if len(set(truth)) < 2:
        truth[0], truth[1] = 0, 1
    found = figures.binary_figures(figures.binary_stats(truth, predicted, score))
    expected = {
        "accuracy": metrics.accuracy_score(truth, predicted),
        "precision": metrics.precision_score(truth, predicted, zero_division=0),
        "recall": metrics.recall_score(truth, predicted, zero_division=0),
        "f1": metrics.f1_score(truth, predicted, zero_division=0),
        "roc_auc": metrics.roc_auc_score(truth, score),
        "log_loss": metrics.log_loss(truth, score, labels=[0, 1]),
        "brier": metrics.brier_score_loss(truth, score),
    }
    assert found == pytest.approx(expected, abs=1e-9, rel=0)


def test_a_single_class_has_no_auc_and_counts_add_up() -> None:
    truth = np.zeros(4, dtype=int)
    stats = figures.binary_stats(truth, np.array([0, 1, 0, 0]), np.array([.1, .6, .2, .2]))
    assert figures.binary_figures(stats)["roc_auc"] is None
    assert (stats.tp, stats.fp, stats.fn, stats.tn) == (0, 1, 0, 3)


@pytest.mark.parametrize("seed", SEEDS)
def test_regression_figures_merged_from_parts_are_scikit_learns(seed: int) -> None:
    rng = np.random.default_rng(seed)
    truth = rng.normal(1e6, 3.0, 5000)  # a large mean: sum(y^2) - n mean^2 would lose it
    predicted = truth + rng.normal(0, 1.5, truth.size)
    parts = []
    for chunk in np.array_split(np.arange(truth.size), 7):
        y, p = truth[chunk], predicted[chunk]
        one = figures.regression_stats(y, p)
        parts.append((one.rows, float(y.mean()), one.truth_centred_squares,
                      one.absolute_error_sum, one.squared_error_sum))
    merged = figures.regression_figures(figures.merge_regression(parts))
    whole = figures.regression_figures(figures.regression_stats(truth, predicted))
    expected = {"r2": metrics.r2_score(truth, predicted),
                "mae": metrics.mean_absolute_error(truth, predicted),
                "rmse": np.sqrt(metrics.mean_squared_error(truth, predicted))}
    assert whole == pytest.approx(expected, abs=1e-9, rel=0)
    assert merged == pytest.approx(expected, abs=1e-9, rel=0)


def test_r2_of_a_constant_target_follows_scikit_learn() -> None:
    for predicted in ([2.0, 2.0, 2.0], [2.0, 2.5, 2.0]):
        stats = figures.regression_stats(np.array([2.0, 2.0, 2.0]), np.array(predicted))
        assert figures.regression_figures(stats)["r2"] == metrics.r2_score([2, 2, 2], predicted)


@pytest.mark.parametrize("n", [1, 2, 3, 7, 10, 11, 19, 101, 997, 12_345])
def test_decile_cuts_from_order_statistics_are_numpys(n: int) -> None:
    rng = np.random.default_rng(n)
    values = rng.normal(0, 1, n).round(int(rng.integers(0, 3)))
    counts = figures.DistinctCounts.of(np.append(values, [np.nan, np.nan]))
    assert counts.missing == 2
    assert np.array_equal(figures.decile_cuts(counts), numeric_bins(values))


@pytest.mark.parametrize("seed", SEEDS)
def test_distinct_counts_merged_by_batch_equal_the_whole_column(seed: int) -> None:
    rng = np.random.default_rng(seed)
    values = rng.integers(0, 50, 4000).astype(float)
    values[rng.random(values.size) < 0.05] = np.nan
    whole = figures.DistinctCounts.of(values)
    merged = figures.DistinctCounts.of(values[:0])
    for batch in np.array_split(values, 9):
        merged = merged.merged(figures.DistinctCounts.of(batch))
    assert np.array_equal(merged.distinct, whole.distinct)
    assert np.array_equal(merged.counts, whole.counts)
    assert merged.missing == whole.missing
    cuts = figures.decile_cuts(whole)
    plain = np.bincount(np.searchsorted(cuts, values[~np.isnan(values)], side="right"),
                        minlength=cuts.size + 1)
    assert np.array_equal(merged.bin_counts(cuts), plain)


@pytest.mark.parametrize("sizes", [(300, 500), (12_000, 15_000)])
def test_ks_from_the_two_distribution_functions_is_scipys(sizes: tuple[int, int]) -> None:
    rng = np.random.default_rng(sum(sizes))
    first = rng.normal(0, 1, sizes[0]).round(2)
    second = rng.normal(0.05, 1.1, sizes[1]).round(2)
    found = figures.ks_test(figures.DistinctCounts.of(first), figures.DistinctCounts.of(second),
                            figures.distinct_gaps)
    test = ks_2samp(first, second)
    assert found == pytest.approx((test.statistic, test.pvalue), abs=1e-9, rel=0)


def test_chi_square_and_psi_from_category_counts() -> None:
    reference, current = np.array([50.0, 30.0, 20.0]), np.array([40.0, 30.0, 0.0])
    found = figures.categorical_drift_figures(reference, current)
    statistic, pvalue, _, _ = chi2_contingency(np.vstack([reference, current]))
    shares = [np.maximum(c / c.sum(), 1e-4) for c in (reference, current)]
    psi = float(np.sum((shares[1] - shares[0]) * np.log(shares[1] / shares[0])))
    assert found["chi2"] == pytest.approx(statistic, abs=1e-6)
    assert found["chi2_pvalue"] == pytest.approx(pvalue, abs=1e-9)
    assert found["psi"] == pytest.approx(psi, abs=1e-6)


def union_gaps(first: figures.DistinctCounts, second: figures.DistinctCounts
               ) -> tuple[float, float]:
    """Both distribution functions evaluated on the union of the two sides' values."""
    every = np.union1d(first.distinct, second.distinct)
    f1 = np.array([first.counts[first.distinct <= x].sum() for x in every]) / first.present
    f2 = np.array([second.counts[second.distinct <= x].sum() for x in every]) / second.present
    return float((f1 - f2).max()), float((f2 - f1).max())


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")  # inf - inf
@pytest.mark.parametrize("seed", range(40))
def test_ks_gaps_equal_the_distribution_functions_on_the_union(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n1, n2 = (int(n) for n in rng.integers(1, 400, 2))
    kind = seed % 4
    first, second = rng.normal(0, 1, n1), rng.normal(rng.normal(0, 0.5), 1, n2)
    if kind == 1:  # many ties, partly shared
        first, second = first.round(1), second.round(1)
    elif kind == 2:  # infinities and signed zeros
        first = rng.choice([-np.inf, -0.0, 0.0, 1.0, np.inf], n1)
        second = rng.choice([-np.inf, 0.0, 2.0], n2)
    elif kind == 3:  # one value on each side, the same one
        first, second = np.full(n1, 2.5), np.full(n2, 2.5)
    a, b = figures.DistinctCounts.of(first), figures.DistinctCounts.of(second)
    assert figures.distinct_gaps(a, b) == union_gaps(a, b)
    assert figures.distinct_gaps(b, a) == union_gaps(b, a)
