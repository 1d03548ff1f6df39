"""This repository's own inventory: real models, real data, evidence that holds up."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import REPO_ROOT, TODAY, run_charter

CATALOG = REPO_ROOT / "examples" / "catalog.json"


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("charter-cache")


def test_the_demo_passes_with_evidence_for_every_version(cache_dir: Path) -> None:
    env = {"CHARTER_CACHE_DIR": str(cache_dir)}
    run = run_charter(REPO_ROOT, "check", "--all", "--today", TODAY, "--format", "json",
                      env=env)
    assert run.code == 0, run.out[-3000:] + run.err
    document = json.loads(run.out)
    evidence = document["evidence"]
    assert len(evidence) == 12
    assert all(item["problems"] == [] for item in evidence.values())
    catalog = json.loads(CATALOG.read_text())["models"]
    for version_id, item in evidence.items():
        for name, value in catalog[version_id]["metrics"].items():
            assert item["metrics"][name] == pytest.approx(value, abs=5e-5), (version_id, name)
    challenger = evidence["credit-default@2.2.0"]
    assert challenger["champion"]["id"] == "credit-default@2.1.0"
    assert challenger["metrics"]["roc_auc"] > challenger["champion"]["metrics"]["roc_auc"]
    drift = evidence["credit-default@2.1.0"]["drift"]
    assert drift["features"]["debt_to_income"]["psi"] > 0.25  # built to drift (examples/)
    assert evidence["churn@1.4.0"]["drift"]["share_drifted"] == 0.0


def test_evidence_command_on_the_demo(cache_dir: Path) -> None:
    run = run_charter(REPO_ROOT, "evidence", "fraud-score@3.1.0",
                      env={"CHARTER_CACHE_DIR": str(cache_dir)})
    assert run.code == 0, run.err
    assert "fraud-score@3.1.0" in run.out
    assert "champion\n    fraud-score@3.0.0 on fraud-holdout@2025-01" in run.out
    assert "scikit-learn saved 1.9.1, declared 1.9.1" in run.out
