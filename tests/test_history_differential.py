"""Differential: the history's shortcuts against the plain full computation.

The replay parses only the pieces of models.yaml that changed, validates and judges only what
each commit's events are about, and keeps what it derived while it stays the same. Its plain
twin (`replay(..., plain=True)`) parses every commit's files whole and validates, judges and
derives everything afresh. On generated repositories with random edits (split layouts,
renamed and deleted files, commits that do not parse or are not valid in the middle, policy
changes) both must give the same timeline.
"""

from __future__ import annotations

import random
from typing import Any

import pytest
import yaml

from charter.history.replay import Replay, replay
from conftest import BASIC_INVENTORY, BASIC_POLICIES, GitRepo

STAGES = ("development", "staging", "production", "retired")
ROOT = yaml.safe_load(BASIC_INVENTORY)


class Inventory:
    """A generated inventory and the files it is written to."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.models: dict[str, Any] = {"credit": ROOT["models"]["credit"]}
        self.split: set[str] = set()  # models written to models/<name>.yaml
        self.serial = 0

    def files(self) -> dict[str, str]:
        root = {k: v for k, v in ROOT.items() if k != "models"}
        inline = {n: m for n, m in self.models.items() if n not in self.split}
        if inline:
            root["models"] = inline
        files = {"models.yaml": yaml.safe_dump(root, sort_keys=False)}
        for name in self.split:
            files[f"models/{name}.yaml"] = yaml.safe_dump(self.models[name], sort_keys=False)
        return files

    def version(self) -> dict[str, Any]:
        record: dict[str, Any] = {
            "stage": self.rng.choice(STAGES[:2]), "algorithm": "GradientBoostingClassifier",
            "training_data": ["loans@2024-06"],
            "evaluation": {"dataset": "loans@2024-06", "target": "defaulted",
                           "metrics": {"roc_auc": self.rng.choice([0.7, 0.8, 0.9])}}}
        if self.rng.random() < 0.5:
            record["validation"] = {"by": "vera", "date": "2026-06-01", "outcome": "approved"}
        return record

    def edit(self) -> str:
        """One random edit; its name (the commit message)."""
        rng = self.rng
        name = rng.choice(sorted(self.models))
        versions = self.models[name]["versions"]
        self.serial += 1
        roll = rng.random()
        if roll < 0.25 and versions:
            record = versions[rng.choice(sorted(versions))]
            record["stage"] = rng.choice(STAGES)
            if record["stage"] == "production" and rng.random() < 0.5:
                record["deployments"] = [{"target": "api", "since": "2026-06-02"}]
            return "stage"
        if roll < 0.4 and versions:
            record = versions[rng.choice(sorted(versions))]
            record.setdefault("evaluation", {"metrics": {}}).setdefault("metrics", {})[
                "roc_auc"] = rng.choice([0.6, 0.76, 0.88])
            return "metric"
        if roll < 0.55:
            versions[f"1.{self.serial}.0"] = self.version()
            return "add version"
        if roll < 0.62 and len(versions) > 1:
            del versions[rng.choice(sorted(versions))]
            return "delete version"
        if roll < 0.7:
            self.models[f"m{self.serial}"] = {
                "title": f"Model {self.serial}", "owner": "risk-analytics",
                "risk_tier": rng.choice(["high", "low"]),
                "versions": {"1.0.0": self.version()}}
            return "add model"
        if roll < 0.75 and len(self.models) > 1:
            del self.models[name]
            self.split.discard(name)
            return "delete model"
        if roll < 0.85:
            self.split ^= {name}  # into its own file, or back into models.yaml
            return "move"
        if name in self.split:  # a renamed file renames its model
            new = f"r{self.serial}"
            self.models[new] = self.models.pop(name)
            self.split = (self.split - {name}) | {new}
            return "rename"
        self.models[name]["risk_tier"] = rng.choice(["high", "medium", "low"])
        return "risk tier"


def broken(rng: random.Random, files: dict[str, str]) -> dict[str, str]:
    """The files with one that does not parse, is not valid, or breaks the layout."""
    path = rng.choice(sorted(files))
    kind = rng.randrange(4)
    if kind == 0:
        return {**files, path: files[path] + "  bad: [unclosed\n"}
    if kind == 1:
        return {**files, path: files[path].replace("stage: development", "stage: prod", 1)}
    if kind == 2:
        return {**files, "models/Not A Name.yaml": "title: x\n"}
    name = next((p for p in files if p.startswith("models/")), None)
    if name is None:  # a record defined in models.yaml and in its own file
        return {**files, "models/credit.yaml": yaml.safe_dump(ROOT["models"]["credit"])}
    return {**files, "models.yaml": files["models.yaml"] + "  bad-root: [\n"}


def write(repo: GitRepo, files: dict[str, str]) -> None:
    for old in [*repo.root.glob("models/*.yaml")]:
        if str(old.relative_to(repo.root)) not in files:
            old.unlink()
    for path, text in files.items():
        target = repo.root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)


def generated(repo: GitRepo, seed: int, commits: int) -> str:
    rng = random.Random(seed)
    inventory = Inventory(rng)
    write(repo, inventory.files())
    repo.write("policies/rules.yaml", BASIC_POLICIES)
    repo.commit("initial", date="2026-06-01T09:00:00+00:00")
    for n in range(commits):
        date = f"2026-07-{1 + n // 24:02d}T{n % 24:02d}:00:00+00:00"
        roll = rng.random()
        if roll < 0.12:
            write(repo, broken(rng, inventory.files()))
            message = "broken"
        elif roll < 0.18:
            floor = rng.choice(["0.7", "0.75", "0.8"])
            repo.write("policies/rules.yaml", BASIC_POLICIES.replace("gte: 0.75", f"gte: {floor}"))
            message = "policy"
        else:
            message = " and ".join(inventory.edit() for _ in range(rng.choice([1, 1, 2])))
            write(repo, inventory.files())
        repo.commit(f"{message} (#{n + 2})", date=date)
    return repo.git("rev-parse", "HEAD")


def plain_view(result: Replay) -> dict[str, Any]:
    return {"events": [e.as_dict() for e in result.events],
            "unreadable": [u.as_dict() for u in result.unreadable],
            "states": result.states, "served": result.served, "notes": result.notes}


@pytest.mark.parametrize("seed", range(3))
def test_the_optimised_history_equals_the_plain_full_computation(repo: GitRepo, seed: int
                                                                 ) -> None:
    head = generated(repo, seed, 30)
    fast, full = replay(repo.root, head), replay(repo.root, head, plain=True)
    assert plain_view(fast) == plain_view(full)
    kinds = {e.kind for e in full.events}
    assert len(full.events) > 20 and len(kinds) > 4  # the edits exercised the replay
