"""A small governed repository with real scikit-learn models and data, for evidence tests."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import sklearn
import skops.io as sio
from sklearn.base import BaseEstimator
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from conftest import GitRepo

FEATURES = ["income", "debt", "region"]


def frame(n: int, seed: int, shift: float = 0.0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    income = rng.normal(50 + 10 * shift, 10, n)
    debt = rng.normal(0.3 + shift, 0.1, n)
    region = rng.choice(["north", "south", "east"], n, p=[0.5, 0.3, 0.2])
    group = rng.choice(["A", "B"], n, p=[0.6, 0.4])
    logit = -0.08 * (income - 50) + 8 * (debt - 0.3) + np.where(region == "south", 0.7, 0) \
        + np.where(group == "B", 0.5, 0) - 1.0
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    return pd.DataFrame({"income": income.round(3), "debt": debt.round(4), "region": region,
                         "group": group, "defaulted": y})


def pipeline(estimator: BaseEstimator, features: list[str]) -> Pipeline:
    numeric = [f for f in features if f != "region"]
    categorical = [f for f in features if f == "region"]
    columns = ColumnTransformer([("num", StandardScaler(), numeric),
                                 ("cat", OneHotEncoder(handle_unknown="ignore"), categorical)])
    return Pipeline([("prep", columns), ("model", estimator)])


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@dataclass
class Demo:
    repo: GitRepo
    model: Pipeline
    holdout: pd.DataFrame
    roc_auc: float  # measured independently of Charter

    @property
    def root(self) -> Path:
        return self.repo.root

    def inventory(self) -> str:
        return (self.root / "models.yaml").read_text()


def train(repo: GitRepo, name: str, estimator: BaseEstimator | None = None,
          features: list[str] | None = None, seed: int = 1) -> Pipeline:
    estimator = LogisticRegression(max_iter=500) if estimator is None else estimator
    model = pipeline(estimator, features or FEATURES)
    data = frame(800, seed)
    model.fit(data[features or FEATURES], data["defaulted"])
    path = repo.root / "models" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    sio.dump(model, path)
    return model


def version_yaml(version: str, stage: str, artifact: str, sha: str, metrics: dict[str, Any],
                 features: list[str] | None = None, extra: str = "") -> str:
    shown = ", ".join(f"{k}: {v}" for k, v in metrics.items())
    return f"""\
      "{version}":
        stage: {stage}
        features: [{", ".join(features or FEATURES)}]
        artifact: {{path: {artifact}, sha256: {sha}}}
        requirements: {{scikit-learn: "{sklearn.__version__}"}}
        training_data: [loans-train@1]
        evaluation:
          dataset: loans-holdout@1
          target: defaulted
          metrics: {{{shown}}}
          sensitive_features: [group]
{extra}"""


POLICIES = """\
charter: 1
rules:
  CC-001:
    title: A challenger is not worse than the champion
    severity: error
    applies_to: version
    match: {stage: staging}
    when:
      all:
        - {field: champion.evidence, exists: true}
        - {not: {field: champion.id, equals: {field: id}}}
    require: {field: evidence.metrics.roc_auc, gte: {field: champion.evidence.metrics.roc_auc},
              tolerance: 0.01}
    message: "{id}: roc_auc {value} trails the champion ({expected})"
"""


def build_demo(repo: GitRepo, settings: str = "") -> Demo:
    """Commit a production model with correct hashes and claims on `main`."""
    data = repo.root / "data"
    data.mkdir(exist_ok=True)
    frame(800, 1).to_csv(data / "train.csv", index=False)
    holdout = frame(500, 2)
    holdout.to_csv(data / "holdout.csv", index=False)
    frame(500, 3, shift=0.15).to_csv(data / "live.csv", index=False)
    model = train(repo, "scorer-1.0.0.skops")
    auc = float(roc_auc_score(holdout["defaulted"],
                              model.predict_proba(holdout[FEATURES])[:, 1]))
    datasets = "".join(f"""\
  loans-{name}:
    owner: risk
    contains_pii: false
    versions:
      "1": {{path: data/{name}.csv, sha256: {sha256(data / f"{name}.csv")},
            created: 2026-11-01}}
""" for name in ("train", "holdout", "live"))
    monitoring = ("        monitoring: {reference: loans-train@1, current: loans-live@1,\n"
                  "                     every_days: 365}\n"
                  "        deployments: [{target: api, since: 2026-01-01}]\n")
    text = f"""\
charter: 1
{settings}teams:
  risk: {{members: [dana]}}
  model-risk: {{members: [vera], validates: true}}
datasets:
{datasets}models:
  scorer:
    title: Scorer
    owner: risk
    risk_tier: high
    task: classification
    versions:
{version_yaml("1.0.0", "production", "models/scorer-1.0.0.skops",
              sha256(repo.root / "models/scorer-1.0.0.skops"), {"roc_auc": round(auc, 4)},
              extra=monitoring)}"""
    repo.write("models.yaml", text)
    repo.write("policies/rules.yaml", POLICIES)
    repo.commit("a production scorer")
    return Demo(repo, model, holdout, auc)


def add_version(demo: Demo, version: str, stage: str, artifact: str,
                metrics: dict[str, Any] | None = None, features: list[str] | None = None,
                sha: str | None = None, extra: str = "") -> None:
    """Append a version; `extra` holds more version keys, indented by 8 spaces."""
    path = demo.root / artifact
    claims = metrics if metrics is not None else {"roc_auc": round(demo.roc_auc, 4)}
    demo.repo.write("models.yaml", demo.inventory() + version_yaml(
        version, stage, artifact, sha or sha256(path), claims, features, extra))


def line_of(text: str, needle: str, after: str = "") -> int:
    start = text.index(after) if after else 0
    return text[: text.index(needle, start)].count("\n") + 1
