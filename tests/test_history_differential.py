"""Differential: the history's shortcuts against the plain full computation.

The replay parses only the pieces of models.yaml that changed, validates and judges only what
each commit's events are about, and keeps what it derived while it stays the same. Its plain
twin (`replay(..., plain=True)`) parses every commit's files whole and validates, judges and
derives everything afresh. On generated repositories with random edits (models, versions,
datasets, teams, owners, validations, validators leaving and joining their team; split
layouts, moved, renamed and deleted files; commits that do not parse or are not valid in the
middle; policy and waiver changes) both must give the same timeline, and `charter history
--format json` the same bytes.
"""

from __future__ import annotations

import copy
import json
import random
from typing import Any

import pytest
import yaml

from charter.gate.ledger import ledger_at
from charter.history import build_timeline
from charter.history.replay import Replay, replay
from conftest import BASIC_INVENTORY, BASIC_POLICIES, GitRepo

STAGES = ("development", "staging", "production", "retired")
# Beside the two errors about versions: rules whose findings never block a version's or a
# model's verdict (a warning; a change-level error, about the change itself).
POLICIES = BASIC_POLICIES + """\
  DOC-001:
    title: Versions name their artifact
    severity: warning
    applies_to: version
    require: {field: artifact, exists: true}
  CHG-001:
    title: A change removes no model
    severity: error
    applies_to: change
    require: {field: change.models.removed, count: {equals: 0}}
"""
ROOT = yaml.safe_load(BASIC_INVENTORY)
PEOPLE = ("vera", "victor", "dana", "ravi")


