"""A split inventory at scale: what a pull request's check and `check --all` ask of git.

A pull request's check must not go through every entity file (its cost would grow with the
inventory); `check --all` reads every file through one git process per revision and names
authors from one `git log`, not a process per file. Each optimisation has its plain twin:
the scoped check of randomly edited split repositories reports every new blocking finding
of the full check, and the authors from `git log` are those `git blame` gives.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from charter.errors import CharterError
from charter.gate.judge import _file_authors, gate
from charter.gate.request import CheckOptions
from charter.vcs import git
from conftest import TODAY, GitRepo
from scenarios import split_inventory, write_files
from test_gate_property import POLICIES, edited, inventories

MODELS = 30


def generated(models: int) -> dict[str, str]:
    """A split inventory of `models` models (each with a development and a validated
    production version) and a dataset each."""
    root = {"charter": 1, "teams": {"ds": {"members": ["dana"]},
                                     "mr": {"members": ["vera"], "validates": True}}}
    files = {"models.yaml": yaml.safe_dump(root, sort_keys=False)}
    for m in range(models):
        files[f"datasets/data-{m}.yaml"] = yaml.safe_dump({
            "owner": "ds", "contains_pii": False,
            "versions": {"v1": {"path": f"data/{m}.csv"}}}, sort_keys=False)
        version = {"stage": "development", "training_data": [f"data-{m}@v1"],
                   "evaluation": {"dataset": f"data-{m}@v1", "target": "y",
                                  "metrics": {"roc_auc": 0.8}}}
        released = {**version, "stage": "production",
                    "validation": {"by": "vera", "date": "2026-05-01", "outcome": "approved"}}
        files[f"models/model-{m}.yaml"] = yaml.safe_dump({
            "title": f"Model {m}", "owner": "ds", "risk_tier": "high",
            "purpose": "Decide", "versions": {"1.0.0": released, "1.1.0": version}},
            sort_keys=False)
    return files


RULES = """\
charter: 1
rules:
  AUC-001:
    title: Versions reach the AUC floor
    severity: error
    applies_to: version
    require: {field: evaluation.metrics.roc_auc, gte: 0.75}
