"""`check --all` on a split inventory parses the entity files in several processes: it reports
exactly what one process reports (every field of every finding, in order), with or without
the cache, and a file that does not parse fails the check with the error one process gives."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

import pytest

from charter.errors import CharterError
from charter.gate.judge import gate
from charter.gate.request import CheckOptions
from charter.inventory import entityfiles
from charter.policy import evaluate, parallel
from conftest import TODAY, GitRepo
from scenarios import write_files
from test_split_scale import RULES, generated

MODELS = 24


@pytest.fixture
def split(repo: GitRepo) -> GitRepo:
    files = generated(MODELS)
    for m in range(0, MODELS, 5):  # some versions below the floor: findings in their files
        files[f"models/model-{m}.yaml"] = files[f"models/model-{m}.yaml"].replace(
            "roc_auc: 0.8", "roc_auc: 0.6")
    write_files(repo, files)
    repo.write("policies/rules.yaml", RULES)
    repo.commit("inventory")
    return repo


def _check_all(root: Path, workers: str, monkeypatch: pytest.MonkeyPatch,
               use_cache: bool = False) -> Any:
    monkeypatch.setattr(parallel, "MIN_PER_WORKER", 1)
    monkeypatch.setenv(parallel.WORKERS_ENV, workers)
    options = CheckOptions(root=root, today=dt.date.fromisoformat(TODAY), scope_all=True,
                           use_cache=use_cache, evidence="none")
    try:
        return gate(options).findings
    except CharterError as error:
        return str(error)


def test_entity_files_are_parsed_in_several_processes(
        split: GitRepo, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    parsed_by = tmp_path / "parsed-by"
    real = entityfiles.load_yaml_text

    def noted(text: str | bytes, file: str) -> Any:
        with parsed_by.open("a") as out:  # a child's memory is gone when it ends: a file
            out.write(f"{os.getpid()} {file}\n")
        return real(text, file)

    monkeypatch.setattr(entityfiles, "load_yaml_text", noted)
    findings = _check_all(split.root, "3", monkeypatch)
    assert findings and any(f.file.startswith("models/") and f.line > 1 for f in findings)
    lines = parsed_by.read_text().split()
    assert len(set(lines[0::2])) == 3  # the parent and two children
    assert sorted(lines[1::2]) == sorted({*lines[1::2]})  # each file parsed once
    folders: dict[str, set[str]] = {}
    for pid, file in zip(lines[0::2], lines[1::2], strict=True):
        folders.setdefault(pid, set()).add(file.split("/")[0])
    # shared in a mixed order: the large model files are not all one process's
    assert all(seen == {"models", "datasets"} for seen in folders.values())


def test_each_process_judges_every_kind_of_entity(
        split: GitRepo, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    judged_by = tmp_path / "judged-by"
    real = evaluate._judge_entities

    def noted(entities: Any, *args: Any) -> Any:
        with judged_by.open("a") as out:
            out.writelines(f"{os.getpid()} {entity.kind}\n" for entity, _ in entities)
        return real(entities, *args)

    monkeypatch.setattr(evaluate, "_judge_entities", noted)
    findings = _check_all(split.root, "2", monkeypatch)
    monkeypatch.setattr(evaluate, "_judge_entities", real)
    assert findings == _check_all(split.root, "1", monkeypatch)
    kinds: dict[str, set[str]] = {}
    for line in judged_by.read_text().splitlines():  # the run in two processes
        pid, kind = line.split()
        kinds.setdefault(pid, set()).add(kind)
    assert len(kinds) == 2 and all(k == {"model", "version", "dataset"} for k in kinds.values())


def test_processes_report_what_one_process_reports(
        split: GitRepo, monkeypatch: pytest.MonkeyPatch) -> None:
    alone = _check_all(split.root, "1", monkeypatch)
    assert isinstance(alone, tuple) and any(f.rule == "AUC-001" for f in alone)
    assert _check_all(split.root, "3", monkeypatch) == alone
    # the cache's first run fills it, the second reads it: the same findings each time
    assert _check_all(split.root, "3", monkeypatch, use_cache=True) == alone
    assert _check_all(split.root, "3", monkeypatch, use_cache=True) == alone
    assert _check_all(split.root, "1", monkeypatch, use_cache=True) == alone


@pytest.mark.parametrize("broken", [
    "owner: ds\nversions: {1.0.0: [\n",  # not YAML
    "- a list\n",  # not a mapping
    "",  # empty
])
def test_a_file_that_does_not_parse_fails_as_in_one_process(
        split: GitRepo, monkeypatch: pytest.MonkeyPatch, broken: str) -> None:
    for m in (3, 17):
        split.write(f"models/model-{m}.yaml", broken)
    split.commit("broken")
    alone = _check_all(split.root, "1", monkeypatch)
    assert isinstance(alone, str) and "models/model-" in alone
    assert _check_all(split.root, "3", monkeypatch) == alone
