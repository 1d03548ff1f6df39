"""Generated evaluation and drift data as Parquet, and evidence computed by one backend.

The data has what breaks naive distributed statistics: several row groups (so several
batches and Spark partitions), missing values, a sensitive group with no positives, a row
group holding a single class, skewed group keys, tied scores.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import skops.io as sio
from sklearn.base import BaseEstimator
from sklearn.ensemble import GradientBoostingRegressor
from sklearn.linear_model import LogisticRegression
from sklearn.tree import DecisionTreeClassifier

from charter.evidence.artifacts import load_artifact
from charter.evidence.backends import Backend
from charter.evidence.compute import _drift
from charter.evidence.evaluation import EvaluationSpec, evaluate
from charter.evidence.files import Fetched
from charter.evidence.frames import read_frame
from charter.evidence.problems import InputError

FEATURES = ["income", "debt", "age"]
ROW_GROUP = 400
TRUSTED = ("sklearn.tree._tree.Tree",)


def table(n: int, seed: int, shift: float = 0.0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    income = rng.normal(50 + 10 * shift, 10, n).round(1)
    debt = rng.normal(0.3 + shift, 0.1, n).round(3)
    age = rng.integers(18, 80, n)
    # Skewed keys: most rows in one group; group "none" never has a positive.
    group = rng.choice(["big", "small", "none"], n, p=[0.85, 0.1, 0.05])
    logit = -0.08 * (income - 50) + 8 * (debt - 0.3) - 1.0
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    y[group == "none"] = 0
    y[:ROW_GROUP] = 0  # the first row group holds a single class
    band = pd.array(rng.integers(1, 4, n), dtype="Int64")
    band[rng.random(n) < 0.1] = pd.NA  # an integer column with missing values
    region = pd.Series(rng.choice(["north", "south", "east"], n), dtype=object)
    region[rng.random(n) < 0.05] = None
    drift_feature = pd.Series(rng.normal(shift, 1, n).round(2))
    drift_feature[rng.random(n) < 0.05] = np.nan
    return pd.DataFrame({"income": income, "debt": debt, "age": age, "group": group,
                         "band": band, "region": region, "score_x": drift_feature,
                         "defaulted": y, "amount": income * 3 + rng.normal(0, 5, n)})


def write_parquet(frame: pd.DataFrame, path: Path) -> Fetched:
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), path,
                   row_group_size=ROW_GROUP)
    return fetched(path)


def fetched(path: Path) -> Fetched:
    data = path.read_bytes()
    return Fetched(str(path), path, hashlib.sha256(data).hexdigest(), len(data))


def model(path: Path, kind: str = "logistic") -> Fetched:
    train = table(1500, 99)
    estimator: BaseEstimator
    if kind == "regression":
        estimator = GradientBoostingRegressor(n_estimators=20, random_state=0)
        estimator.fit(train[FEATURES], train["amount"])
    else:
        estimator = (DecisionTreeClassifier(max_depth=4, random_state=0) if kind == "tree"
                     else LogisticRegression(max_iter=500))
        estimator.fit(train[FEATURES], train["defaulted"])
    path.parent.mkdir(parents=True, exist_ok=True)
    sio.dump(estimator, path)
    return fetched(path)


def load(artifact: Fetched, fmt: str) -> Any:
    return load_artifact(artifact, fmt, artifact.path.parent, TRUSTED, ())


def spec(artifact: Fetched, data: Fetched, target: str = "defaulted",
         sensitive: tuple[str, ...] = ("group", "band", "region")) -> EvaluationSpec:
    return EvaluationSpec(artifact=artifact, artifact_format="skops", data=data,
                          data_format="parquet", features=tuple(FEATURES), target=target,
                          task=None, sensitive_features=sensitive)


def evaluated(backend: Backend, wanted: EvaluationSpec) -> dict[str, Any]:
    return evaluate(wanted, load, read_frame, True, backend)


def drifted(backend: Backend, reference: Fetched, current: Fetched,
            features: list[str]) -> dict[str, Any]:
    def read(f: Fetched, fmt: str, columns: Any) -> pd.DataFrame:
        return read_frame(f, fmt, columns)

    return _drift(reference, current, ["parquet", "parquet"], features, 0.25, read, backend)


WHOLE = Backend("pandas", stream_above_mb=1e9)
STREAMED = Backend("pandas", stream_above_mb=0)


def without_sample(result: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in result.items() if k != "importance_sample"}


def close(a: Any, b: Any, tolerance: float = 1e-9) -> bool:
    """Equal structures, numbers within `tolerance`."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(close(a[k], b[k], tolerance) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(close(x, y, tolerance) for x, y in
                                        zip(a, b, strict=True))
    if isinstance(a, float) and isinstance(b, float):
        return abs(a - b) <= tolerance
    return bool(a == b)


__all__ = ["InputError"]


def parquet_demo(repo: Any) -> None:
    """evidence_helpers.build_demo with its data as Parquet (several row groups)."""
    from evidence_helpers import build_demo, sha256

    build_demo(repo)
    text = (repo.root / "models.yaml").read_text()
    for name in ("train", "holdout", "live"):
        csv = repo.root / "data" / f"{name}.csv"
        target = repo.root / "data" / f"{name}.parquet"
        pq.write_table(pa.Table.from_pandas(pd.read_csv(csv), preserve_index=False), target,
                       row_group_size=120)
        text = text.replace(f"data/{name}.csv, sha256: {sha256(csv)}",
                            f"data/{name}.parquet, sha256: {sha256(target)}")
        csv.unlink()
    repo.write("models.yaml", text)
    repo.commit("the data as parquet")
