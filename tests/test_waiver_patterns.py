"""A waiver's pattern covers the models and datasets that existed when it was granted: a pull
request cannot name a new model so that it falls under a waiver nobody granted it."""

from __future__ import annotations

from conftest import GitRepo
from test_gate_soundness import INVENTORY, POLICIES, both, check

SHADOW = """\
  credit-shadow:
    title: Shadow
    owner: risk-analytics
    risk_tier: high
    task: classification
    intended_use: Loan pricing
    limitations: none
    versions:
      "1.0.0":
        stage: development
        author: ravi
        training_data: [applications@2024-06]
        evaluation: {dataset: applications@2024-06, target: defaulted, metrics: {roc_auc: 0.51}}
"""
NEW_VERSION = """\
      "1.1.0":
        stage: development
        author: ravi
        training_data: [applications@2024-06]
        evaluation: {dataset: applications@2024-06, target: defaulted, metrics: {roc_auc: 0.6}}
"""


def with_target(repo: GitRepo, target: str) -> None:
    repo.write("models.yaml", INVENTORY)
    repo.write("policies/rules.yaml", POLICIES.replace("    target: credit@1.0.0\n",
                                                       f"    target: {target}\n"))
    repo.commit("a waiver for a pattern")


def test_a_new_model_is_not_covered_by_a_pattern_for_older_names(repo: GitRepo) -> None:
    with_target(repo, "credit*")
    repo.write("models.yaml", INVENTORY + SHADOW)
    scoped, full = both(repo)
    for run in (scoped, full):
        assert run.code == 1, run.out
        assert ("error   PERF-001     models.yaml:39:82  credit-shadow@1.0.0: High-risk models "
                "reach an AUC of 0.75") in run.out
    assert "waived  PERF-001     models.yaml:26:82  credit@1.0.0" in full.out


def test_a_pattern_still_covers_new_versions_of_a_model_it_names(repo: GitRepo) -> None:
    with_target(repo, '"credit@*"')
    repo.write("models.yaml", INVENTORY + NEW_VERSION)
    run = check(repo)
    assert run.code == 0, run.out
    assert "waived  PERF-001" in run.out and "credit@1.1.0" in run.out


def test_a_target_that_spells_the_new_name_covers_it(repo: GitRepo) -> None:
    with_target(repo, '"credit-shadow@*"')
    repo.write("models.yaml", INVENTORY + SHADOW)
    run = check(repo)
    assert "waived  PERF-001" in run.out and "credit-shadow@1.0.0" in run.out, run.out
