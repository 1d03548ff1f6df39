"""The streamed pandas backend gives the whole read's figures, batch by batch."""

from __future__ import annotations

from pathlib import Path

import pytest

from backend_helpers import (
    STREAMED,
    WHOLE,
    close,
    drifted,
    evaluated,
    model,
    spec,
    table,
    without_sample,
    write_parquet,
)
from charter.evidence import batches


@pytest.fixture(autouse=True)
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(batches, "BATCH_ROWS", 333)


@pytest.mark.parametrize("kind", ["logistic", "tree", "regression"])
def test_streamed_evaluation_equals_the_whole_read(tmp_path: Path, kind: str) -> None:
    artifact = model(tmp_path / "model.skops", kind)
    data = write_parquet(table(3000, 5), tmp_path / "holdout.parquet")
    wanted = spec(artifact, data, "amount" if kind == "regression" else "defaulted")
    whole, streamed = evaluated(WHOLE, wanted), evaluated(STREAMED, wanted)
    assert whole["error"] is None and whole["metrics"]
    assert streamed["importance_sample"] == {"rows": 3000, "of": 3000, "seed": 0,
                                             "rule": "every row"}
    assert close(without_sample(streamed), whole)
    if kind != "regression":
        groups = whole["fairness"]["band"]["groups"]
        assert list(groups) == ["1", "2", "3", "<missing>"]  # pandas metadata: Int64
        assert whole["fairness"]["group"]["groups"]["none"]["tpr"] is None


def test_over_the_sample_size_every_read_draws_the_same_importance_sample(tmp_path: Path
                                                                           ) -> None:
    artifact = model(tmp_path / "model.skops", "tree")
    data = write_parquet(table(7000, 6), tmp_path / "holdout.parquet")
    wanted = spec(artifact, data)
    whole, streamed = evaluated(WHOLE, wanted), evaluated(STREAMED, wanted)
    assert streamed["importance_sample"]["rows"] == 5000
    assert streamed["importance_sample"]["of"] == 7000
    assert [r["feature"] for r in streamed["importance"]]
    assert close(without_sample(streamed), whole)  # the importance figures included


def test_streamed_drift_equals_the_whole_read(tmp_path: Path) -> None:
    reference = write_parquet(table(3000, 7), tmp_path / "reference.parquet")
    current = write_parquet(table(2500, 8, shift=1.0), tmp_path / "current.parquet")
    features = ["income", "age", "score_x", "region", "group", "band"]
    whole = drifted(WHOLE, reference, current, features)
    assert whole["error"] is None and whole["drifted_features"]
    assert close(drifted(STREAMED, reference, current, features), whole)


def test_streamed_large_drift_uses_the_distribution_functions(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch
                                                               ) -> None:
    monkeypatch.setattr(batches, "BATCH_ROWS", 4000)
    reference = write_parquet(table(12_000, 9), tmp_path / "reference.parquet")
    current = write_parquet(table(11_000, 10, shift=0.05), tmp_path / "current.parquet")
    features = ["income", "score_x"]
    assert close(drifted(STREAMED, reference, current, features),
                 drifted(WHOLE, reference, current, features))


def test_a_missing_target_is_counted_over_every_batch(tmp_path: Path) -> None:
    frame = table(1000, 11)
    frame["defaulted"] = frame["defaulted"].astype(float)
    frame.loc[[5, 500, 900], "defaulted"] = None
    data = write_parquet(frame, tmp_path / "holdout.parquet")
    wanted = spec(model(tmp_path / "model.skops"), data)
    assert evaluated(STREAMED, wanted)["error"] == evaluated(WHOLE, wanted)["error"]
    assert "3 missing values" in evaluated(STREAMED, wanted)["error"]["message"]
