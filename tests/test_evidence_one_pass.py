"""Evidence predicts once per (artifact, dataset), and says exactly what the plain passes say."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from contextlib import redirect_stdout
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import skops.io as sio
from sklearn.base import BaseEstimator
from sklearn.ensemble import (
    GradientBoostingClassifier,
    HistGradientBoostingClassifier,
    RandomForestClassifier,
)
from sklearn.linear_model import LogisticRegression
from sklearn.naive_bayes import GaussianNB
from sklearn.svm import SVC
from sklearn.tree import DecisionTreeClassifier

from charter.commands.evidence import EvidenceOptions, run_evidence_command
from charter.evidence.measure import compute_metrics, measurable, predict
from conftest import GitRepo
from counting_model import TYPE, CountingLogisticRegression
from evidence_helpers import FEATURES, Demo, add_version, build_demo, frame, pipeline, sha256

ROWS = 6000  # above the importance sample, so a call on every row is the evaluation's


@pytest.fixture
def counting(repo: GitRepo) -> Iterator[Demo]:
    """The demo's production model replaced by a counting one, measured on ROWS rows."""
    demo = build_demo(repo, settings=f"settings: {{trusted_types: [{TYPE}]}}\n")
    old_model, old_data = (sha256(demo.root / p) for p in ("models/scorer-1.0.0.skops",
                                                           "data/holdout.csv"))
    model = pipeline(CountingLogisticRegression(max_iter=500), FEATURES)
    train = frame(800, 1)
    model.fit(train[FEATURES], train["defaulted"])
    sio.dump(model, demo.root / "models/scorer-1.0.0.skops")
    frame(ROWS, 2).to_csv(demo.root / "data/holdout.csv", index=False)
    repo.write("models.yaml", demo.inventory().replace(
        old_model, sha256(demo.root / "models/scorer-1.0.0.skops")).replace(
        old_data, sha256(demo.root / "data/holdout.csv")))
    repo.commit("a counting model")
    CountingLogisticRegression.calls.clear()
    yield demo
    CountingLogisticRegression.calls.clear()


def evidence_in_process(root: Path, target: str | None = None) -> dict[str, Any]:
    out = io.StringIO()
    with redirect_stdout(out):
        code = run_evidence_command(EvidenceOptions(root=root, target=target, output="json",
                                                    use_cache=False))
    assert code in (0, 1), out.getvalue()
    document: dict[str, Any] = json.loads(out.getvalue())
    return document["evidence"]


def full_passes() -> int:
    return sum(rows == ROWS for rows in CountingLogisticRegression.calls)


def test_a_production_version_is_predicted_once_though_it_is_its_own_champion(
        counting: Demo) -> None:
    evidence = evidence_in_process(counting.root)["scorer@1.0.0"]
    assert evidence["champion"]["id"] == "scorer@1.0.0"
    assert evidence["champion"]["metrics"] == evidence["metrics"]
    assert full_passes() == 1


def test_a_champion_measured_in_the_run_is_not_predicted_again(counting: Demo) -> None:
    add_version(counting, "1.1.0", "staging", "models/scorer-1.0.0.skops")
    evidence = evidence_in_process(counting.root)
    assert evidence["scorer@1.1.0"]["champion"]["metrics"] == evidence["scorer@1.0.0"][
        "metrics"]
    assert full_passes() == 1


ESTIMATORS: dict[str, BaseEstimator] = {
    "logistic": LogisticRegression(max_iter=500),
    "boosting": GradientBoostingClassifier(n_estimators=20, random_state=0),
    "hist-boosting": HistGradientBoostingClassifier(max_iter=20, random_state=0),
    "forest": RandomForestClassifier(n_estimators=10, random_state=0),
    "tree": DecisionTreeClassifier(max_depth=4, random_state=0),
    "naive-bayes": GaussianNB(),
    "svc-platt": SVC(probability=True, random_state=0),  # predict is not argmax of proba
}


def labelled(n: int, seed: int, classes: int) -> pd.DataFrame:
    data = frame(n, seed)
    if classes > 2:
        data["defaulted"] = np.where(data["debt"] > 0.35, "high",
                                     np.where(data["income"] > 50, "low", "mid"))
    return data


