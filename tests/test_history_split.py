"""`charter history` over a split inventory, and the history's shortcuts against the full run.

A split inventory is models.yaml plus models/<model>.yaml and datasets/<dataset>.yaml; the
history follows every one of those files, and moving a record between models.yaml and its own
file is not an event.
"""

from __future__ import annotations

import json
import textwrap

from charter.history.replay import replay
from conftest import BASIC_INVENTORY, BASIC_POLICIES, GitRepo
from test_history import VERSION_110 as HISTORY_VERSION_110

ROOT = BASIC_INVENTORY.split("models:\n")[0]
CREDIT = textwrap.dedent(BASIC_INVENTORY.split("  credit:\n")[1])
VERSION_110 = textwrap.indent(textwrap.dedent(HISTORY_VERSION_110), "  ")  # in its own file


def split_repo(repo: GitRepo) -> GitRepo:
    repo.write("models.yaml", ROOT)
    repo.write("models/credit.yaml", CREDIT)
    repo.write("policies/rules.yaml", BASIC_POLICIES)
    repo.commit("split inventory", date="2026-06-01T09:00:00+00:00")
    return repo


def events(repo: GitRepo) -> list[tuple[object, ...]]:
    run = repo.charter("history", "--format", "json", "--no-cache")
    assert run.code == 0, run.err
    return [(e["pr"], e["kind"], e["model"], e["version"], e["verdict"])
            for e in json.loads(run.out)["events"]]


def test_history_follows_the_files_of_a_split_inventory(repo: GitRepo) -> None:
    split_repo(repo)
    repo.write("models/credit.yaml", CREDIT + VERSION_110.format(stage="development",
                                                                  auc=0.84))
    repo.commit("Add credit 1.1.0 (#2)", date="2026-07-01T10:00:00+00:00")
    repo.write("models/credit.yaml", CREDIT + VERSION_110.format(stage="staging", auc=0.70))
    repo.commit("Stage credit 1.1.0 (#3)", date="2026-07-02T10:00:00+00:00")
    found = events(repo)
    assert (2, "version-added", "credit", "1.1.0", "pass") in found
    assert (3, "stage-changed", "credit", "1.1.0", "fail") in found  # AUC 0.70 < 0.75
    initial = {(e[1], e[2], e[3]) for e in found if e[0] is None}
    assert {("model-added", "credit", None), ("version-added", "credit", "1.0.0")} <= initial


def test_moving_a_model_between_models_yaml_and_its_file_is_not_an_event(repo: GitRepo
                                                                          ) -> None:
    split_repo(repo)
    before = events(repo)
    repo.git("rm", "-q", "models/credit.yaml")
    repo.write("models.yaml", BASIC_INVENTORY)
    repo.commit("Move credit inline (#4)", date="2026-07-01T10:00:00+00:00")
    repo.write("models.yaml", ROOT)
    repo.write("models/credit.yaml", CREDIT)
    repo.commit("Move credit back to its file (#5)", date="2026-07-02T10:00:00+00:00")
    assert events(repo) == before


def test_a_file_the_layout_refuses_makes_its_commit_unreadable(repo: GitRepo) -> None:
    split_repo(repo)
    repo.write("models/Credit Copy.yaml", CREDIT)
    bad = repo.commit("A badly named file (#6)", date="2026-07-01T10:00:00+00:00")
    run = repo.charter("history", "--format", "json", "--no-cache")
    assert run.code == 0, run.err
    unreadable = json.loads(run.out)["unreadable"]
    assert [u["commit"] for u in unreadable] == [bad]
    assert "models/Credit Copy.yaml is not part of the inventory" in unreadable[0]["reason"]


def test_a_record_defined_twice_makes_its_commit_unreadable(repo: GitRepo) -> None:
    split_repo(repo)
    repo.write("models.yaml", BASIC_INVENTORY)
    twice = repo.commit("credit in both places (#7)", date="2026-07-01T10:00:00+00:00")
    run = repo.charter("history", "--format", "json", "--no-cache")
    unreadable = json.loads(run.out)["unreadable"]
    assert [u["commit"] for u in unreadable] == [twice]
    assert "model `credit` is defined twice" in unreadable[0]["reason"]


def test_judging_only_the_entities_of_each_event_gives_the_full_timeline(repo: GitRepo
                                                                        ) -> None:
    """Differential: the replay that judges every entity in scope, and the default one."""
    repo.write("models.yaml", BASIC_INVENTORY)
    repo.write("policies/rules.yaml", BASIC_POLICIES)
    repo.commit("initial", date="2026-06-01T09:00:00+00:00")
    def inline(stage: str, auc: float) -> str:
        return BASIC_INVENTORY + textwrap.indent(VERSION_110.format(stage=stage, auc=auc),
                                                 "    ")

    retire = ("stage: production\n        algorithm", "stage: retired\n        algorithm")
    steps = [
        inline("development", 0.84),
        inline("staging", 0.70),
        inline("production", 0.70).replace(*retire, 1),
        inline("production", 0.90).replace(*retire, 1).replace(
            "owner: risk-analytics\n    risk", "owner: model-risk\n    risk", 1),
    ]
    for n, text in enumerate(steps, 2):
        repo.write("models.yaml", text)
        repo.commit(f"step {n} (#{n})", date=f"2026-07-0{n}T10:00:00+00:00")
    head = repo.git("rev-parse", "HEAD")
    fast, full = replay(repo.root, head), replay(repo.root, head, judge_all=True)
    assert [e.as_dict() for e in fast.events] == [e.as_dict() for e in full.events]
    assert any(e.verdict == "fail" for e in fast.events)
    assert fast.states == full.states and fast.unreadable == full.unreadable
