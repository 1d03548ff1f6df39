"""Small pieces of evidence: the environment comparison, settings, metric computation."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import brier_score_loss, f1_score, log_loss, roc_auc_score

from charter.evidence.environment import compare_environment
from charter.evidence.measure import Predictions, compute_metrics
from charter.evidence.settings import EvidenceSettings


def test_environment_mismatches_are_named() -> None:
    assert compare_environment("1.5.2", "1.5.2", "1.5.2")["ok"] is True
    saved = compare_environment("1.4.0", "1.5.2", "1.5.2")
    assert saved["ok"] is False
    assert "saved with scikit-learn 1.4.0 but evaluated with 1.5.2" in saved["mismatches"]
    assert compare_environment("1.5.2", ">=1.5,<1.6", "1.5.2")["ok"] is True
    assert compare_environment(None, "1.4.0", "1.5.2")["ok"] is False


def test_settings_trust_no_pickle_without_a_base() -> None:
    inventory = {"settings": {"trusted_pickles": ["a" * 64], "metric_tolerance": 0.01}}
    assert EvidenceSettings.of(inventory).trusted_pickles == ("a" * 64,)
    assert EvidenceSettings.of(inventory, pickles=False).trusted_pickles == ()
    assert EvidenceSettings.of(None).metric_tolerance == 0.005


def test_classification_metrics_match_scikit_learn() -> None:
    truth = np.array([0, 1, 1, 0, 1, 0, 1, 1])
    score = np.array([0.1, 0.8, 0.6, 0.4, 0.3, 0.2, 0.9, 0.7])
    labels = (score >= 0.5).astype(int)
    measured = compute_metrics(Predictions("classification", truth, labels, score),
                               ["auc", "f1", "log_loss", "brier", "r2"])
    assert measured == {"roc_auc": pytest.approx(roc_auc_score(truth, score), abs=1e-6),
                        "f1": pytest.approx(f1_score(truth, labels), abs=1e-6),
                        "log_loss": pytest.approx(log_loss(truth, score), abs=1e-6),
                        "brier": pytest.approx(brier_score_loss(truth, score), abs=1e-6)}


def test_regression_metrics() -> None:
    truth = np.array([1.0, 2.0, 3.0, 4.0])
    predicted = np.array([1.5, 2.0, 2.5, 4.0])
    measured = compute_metrics(Predictions("regression", truth, predicted, None),
                               ["r2", "mae", "rmse"])
    assert measured["mae"] == 0.25
    assert measured["rmse"] == pytest.approx((0.5 / 4) ** 0.5, abs=1e-6)
    assert measured["r2"] == pytest.approx(1 - 0.5 / 5.0, abs=1e-6)


def test_more_than_two_classes_use_macro_averages_and_one_vs_rest_auc() -> None:
    import pandas as pd
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import accuracy_score

    from charter.evidence.measure import predict

    data = load_iris(as_frame=True)
    frame = data.frame.assign(species=pd.Series(data.target_names[data.target]))
    features = list(data.feature_names)
    model = LogisticRegression(max_iter=1000).fit(frame[features], frame["species"])
    predictions = predict(model, frame, features, "species", "classification")
    measured = compute_metrics(predictions, ["accuracy", "f1", "roc_auc", "log_loss", "brier"])
    labels = model.predict(frame[features])
    proba = model.predict_proba(frame[features])
    assert measured == {
        "accuracy": pytest.approx(accuracy_score(frame["species"], labels), abs=1e-6),
        "f1": pytest.approx(f1_score(frame["species"], labels, average="macro"), abs=1e-6),
        "roc_auc": pytest.approx(roc_auc_score(frame["species"], proba, multi_class="ovr"),
                                 abs=1e-6),
        "log_loss": pytest.approx(log_loss(frame["species"], proba), abs=1e-6),
    }
