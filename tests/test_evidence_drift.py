"""Drift numbers: PSI by hand, KS and chi-square against scipy, the report's shape."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy.stats import chi2_contingency, ks_2samp

from charter.evidence.drift import (
    EMPTY_BIN_SHARE,
    categorical_drift,
    drift_report,
    numeric_bins,
    numeric_drift,
)
from charter.evidence.problems import InputError


def test_numeric_psi_by_hand() -> None:
    reference = np.arange(1, 11, dtype=float)  # one value in each decile bin
    current = np.array([1.0] * 5 + [10.0] * 5)  # half in the first bin, half in the last
    assert list(numeric_bins(reference)) == pytest.approx([1.9, 2.8, 3.7, 4.6, 5.5, 6.4, 7.3,
                                                           8.2, 9.1])
    floor = EMPTY_BIN_SHARE
    expected = 2 * (0.5 - 0.1) * math.log(0.5 / 0.1) + 8 * (floor - 0.1) * math.log(floor / 0.1)
    row = numeric_drift(reference, current)
    assert row["psi"] == pytest.approx(expected, abs=1e-6)  # 6.808...
    test = ks_2samp(reference, current)
    assert row["ks"] == pytest.approx(test.statistic, abs=1e-6)
    assert row["ks_pvalue"] == pytest.approx(test.pvalue, rel=1e-6)


def test_identical_data_has_no_drift_and_few_distinct_values_merge_bins() -> None:
    values = np.array([0.0] * 80 + [1.0] * 20)
    # deciles 0 (x7), 0.2, 1: duplicate cut points merge, 4 bins instead of 10
    assert list(numeric_bins(values)) == pytest.approx([0.0, 0.2, 1.0])
    assert numeric_drift(values, values)["psi"] == 0.0


def test_categorical_psi_by_hand_and_chi_square() -> None:
    reference = pd.Series(["a", "a", "b", "b"])
    current = pd.Series(["a", "a", "a", "b", "c"])  # c is new: its reference share is floored
    r = {"a": 0.5, "b": 0.5, "c": EMPTY_BIN_SHARE}
    c = {"a": 0.6, "b": 0.2, "c": 0.2}
    expected = sum((c[k] - r[k]) * math.log(c[k] / r[k]) for k in r)
    row = categorical_drift(reference, current)
    assert row["psi"] == pytest.approx(expected, abs=1e-6)
    statistic, pvalue, _, _ = chi2_contingency(np.array([[2, 2, 0], [3, 1, 1]]))
    assert row["chi2"] == pytest.approx(statistic, abs=1e-6)
    assert row["chi2_pvalue"] == pytest.approx(pvalue, rel=1e-6)


def test_report_counts_drifted_features_against_the_threshold() -> None:
    rng = np.random.default_rng(0)
    reference = pd.DataFrame({"x": rng.normal(0, 1, 5000), "y": rng.normal(0, 1, 5000),
                              "k": rng.choice(["u", "v"], 5000)})
    current = pd.DataFrame({"x": rng.normal(1.0, 1, 5000), "y": rng.normal(0, 1, 5000),
                            "k": rng.choice(["u", "v"], 5000)})
    report = drift_report(reference, current, ["x", "y", "k"], threshold=0.25)
    assert report["features"]["x"]["drifted"] is True
    assert report["features"]["y"]["drifted"] is False
    assert report["features"]["k"]["kind"] == "categorical"
    assert report["drifted_features"] == ["x"]
    assert report["share_drifted"] == pytest.approx(1 / 3, abs=1e-6)


def test_a_column_that_changes_type_is_bad_input() -> None:
    with pytest.raises(InputError, match="numeric in the reference data but text"):
        drift_report(pd.DataFrame({"x": [1.0, 2.0]}), pd.DataFrame({"x": ["a", "b"]}), ["x"])


def test_missing_values_form_their_own_bin() -> None:
    reference = np.array([1.0, 2.0, 3.0, 4.0])
    current = np.array([1.0, 2.0, np.nan, np.nan])
    row = numeric_drift(reference, current)
    # bins of the reference: 4 values in 4 bins of 0.25 (others empty); current: two of them
    # hold 0.25 each, and the missing bin holds 0.5 against a floored reference share
    floor = EMPTY_BIN_SHARE
    expected = 2 * (floor - 0.25) * math.log(floor / 0.25) + (0.5 - floor) * math.log(
        0.5 / floor)
    assert row["psi"] == pytest.approx(expected, abs=1e-6)


def test_reference_counts_kept_for_later_calls_give_what_a_fresh_call_gives() -> None:
    """Differential: one reference compared with several current datasets, its counts taken
    once and kept, against a fresh computation each time."""
    rng = np.random.default_rng(5)
    reference = pd.DataFrame({"x": rng.normal(0, 1, 3000).round(2),
                              "k": rng.choice(["u", "v", None], 3000)})
    summaries: dict[str, object] = {}
    for shift in (0.0, 0.3, 1.0):
        current = pd.DataFrame({"x": rng.normal(shift, 1, 2000).round(2),
                                "k": rng.choice(["u", "w"], 2000)})
        kept = drift_report(reference, current, ["x", "k"], summaries=summaries)
        assert kept == drift_report(reference, current, ["x", "k"])
    assert set(summaries) == {"x", "k"}
