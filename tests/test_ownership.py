"""Handing a model or dataset to another team needs an independent approval (CHARTER-C021):
the owner has no dates, so otherwise the old team's members are independent of their own
model from the next pull request on."""

from __future__ import annotations

import pytest

from conftest import BASIC_INVENTORY, BASIC_POLICIES, GitRepo
from test_gate_soundness import both, check

BASE = BASIC_INVENTORY.replace(
    "  model-risk: {members: [vera, victor], validates: true}",
    "  model-risk: {members: [vera, victor, dana], validates: true}\n"
    "  sandbox: {members: [sam]}")
MOVED = BASE.replace("    title: Credit default\n    owner: risk-analytics\n",
                     "    title: Credit default\n    owner: sandbox\n")
VALIDATED = """\
      "2.0.0":
        stage: staging
        created: 2026-11-01
        author: ravi
        training_data: [loans@2024-06]
        evaluation: {dataset: loans@2024-06, target: defaulted, metrics: {roc_auc: 0.8}}
        validation: {by: dana, date: 2026-11-20, outcome: approved}
"""


def base_repo(repo: GitRepo) -> GitRepo:
    repo.write("models.yaml", BASE)
    repo.write("policies/rules.yaml", BASIC_POLICIES)
    repo.commit("initial inventory")
    return repo


def test_a_developer_cannot_become_independent_by_moving_the_model(repo: GitRepo) -> None:
    """Step two (dana validates ravi's version of her team's model) passes once the model
    has moved to sandbox; step one, the move, is refused without an approval."""
    base_repo(repo)
    repo.write("models.yaml", MOVED)
    for run in both(repo):
        assert run.code == 1, run.out
        assert ("CHARTER-C021 models.yaml:15:5  credit: owner moved from risk-analytics to "
                "sandbox without an approval: add to the model's `approvals` an entry "
                "{by, date} by a validator outside risk-analytics and sandbox") in run.out
    repo.write("models.yaml", BASE + VALIDATED)
    run = check(repo)
    assert run.code == 1 and "LC-031" in run.out, run.out  # dana owns credit: not independent


@pytest.mark.parametrize(("by", "code"), [("vera", 0), ("dana", 1), ("sam", 1)])
def test_the_move_is_approved_by_a_validator_outside_both_teams(repo: GitRepo, by: str,
                                                                code: int) -> None:
    base_repo(repo)
    repo.write("models.yaml", MOVED.replace(
        "    owner: sandbox\n", f"    owner: sandbox\n    approvals: [{{by: {by}, "
        "date: 2026-11-26}]\n"))
    run = check(repo)
    assert run.code == code, run.out
    assert ("CHARTER-C021" in run.out) is bool(code)


def test_a_dataset_moved_to_another_team_needs_an_approval(repo: GitRepo) -> None:
    base_repo(repo)
    repo.write("models.yaml", BASE.replace("  loans:\n    owner: risk-analytics\n",
                                           "  loans:\n    owner: sandbox\n"))
    run = check(repo)
    assert run.code == 1, run.out
    assert "CHARTER-C021 models.yaml:8:5  loans: owner moved from risk-analytics to sandbox" \
        in run.out


def test_a_renamed_model_keeps_its_owner(repo: GitRepo) -> None:
    """Renamed with its artifacts, `credit` continues as `credit-v2` (CHARTER-C001's twins):
    a new owner is still a move."""
    base_repo(repo)
    repo.write("models.yaml", MOVED.replace("  credit:\n", "  credit-v2:\n"))
    run = check(repo)
    assert "credit-v2: owner moved from risk-analytics to sandbox (as credit on the base)" \
        in run.out, run.out


def test_a_renamed_dataset_keeps_its_owner(repo: GitRepo) -> None:
    """`loans` renamed `applications` (the same files, so the same data: CHARTER-C001's
    twins) under another team is a move of the data too."""
    base_repo(repo)
    renamed = BASE.replace("loans@", "applications@").replace(
        "  loans:\n    owner: risk-analytics\n", "  applications:\n    owner: sandbox\n")
    repo.write("models.yaml", renamed)
    for run in both(repo):
        assert run.code == 1, run.out
        assert ("applications: owner moved from risk-analytics to sandbox (as loans on the "
                "base)") in run.out, run.out


def test_a_copy_of_data_another_team_keeps_is_not_a_move(repo: GitRepo) -> None:
    """The same file registered again by another team while `loans` stays where it was:
    nothing was handed over."""
    base_repo(repo)
    copy = ("  applications:\n    owner: sandbox\n    contains_pii: true\n"
            "    versions: {\"2024-06\": {path: data/loans.csv, created: 2024-06-30}}\n")
    repo.write("models.yaml", BASE.replace("datasets:\n", "datasets:\n" + copy, 1))
    run = check(repo)
    assert "CHARTER-C021" not in run.out, run.out
