"""A monitored production scorer with monthly live partitions, for the monitoring tests."""

from __future__ import annotations

from typing import Any

import sklearn

from conftest import GitRepo
from evidence_helpers import frame, sha256, train

MONTHS = [f"2026-{m:02d}" for m in range(1, 7)]
ARTIFACT = "models/scorer-1.0.0.skops"
UNLABELLED = MONTHS[-2:]  # the labels of the last two months have not arrived
CHECKS = """\
          checks:
            drift:
              psi: {amber: 0.1, red: 0.25}
              ks: {amber: 0.1, red: 0.2}
              chi2_p: {amber: 0.01, red: 0.001}
            performance: {metric: roc_auc, decay: {amber: 0.02, red: 0.05}}
"""


def partition(month: int) -> Any:
    data = frame(400, 100 + month)
    data["debt"] = (data["debt"] + 0.03 * (month - 1)).round(4)  # drift that grows in one feature
    return data


def build(repo: GitRepo, checks: str = CHECKS, live: str = "", current: str = "2026-05",
          labelled: str = "2026-04", every_days: int = 30) -> GitRepo:
    """A production scorer whose live data arrives monthly; `current` and `labelled` are
    also declared as datasets, so `charter evidence` measures the same files."""
    root = repo.root
    (root / "data/live").mkdir(parents=True)
    frame(800, 1).to_csv(root / "data/train.csv", index=False)
    for i, month in enumerate(MONTHS, start=1):
        data = partition(i)
        if month in UNLABELLED:
            data = data.drop(columns=["defaulted"])
        data.to_csv(root / f"data/live/loans-{month}.csv", index=False)
    train(repo, "scorer-1.0.0.skops")
    datasets = "".join(f"""\
  loans-{name}:
    owner: risk
    contains_pii: false
    versions:
      "1": {{path: {path}, sha256: {sha256(root / path)}, created: 2026-01-01}}
""" for name, path in (("train", "data/train.csv"),
                       ("current", f"data/live/loans-{current}.csv"),
                       ("labelled", f"data/live/loans-{labelled}.csv")))
    live = live or "{path: \"data/live/loans-{period}.csv\", label_delay_days: 20}"
    repo.write("models.yaml", f"""\
charter: 1
teams:
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
      "1.0.0":
        stage: production
        features: [income, debt, region]
        artifact: {{path: {ARTIFACT}, sha256: {sha256(root / ARTIFACT)}}}
        requirements: {{scikit-learn: "{sklearn.__version__}"}}
        training_data: [loans-train@1]
        evaluation:
          dataset: loans-labelled@1
          target: defaulted
          metrics: {{roc_auc: 0.8}}
        deployments: [{{target: api, since: 2026-01-01}}]
        monitoring:
          reference: loans-train@1
          current: loans-current@1
          every_days: {every_days}
          live: {live}
{checks}""")
    repo.write("policies/rules.yaml", "charter: 1\nrules: {}\n")
    repo.commit("a monitored scorer")
    return repo