@pytest.mark.filterwarnings("ignore:The `probability` parameter:FutureWarning")
@pytest.mark.parametrize("classes", [2, 3])
@pytest.mark.parametrize("name", sorted(ESTIMATORS))
def test_one_pass_figures_equal_the_plain_passes(name: str, classes: int) -> None:
    model = pipeline(ESTIMATORS[name], FEATURES)
    train = labelled(600, 1, classes)
    model.fit(train[FEATURES], train["defaulted"])
    data = labelled(1500, 2, classes)
    if classes == 2:  # rows exactly at the decision boundary: ties in predict_proba
        data = pd.concat([data, data.iloc[:50].assign(income=50.0, debt=0.3)])
    one = predict(model, data, FEATURES, "defaulted", "classification")
    plain = predict(model, data, FEATURES, "defaulted", "classification", one_pass=False)
    assert np.array_equal(one.predicted, plain.predicted)
    assert compute_metrics(one, measurable("classification")) == compute_metrics(
        plain, measurable("classification"))


def test_a_tie_in_the_probabilities_is_settled_by_predict() -> None:
    """A score just above zero rounds to probabilities (0.5, 0.5); predict() says class 1."""
    data = frame(200, 2)
    model = LogisticRegression().fit(data[["income", "debt"]], data["defaulted"])
    model.coef_[:] = 0.0
    model.intercept_[:] = 1e-20
    assert set(np.argmax(model.predict_proba(data[["income", "debt"]]), axis=1)) == {0}
    one = predict(model, data, ["income", "debt"], "defaulted", "classification")
    assert set(one.predicted) == {1}


@pytest.mark.filterwarnings("ignore:The `probability` parameter:FutureWarning")
def test_labels_come_from_predict_where_it_is_not_the_argmax_of_probabilities() -> None:
    """SVC's Platt-scaled probabilities may disagree with its predict()."""
    model = pipeline(SVC(probability=True, random_state=0), FEATURES)
    train = frame(300, 1)
    model.fit(train[FEATURES], train["defaulted"])
    data = frame(2000, 2)
    labels = model.predict(data[FEATURES])
    one = predict(model, data, FEATURES, "defaulted", "classification")
    assert np.array_equal(one.predicted, (labels == 1).astype(int))


def test_one_pass_evidence_equals_the_plain_multi_pass_evidence(counting: Demo) -> None:
    from charter.evidence.api import compute_evidence
    from charter.inventory.snapshot import load_snapshot
    from charter.vcs.cache import Cache
    from charter.vcs.revisions import Revision

    add_version(counting, "1.1.0", "staging", "models/scorer-1.0.0.skops")
    head = load_snapshot(Revision.worktree(counting.root), Cache(None)).inventory
    base = load_snapshot(Revision.at(counting.root, "HEAD"), Cache(None)).inventory
    one = compute_evidence(counting.root, head, None, base, use_cache=False)
    plain = compute_evidence(counting.root, head, None, base, use_cache=False, one_pass=False)
    assert one == plain
    assert one["scorer@1.1.0"]["champion"]["metrics"]


@pytest.mark.parametrize("seed", range(6))
def test_label_metrics_from_counts_equal_scikit_learn(seed: int) -> None:
    from sklearn.metrics import accuracy_score, f1_score, precision_score, recall_score

    from charter.evidence.measure import Predictions

    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 3000))
    truth = (rng.random(n) < rng.random()).astype(int)
    predicted = (rng.random(n) < rng.random()).astype(int) if seed else np.zeros(n, int)
    measured = compute_metrics(Predictions("classification", truth, predicted, None),
                               ["accuracy", "precision", "recall", "f1"])
    expected = {"accuracy": accuracy_score(truth, predicted),
                "precision": precision_score(truth, predicted, zero_division=0),
                "recall": recall_score(truth, predicted, zero_division=0),
                "f1": f1_score(truth, predicted, zero_division=0)}
    assert measured == {k: round(float(v), 6) for k, v in expected.items()}
