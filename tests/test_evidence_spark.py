"""The Spark backend gives the pandas backends' figures (to 1e-9), counted by Spark."""

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
from charter.evidence.backends import Backend

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
