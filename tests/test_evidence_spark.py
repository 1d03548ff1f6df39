"""The Spark backend gives the pandas backends' figures (to 1e-9), counted by Spark."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from backend_helpers import (
    STREAMED,
    WHOLE,
    close,
    drifted,
    evaluated,
    model,
    parquet_demo,
    spec,
    table,
    without_sample,
    write_parquet,
)
from charter.evidence.backends import Backend
from conftest import GitRepo

SPARK = Backend("spark", "local[2]", trusted_types=("sklearn.tree._tree.Tree",))
pytestmark = [pytest.mark.usefixtures("spark"), pytest.mark.xdist_group("spark")]


@pytest.mark.parametrize("kind", ["logistic", "tree", "regression"])
def test_spark_evaluation_equals_pandas(tmp_path: Path, kind: str) -> None:
    artifact = model(tmp_path / "model.skops", kind)
    data = write_parquet(table(3000, 5), tmp_path / "holdout.parquet")
    wanted = spec(artifact, data, "amount" if kind == "regression" else "defaulted")
    whole, distributed = evaluated(WHOLE, wanted), evaluated(SPARK, wanted)
    assert whole["error"] is None and whole["metrics"], whole
    assert distributed["importance_sample"]["rule"] == "every row"
    assert close(without_sample(distributed), whole), (distributed, whole)


def test_over_the_sample_size_spark_equals_the_streamed_read(tmp_path: Path) -> None:
    artifact = model(tmp_path / "model.skops", "tree")
    data = write_parquet(table(7000, 6), tmp_path / "holdout.parquet")
    wanted = spec(artifact, data)
    distributed, streamed = evaluated(SPARK, wanted), evaluated(STREAMED, wanted)
    assert distributed["importance_sample"]["rows"] == 5000
    assert close(distributed, streamed), (distributed, streamed)


def test_spark_drift_equals_pandas(tmp_path: Path) -> None:
    every = ["income", "age", "score_x", "region", "group", "band"]
    # Few rows: scipy's exact KS on values gathered by the driver; many: the distribution
    # functions, order statistics and bins counted by Spark.
    for size, shift, features in ((3000, 1.0, every), (12_000, 0.05, ["score_x", "band"])):
        reference = write_parquet(table(size, 7), tmp_path / f"reference-{size}.parquet")
        current = write_parquet(table(size - 1000, 8, shift), tmp_path / f"cur-{size}.parquet")
        whole = drifted(WHOLE, reference, current, features)
        assert whole["error"] is None
        distributed = drifted(SPARK, reference, current, features)
        assert close(distributed, whole), (distributed, whole)


def test_a_missing_target_is_the_same_error(tmp_path: Path) -> None:
    frame = table(1000, 11)
    frame["defaulted"] = frame["defaulted"].astype(float)
    frame.loc[[5, 500, 900], "defaulted"] = None
    data = write_parquet(frame, tmp_path / "holdout.parquet")
    wanted = spec(model(tmp_path / "model.skops"), data)
    assert evaluated(SPARK, wanted)["error"] == evaluated(WHOLE, wanted)["error"]


def test_charter_evidence_engine_spark_end_to_end(repo: GitRepo) -> None:
    parquet_demo(repo)
    runs = {engine: repo.charter("evidence", "--format", "json", "--no-cache", "--engine",
                                 engine, "--spark-master", "local[2]", timeout=600)
            for engine in ("pandas", "spark")}
    assert runs["spark"].code == runs["pandas"].code == 0, runs["spark"].err
    found = {engine: json.loads(run.out)["evidence"]["scorer@1.0.0"]
             for engine, run in runs.items()}
    assert found["spark"]["importance_sample"] == {"rows": 500, "of": 500, "seed": 0,
                                                   "rule": "every row"}
    del found["spark"]["importance_sample"]
    assert found["spark"]["metrics"]["roc_auc"] > 0.5
    assert found["spark"]["drift"]["features"]
    assert close(found["spark"], found["pandas"]), found
