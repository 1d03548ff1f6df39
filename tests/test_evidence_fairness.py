"""Fairness numbers: hand-computed on a small frame, and equal to fairlearn's on a large one."""

from __future__ import annotations

import numpy as np
import pytest
from fairlearn.metrics import (
    MetricFrame,
    demographic_parity_difference,
    demographic_parity_ratio,
    equalized_odds_difference,
    false_positive_rate,
    selection_rate,
    true_positive_rate,
)
from sklearn.metrics import accuracy_score

from charter.evidence.fairness import fairness_table


def test_small_frame_by_hand() -> None:
    truth = [1, 1, 0, 0, 1, 0, 0, 0]
    predicted = [1, 0, 1, 0, 1, 1, 1, 0]
    groups = ["A"] * 4 + ["B"] * 4
    table = fairness_table(np.array(truth), np.array(predicted), groups)
    assert table["groups"]["A"] == {"count": 4, "selection_rate": 0.5, "tpr": 0.5, "fpr": 0.5,
                                    "accuracy": 0.5}
    assert table["groups"]["B"] == {"count": 4, "selection_rate": 0.75, "tpr": 1.0,
                                    "fpr": pytest.approx(2 / 3, abs=1e-6), "accuracy": 0.5}
    assert table["demographic_parity_difference"] == 0.25
    assert table["demographic_parity_ratio"] == pytest.approx(0.5 / 0.75, abs=1e-6)
    assert table["equalized_odds_difference"] == 0.5  # TPR range 0.5 > FPR range 1/6


def test_a_group_without_positives_has_no_tpr_and_missing_values_form_a_group() -> None:
    table = fairness_table(np.array([0, 0, 1, 0]), np.array([1, 0, 1, 0]),
                           ["A", "A", "B", None])
    assert table["groups"]["A"]["tpr"] is None
    assert table["groups"]["<missing>"]["count"] == 1
    assert table["equalized_odds_difference"] == 0.5  # FPR: A 0.5, B undefined, missing 0


def test_matches_fairlearn_on_random_data() -> None:
    rng = np.random.default_rng(7)
    n = 20_000
    groups = rng.choice(["a", "b", "c", "d"], n, p=[0.4, 0.3, 0.2, 0.1])
    truth = (rng.random(n) < np.where(groups == "a", 0.3, 0.2)).astype(int)
    predicted = (rng.random(n) < np.where(truth == 1, 0.7, 0.1) +
                 np.where(groups == "d", 0.1, 0.0)).astype(int)
    ours = fairness_table(truth, predicted, groups)
    frame = MetricFrame(metrics={"selection_rate": selection_rate, "tpr": true_positive_rate,
                                 "fpr": false_positive_rate, "accuracy": accuracy_score},
                        y_true=truth, y_pred=predicted, sensitive_features=groups)
    for group, row in frame.by_group.iterrows():
        for metric in ("selection_rate", "tpr", "fpr", "accuracy"):
            assert ours["groups"][group][metric] == pytest.approx(row[metric], abs=1e-6)
    assert ours["demographic_parity_difference"] == pytest.approx(
        demographic_parity_difference(truth, predicted, sensitive_features=groups), abs=1e-6)
    assert ours["demographic_parity_ratio"] == pytest.approx(
        demographic_parity_ratio(truth, predicted, sensitive_features=groups), abs=1e-6)
    assert ours["equalized_odds_difference"] == pytest.approx(
        equalized_odds_difference(truth, predicted, sensitive_features=groups), abs=1e-6)


@pytest.mark.parametrize("kind", ["text", "numbers", "floats", "flags", "mixed"])
def test_a_column_gives_the_groups_its_values_give(kind: str) -> None:
    """The evaluation passes the column as read (text held by pyarrow): the same table as
    the column's values as Python objects."""
    import io

    import pandas as pd

    rng = np.random.default_rng(3)
    n = 3000
    values = {"text": rng.choice(["b", "a", "é", "Z", "", "10"], n),
              "numbers": rng.choice(["1", "2", "30"], n), "floats": rng.choice(["0.5", "2"], n),
              "flags": rng.choice(["True", "False"], n), "mixed": rng.choice(["1", "x"], n)}[kind]
    cells = np.where(rng.random(n) < 0.05, "", values)
    text = "g,y\n" + "".join(f"{c},{i % 2}\n" for i, c in enumerate(cells))
    column = pd.read_csv(io.StringIO(text), low_memory=False)["g"]
    truth = (rng.random(n) < 0.4).astype(int)
    predicted = (rng.random(n) < 0.5).astype(int)
    assert fairness_table(truth, predicted, column) == fairness_table(truth, predicted,
                                                                      column.to_numpy())