"""


@pytest.fixture
def large(repo: GitRepo) -> GitRepo:
    write_files(repo, generated(MODELS))
    repo.write("policies/rules.yaml", RULES)
    repo.commit("inventory")
    return repo


def traced(repo: GitRepo, *args: str) -> tuple[int, list[str]]:
    trace = repo.root.parent / "git-trace"
    trace.unlink(missing_ok=True)
    run = repo.charter("check", "--today", TODAY, "--evidence", "none", "--no-cache", *args,
                       env={"GIT_TRACE": str(trace)})
    commands = [line.split("trace: built-in: git ", 1)[1] for line in
                trace.read_text().splitlines() if "trace: built-in: git " in line]
    return run.code, commands


def test_a_pull_request_on_one_model_file_never_lists_the_entity_folders(large: GitRepo
                                                                        ) -> None:
    path = large.root / "models/model-7.yaml"
    path.write_text(path.read_text().replace("roc_auc: 0.8", "roc_auc: 0.5", 1))
    code, commands = traced(large)
    assert code == 1
    listings = [c for c in commands if c.startswith("ls-tree") and " -r " in f" {c} "
                and ("models" in c.split(" -- ")[-1].split() or "datasets" in c)]
    assert listings == []
    # a few git processes, however many files the inventory holds
    assert len(commands) < 25, commands
    # git compares every file of the working tree with the base once, not once per question
    assert len([c for c in commands if c.startswith("diff ") and " -- " not in c]) == 1, (
        commands)
    assert not [c for c in commands if c.startswith("diff --name-only")], commands
    # the ledger's changes and untracked files come from the same diff and index listing
    assert not [c for c in commands if c.endswith(" -- monitoring")], commands


def test_a_pull_request_judged_as_a_commit_reads_only_the_files_it_changed(large: GitRepo
                                                                          ) -> None:
    large.git("checkout", "-q", "-b", "feature")
    path = large.root / "models/model-7.yaml"
    path.write_text(path.read_text().replace("roc_auc: 0.8", "roc_auc: 0.5", 1))
    large.commit("weaker")
    code, commands = traced(large, "--base", "main", "--head", "feature")
    assert code == 1
    # the edit reaches model-7@1.1.0, in development, through a YAML alias: one log and one
    # reader ask the base's history whether it was ever released (CHARTER-C023)
    history = [c for c in commands if c.startswith("log") and " -G " in f" {c} "]
    assert len(history) == 1, commands
    commands = [c for c in commands if c not in history]
    commands.remove("cat-file --batch")
    # the changed file is found by git's tree diff, not by hashing every record
    reads = [c for c in commands if c.startswith(("cat-file", "show"))]
    assert len(commands) < 25 and len(reads) < 6, commands
    # one diff of the two trees answers every question about the change, and links are
    # looked for in the tree objects, never in a listing of every file of the inventory
    assert len([c for c in commands if c.startswith(("diff ", "diff-tree "))
                and " -- " not in c]) == 1, commands
    assert not [c for c in commands if c.endswith(" -- monitoring")], commands
    listings = [c for c in commands if c.startswith("ls-tree") and " -r " in f" {c} "]
    assert not [c for c in listings if " -- " not in c or "models datasets" in c], commands


def test_a_linked_model_file_is_judged_when_what_it_leads_to_changes(large: GitRepo) -> None:
    """A committed link stays the same blob while its target is edited: still judged."""
    (large.root / "shared").mkdir()
    (large.root / "models/model-7.yaml").rename(large.root / "shared/model-7.yaml")
    (large.root / "models/model-7.yaml").symlink_to("../shared/model-7.yaml")
    large.commit("linked")
    large.git("checkout", "-q", "-b", "feature")
    path = large.root / "shared/model-7.yaml"
    path.write_text(path.read_text().replace("roc_auc: 0.8", "roc_auc: 0.5", 1))
    large.commit("weaker through the link")
    for head in ("feature", None):  # as a commit, and as the working tree
        run = large.charter("check", "--today", TODAY, "--evidence", "none", "--no-cache",
                            "--base", "main", *(["--head", head] if head else []))
        assert run.code == 1, run.out + run.err
        assert "AUC-001" in run.out and "model-7@1.0.0" in run.out


def test_check_all_runs_a_bounded_number_of_git_processes(large: GitRepo) -> None:
    large.git("checkout", "-q", "-b", "feature")
    path = large.root / "models/model-3.yaml"
    path.write_text(path.read_text().replace("roc_auc: 0.8", "roc_auc: 0.5", 1))
    large.commit("weaker")
    code, commands = traced(large, "--all", "--base", "main", "--head", "feature")
    assert code == 1
    # every record is read and judged with its author: not a process per file
    assert len(commands) < 30, sorted(commands)
    assert not [c for c in commands if c.startswith("cat-file blob")]
    # only the file edited since it was written is blamed line by line
    assert [c.split(" -- ")[-1] for c in commands if c.startswith("blame")] == [
        "models/model-3.yaml"]


def test_authors_from_one_log_are_those_blame_gives(repo: GitRepo) -> None:
    files = generated(4)
    write_files(repo, files)
    repo.commit("inventory", author="Ana <ana@example.com>")
    edited_file = repo.root / "models/model-1.yaml"
    edited_file.write_text(edited_file.read_text().replace("1.1.0", "1.2.0"))
    repo.commit("a new version", author="Ben <ben@example.com>")
    repo.git("mv", "models/model-2.yaml", "models/model-9.yaml")
    repo.commit("renamed", author="Cy <cy@example.com>")
    repo.git("checkout", "-q", "-b", "side")
    repo.write("models/model-5.yaml", files["models/model-3.yaml"].replace("Model 3", "M5"))
    repo.commit("on a branch", author="Dee <dee@example.com>")
    repo.git("checkout", "-q", "main")
    repo.git("merge", "-q", "--no-ff", "-m", "merge", "side")
    head = repo.git("rev-parse", "HEAD")
    sole = git.sole_authors(repo.root, head, ["models", "datasets"])
    for path in repo.git("ls-files", "models", "datasets").split():
        lines = len((repo.root / path).read_text().splitlines())
        blamed = {author for authors in _file_authors(
            repo.root, head, path, {str(n): [n] for n in range(1, lines + 1)}).values()
            for author in authors}
        if path in sole:
            assert blamed == {sole[path]}, path
    assert sole["models/model-0.yaml"] == "Ana <ana@example.com>"
    assert "models/model-1.yaml" not in sole  # edited since: blamed line by line
    assert "models/model-9.yaml" not in sole  # renamed: blame follows it to Ana
    assert "models/model-5.yaml" not in sole  # a merge brought it


PROFILE = settings(max_examples=8, deadline=None, derandomize=True, database=None,
                   suppress_health_check=list(HealthCheck),
                   phases=(Phase.explicit, Phase.generate))
Found = tuple[str, frozenset[tuple[str, str]]]


def _judge(root: Path, scope_all: bool, head: str | None = None) -> Found:
    options = CheckOptions(root=root, base="main", head=head, today=dt.date.fromisoformat(TODAY),
                           scope_all=scope_all, use_cache=False, evidence="none")
    try:
        result = gate(options)
    except CharterError:
        return "invalid", frozenset()
    return "ok", frozenset((f.rule, f.entity) for f in result.findings if f.blocking)


def _write_split(repo: GitRepo, inventory: dict[str, Any]) -> None:
    for folder in ("models", "datasets"):
        shutil.rmtree(repo.root / folder, ignore_errors=True)
    names = {s: list(v) if isinstance(v := inventory.get(s), dict) else []
             for s in ("models", "datasets")}  # a section edited into a scalar stays inline
    write_files(repo, split_inventory(yaml.safe_dump(inventory, sort_keys=False),
                                      names["models"], names["datasets"]))


@PROFILE
@given(st.data())
def test_the_scoped_check_of_an_edited_split_repository_misses_nothing(
        tmp_path_factory: pytest.TempPathFactory, data: st.DataObject) -> None:
    base = data.draw(inventories())
    head = data.draw(edited(base))
    repo = GitRepo(tmp_path_factory.mktemp("split"))
    repo.git("init", "-q", "-b", "main")
    for key, value in (("user.name", "Test"), ("user.email", "test@example.com")):
        repo.git("config", key, value)
    _write_split(repo, base)
    repo.write("policies/rules.yaml", POLICIES)
    repo.commit("base")
    before = _judge(repo.root, True, head="main")
    if before[0] == "invalid":
        return  # an invalid base proves nothing here
    _write_split(repo, head)
    full = _judge(repo.root, True)
    scoped = _judge(repo.root, False)
    if full[0] == "invalid":
        assert scoped[0] == "invalid", "the full check finds the head invalid, the scoped not"
        return
    assert scoped[0] == "ok", "the scoped check finds the head invalid, the full check not"
    new = full[1] - before[1]
    assert new <= scoped[1], f"missed by the scoped check: {sorted(new - scoped[1])}"
    # the same head committed, judged as a commit: git's tree diff scopes it the same way
    repo.git("checkout", "-q", "-b", "feature")
    repo.commit("head")
    assert _judge(repo.root, False, head="feature") == scoped