class Inventory:
    """A generated inventory and the files it is written to."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.sections: dict[str, dict[str, Any]] = {
            "models": {"credit": copy.deepcopy(ROOT["models"]["credit"])},
            "datasets": copy.deepcopy(ROOT["datasets"])}
        self.teams = copy.deepcopy(ROOT["teams"])
        self.split: set[tuple[str, str]] = set()  # (section, name) written to its own file
        self.serial = 0

    @property
    def models(self) -> dict[str, Any]:
        return self.sections["models"]

    def files(self) -> dict[str, str]:
        root: dict[str, Any] = {"charter": 1, "teams": self.teams}
        for section, entries in self.sections.items():
            inline = {n: e for n, e in entries.items() if (section, n) not in self.split}
            if inline:
                root[section] = inline
        files = {"models.yaml": yaml.safe_dump(root, sort_keys=False)}
        for section, name in self.split:
            files[f"{section}/{name}.yaml"] = yaml.safe_dump(self.sections[section][name],
                                                             sort_keys=False)
        return files

    def version(self) -> dict[str, Any]:
        data = self.rng.choice(sorted(self.dataset_refs()) or ["loans@2024-06"])
        record: dict[str, Any] = {
            "stage": self.rng.choice(STAGES[:2]), "algorithm": "GradientBoostingClassifier",
            "training_data": [data],
            "evaluation": {"dataset": data, "target": "defaulted",
                           "metrics": {"roc_auc": self.rng.choice([0.7, 0.8, 0.9])}}}
        if self.rng.random() < 0.5:
            record["validation"] = self.validation()
        return record

    def validation(self) -> dict[str, str]:
        # mostly a validator: a version whose validator left its team is then found again
        by = self.rng.choice(("vera", "victor") if self.rng.random() < 0.9 else PEOPLE)
        return {"by": by, "outcome": "approved",
                "date": self.rng.choice(["2026-05-01", "2026-06-01", "2026-07-01"])}

    def dataset_refs(self) -> set[str]:
        return {f"{name}@{version}" for name, dataset in self.sections["datasets"].items()
                for version in dataset.get("versions") or {}}

    def edit(self) -> str:
        """One random edit; its name (the commit message)."""
        roll = self.rng.random()
        self.serial += 1
        if roll < 0.2:
            return self.edit_dataset()
        if roll < 0.4:
            return self.edit_people()
        return self.edit_model()

    def edit_model(self) -> str:
        rng = self.rng
        name = rng.choice(sorted(self.models))
        versions = self.models[name]["versions"]
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
            self.split.discard(("models", name))
            return "delete model"
        return self.move_or_rename("models", name) or self.set_risk_tier(name)

    def set_risk_tier(self, name: str) -> str:
        self.models[name]["risk_tier"] = self.rng.choice(["high", "medium", "low"])
        return "risk tier"

    def move_or_rename(self, section: str, name: str) -> str | None:
        if self.rng.random() < 0.6:
            self.split ^= {(section, name)}  # into its own file, or back into models.yaml
            return "move"
        if (section, name) in self.split:  # a renamed file renames its entry
            new = f"r{self.serial}"
            entries = self.sections[section]
            entries[new] = entries.pop(name)
            self.split = (self.split - {(section, name)}) | {(section, new)}
            return "rename"
        return None

    def edit_dataset(self) -> str:
        rng = self.rng
        entries = self.sections["datasets"]
        name = rng.choice(sorted(entries))
        versions = entries[name].setdefault("versions", {})
        roll = rng.random()
        if roll < 0.3:
            versions[f"2025-{self.serial:02d}"] = {"path": f"data/{name}-{self.serial}.csv",
                                                    "created": "2025-01-01"}
            return "add dataset version"
        if roll < 0.45 and versions:
            versions[rng.choice(sorted(versions))]["path"] = f"data/moved-{self.serial}.csv"
            return "dataset changed"
        if roll < 0.55:
            entries[name]["contains_pii"] = not entries[name].get("contains_pii")
            return "pii"
        if roll < 0.65 and len(versions) > 1:
            del versions[rng.choice(sorted(versions))]  # may leave a reference dangling
            return "delete dataset version"
        if roll < 0.75:
            entries[f"d{self.serial}"] = {"owner": "risk-analytics", "contains_pii": False,
                                          "versions": {"2025-01": {"path": "data/d.csv"}}}
            return "add dataset"
        return self.move_or_rename("datasets", name) or "no change"

    def edit_people(self) -> str:
        rng = self.rng
        roll = rng.random()
        if roll < 0.4:  # someone joins or leaves, now or on a day during the history
            members = self.teams[rng.choice(sorted(self.teams))]["members"]
            person = rng.choice(PEOPLE)
            present = [m for m in members if (m if isinstance(m, str) else m["id"]) == person]
            if present and rng.random() < 0.2:
                members.append(person)  # listed twice: the teams are not valid
            elif present and len(members) > 1:
                members.remove(present[0])
            elif not present:
                members.append(rng.choice([  # days around the validations and the commits
                    person, {"id": person, "until": "2026-07-01"},
                    {"id": person, "since": "2026-07-02"}, {"id": person, "until": "2026-05-15"},
                    {"id": person, "since": "2026-06-15"},
                    {"id": person, "since": "2026-07-02", "until": "2026-06-01"}]))
            return "members"
        if roll < 0.55:  # the validator of some version leaves the validating team, or joins
            members = self.teams["model-risk"]["members"]
            person = rng.choice(sorted({r["validation"]["by"] for m in self.models.values()
                                        for r in m["versions"].values() if "validation" in r}
                                       or PEOPLE))
            listed = [m for m in members if (m if isinstance(m, str) else m["id"]) == person]
            if listed and len(members) > 1:
                members.remove(listed[0])
            elif not listed:
                members.append(person)
            return "validator moves"
        name = rng.choice(sorted(self.models))
        if roll < 0.7:
            self.models[name]["owner"] = rng.choice(["risk-analytics", "model-risk"])
            return "owner"
        versions = self.models[name]["versions"]
        if versions:
            versions[rng.choice(sorted(versions))]["validation"] = self.validation()
        return "validation"


def broken(rng: random.Random, files: dict[str, str]) -> dict[str, str]:
    """The files with one that does not parse, is not valid, or breaks the layout."""
    path = rng.choice(sorted(files))
    kind = rng.randrange(6)
    if kind == 0:
        return {**files, path: files[path] + "  bad: [unclosed\n"}
    if kind == 1:
        return {**files, path: files[path].replace("stage: development", "stage: prod", 1)}
    if kind == 4:  # a field of the wrong type, or one the schema does not know
        return {**files, path: files[path].replace(
            "algorithm: GradientBoostingClassifier", rng.choice([
                "algorithm: [GradientBoostingClassifier]", "algoritm: Gradient"]), 1)}
    if kind == 2:
        return {**files, "models/Not A Name.yaml": "title: x\n"}
    if kind == 5:  # valid fields that are not valid together in a version: no stage
        return {**files, path: files[path].replace("    stage: ", "    x-stage: ", 1)}
    name = next((p for p in files if p.startswith("models/")), None)
    if name is None:  # a record defined in models.yaml and in its own file
        return {**files, "models/credit.yaml": yaml.safe_dump(ROOT["models"]["credit"])}
    return {**files, "models.yaml": files["models.yaml"] + "  bad-root: [\n"}


def waivers(rng: random.Random) -> str:
    """A waivers file: some of them lapse during the history, some are approved by people
    who cannot approve them."""
    chosen = [{"id": f"W-{n}", "rule": rng.choice(["PERF-001", "VAL-001"]),
               "target": rng.choice(["credit@*", "m*", "*"]),
               "justification": "A generated exception", "approved_by": rng.choice(PEOPLE),
               # the commits are dated 2026-07-01 and 07-02: one expiry falls between them
               "expires": rng.choice(["2026-07-01", "2026-07-02", "2026-07-04", "2027-01-01"])}
              for n in range(rng.randrange(3))]
    return yaml.safe_dump({"charter": 1, "waivers": chosen}, sort_keys=False)


def write(repo: GitRepo, files: dict[str, str]) -> None:
    for old in [*repo.root.glob("models/*.yaml"), *repo.root.glob("datasets/*.yaml")]:
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
    repo.write("policies/rules.yaml", POLICIES)
    repo.commit("initial", date="2026-06-01T09:00:00+00:00")
    breakage: int | None = None  # how the files are broken, while they stay broken
    for n in range(commits):
        date = f"2026-07-{1 + n // 24:02d}T{n % 24:02d}:00:00+00:00"
        roll = rng.random()
        if breakage is not None and roll < 0.5:  # edited again, still broken
            message = inventory.edit() + " (still broken)"
            write(repo, broken(random.Random(breakage), inventory.files()))
        elif roll < 0.1:
            breakage = rng.randrange(1 << 30)
            write(repo, broken(random.Random(breakage), inventory.files()))
            message = "broken"
        elif roll < 0.15:
            floor = rng.choice(["0.7", "0.75", "0.8"])
            repo.write("policies/rules.yaml", POLICIES.replace("gte: 0.75", f"gte: {floor}"))
            message = "policy"
        elif roll < 0.2:
            repo.write("policies/waivers.yaml", waivers(rng))
            message = "waivers"
        else:
            message = " and ".join(inventory.edit() for _ in range(rng.choice([1, 1, 2])))
            write(repo, inventory.files())
        if message != "broken" and "still" not in message:
            breakage = None
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


@pytest.mark.parametrize("seed", range(10, 13))
def test_charter_history_prints_what_the_plain_computation_gives_byte_for_byte(
        repo: GitRepo, seed: int) -> None:
    generated(repo, seed, 45)
    run = repo.charter("history", "--format", "json", "--no-cache")
    assert run.code == 0, run.err
    plain = build_timeline(repo.root, use_cache=False, ledger_at=ledger_at(repo.root),
                           plain=True)
    assert run.out == json.dumps(plain.as_dict(), indent=2) + "\n"
    events = json.loads(run.out)["events"]
    kinds = {e["kind"] for e in events}
    assert "policy-changed" in kinds and {k for k in kinds if k.startswith("dataset-")}
    assert {e["verdict"] for e in events} >= {"pass", "fail"}


def test_an_invalid_version_left_unchanged_still_fails_the_commits_that_edit_its_siblings(
        repo: GitRepo) -> None:
    """A model's versions are validated again only when their records change: a version
    whose record is not valid keeps every commit that touches its model failing until it
    is fixed, as the plain computation finds."""
    def version(name: str, extra: str = "") -> str:
        return (f'      "{name}":\n        stage: development\n'
                "        algorithm: GradientBoostingClassifier\n"
                "        training_data: [loans@2024-06]\n"
                "        evaluation: {dataset: loans@2024-06, target: defaulted, "
                f"metrics: {{roc_auc: 0.8}}}}\n{extra}")

    repo.write("policies/rules.yaml", POLICIES)
    bad = "        colour: blue\n"  # a field no version may have
    tuned = "        parameters: {depth: 3}\n"
    steps = [("add 2.0.0, not valid", version("2.0.0", bad)),
             ("add 3.0.0", version("2.0.0", bad) + version("3.0.0")),
             ("fix 2.0.0", version("2.0.0") + version("3.0.0")),
             ("tune 3.0.0", version("2.0.0") + version("3.0.0", tuned))]
    repo.write("models.yaml", BASIC_INVENTORY)
    repo.commit("start (#1)", date="2026-07-01T10:00:00+00:00")
    for n, (message, versions) in enumerate(steps):
        repo.write("models.yaml", BASIC_INVENTORY + versions)
        repo.commit(f"{message} (#{n + 2})", date=f"2026-07-0{n + 2}T10:00:00+00:00")
    head = repo.git("rev-parse", "HEAD")
    fast, full = replay(repo.root, head), replay(repo.root, head, plain=True)
    assert plain_view(fast) == plain_view(full)
    verdicts = {(e.message.split(" (#")[0], e.version): (e.verdict, e.findings)
                for e in fast.events}
    verdict, findings = verdicts[("add 3.0.0", "3.0.0")]
    assert verdict == "fail" and any("2.0.0" in f and "colour" in f for f in findings)
    assert verdicts[("fix 2.0.0", "2.0.0")][0] == "pass"
    assert verdicts[("tune 3.0.0", "3.0.0")][0] == "pass"
