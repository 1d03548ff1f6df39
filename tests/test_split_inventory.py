"""A split inventory: models.yaml as the root, one file per model and per dataset."""

from __future__ import annotations

import copy
import datetime as dt
import json
from collections.abc import Callable, Mapping
from typing import Any

import pytest
import yaml

from charter.errors import CharterError
from charter.gate.judge import gate
from charter.gate.request import CheckOptions
from charter.inventory.diff import diff_inventories
from charter.inventory.snapshot import load_snapshot
from charter.vcs.cache import Cache
from charter.vcs.revisions import Revision
from conftest import BASIC_INVENTORY, BASIC_POLICIES, TODAY, GitRepo, run_charter
from scenarios import check, split_inventory, write_files

PII_RULE = """\
  PII-001:
    title: Versions are not evaluated on personal data
    severity: error
    applies_to: version
    require: {field: evaluation_dataset.contains_pii, equals: false}
"""

CHURN = """\
  churn:
    title: Churn
    owner: risk-analytics
    risk_tier: high
    purpose: Keep customers
    versions:
      "2.0.0":
        stage: development
        training_data: [events@2024-07]
        evaluation: {dataset: events@2024-07, target: churned, metrics: {roc_auc: 0.9}}
"""

EVENTS = """\
  events:
    owner: risk-analytics
    contains_pii: false
    versions:
      "2024-07": {path: data/events.csv, created: 2024-07-31}
"""


def base_data() -> dict[str, Any]:
    text = BASIC_INVENTORY.replace("datasets:\n", "datasets:\n" + EVENTS).replace(
        "models:\n", "models:\n" + CHURN)
    data: dict[str, Any] = yaml.safe_load(text)
    return data


def as_text(data: dict[str, Any]) -> str:
    return yaml.safe_dump(data, sort_keys=False)


def governed_split(repo: GitRepo, data: dict[str, Any], inline: tuple[str, ...] = ()) -> None:
    files = split_inventory(as_text(data), [m for m in data["models"] if m not in inline])
    write_files(repo, files)
    repo.write("policies/rules.yaml", BASIC_POLICIES + PII_RULE)
    repo.commit("inventory")


def findings(repo: GitRepo, scope_all: bool = False) -> set[tuple[str, str, str, str]]:
    options = CheckOptions(root=repo.root, base="main", today=dt.date.fromisoformat(TODAY),
                           scope_all=scope_all, evidence="none")
    result = gate(options)
    return {(f.rule, f.entity, f.severity, f.message) for f in result.findings}


def edit_model(data: dict[str, Any]) -> None:
    data["models"]["credit"]["versions"]["1.0.0"]["evaluation"]["metrics"]["roc_auc"] = 0.7


def add_model(data: dict[str, Any]) -> None:
    weak = copy.deepcopy(data["models"]["churn"])
    weak["versions"]["2.0.0"]["evaluation"]["metrics"]["roc_auc"] = 0.6
    data["models"]["attrition"] = weak


def remove_model(data: dict[str, Any]) -> None:
    del data["models"]["churn"]


def edit_dataset(data: dict[str, Any]) -> None:
    data["datasets"]["loans"]["contains_pii"] = True


def edit_teams(data: dict[str, Any]) -> None:
    data["teams"]["risk-analytics"]["members"].append("vera")  # validates her own team's work


def move_and_edit(data: dict[str, Any]) -> None:
    """With churn written inline in the base: move it into its file, and edit credit."""
    edit_model(data)


EDITS: dict[str, Callable[[dict[str, Any]], None]] = {
    "move a model from models.yaml into its file": move_and_edit,
    "edit a model file": edit_model, "add a model file": add_model,
    "remove a model file": remove_model, "edit a dataset that versions name": edit_dataset,
    "edit the root's teams": edit_teams,
}


@pytest.mark.parametrize("edit", list(EDITS))
def test_the_scoped_check_of_a_split_inventory_finds_what_a_full_check_of_one_file_finds(
        tmp_path: Any, edit: str) -> None:
    split, single = GitRepo(tmp_path / "split"), GitRepo(tmp_path / "single")
    for repo in (split, single):
        repo.root.mkdir()
        repo.git("init", "-q", "-b", "main")
        repo.git("config", "user.email", "t@example.com")
        repo.git("config", "user.name", "T")
    data = base_data()
    governed_split(split, data, inline=("churn",) if edit.startswith("move") else ())
    single.write("models.yaml", as_text(data))
    single.write("policies/rules.yaml", BASIC_POLICIES + PII_RULE)
    single.commit("inventory")
    assert findings(single, scope_all=True) == set()  # the base passes: all that is found is new
    EDITS[edit](data)
    for path in (split.root / "models").glob("*.yaml"):
        path.unlink()
    write_files(split, split_inventory(as_text(data)))
    single.write("models.yaml", as_text(data))
    expected = findings(single, scope_all=True)
    assert expected or edit == "remove a model file"
    assert findings(split) == expected
    assert findings(split, scope_all=True) == expected


def test_moving_a_model_into_its_own_file_changes_nothing(governed: GitRepo) -> None:
    write_files(governed, split_inventory(BASIC_INVENTORY, models=["credit"], datasets=[]))
    base = load_snapshot(Revision.at(governed.root, "main"), lazy=True)
    head = load_snapshot(Revision.worktree(governed.root), lazy=True, donor=base)
    change = diff_inventories(base.inventory, head.inventory)
    assert change.entities == {} and change.unattributed == ()
    assert check(governed).code == 0


def test_a_pull_request_parses_only_the_files_it_changed(repo: GitRepo, tmp_path: Any) -> None:
    data = base_data()
    governed_split(repo, data)
    edit_model(data)
    write_files(repo, split_inventory(as_text(data)))
    cache = Cache(tmp_path / "cache")
    base = load_snapshot(Revision.at(repo.root, "main"), cache, lazy=True)
    head = load_snapshot(Revision.worktree(repo.root), cache, lazy=True, donor=base)
    change = diff_inventories(base.inventory, head.inventory)
    assert {key for key in change.entities} == {("version", "credit@1.0.0")}
    assert base.files is not None and head.files is not None
    records = {id(r): r for files in (base.files, head.files) for r in files.records.values()}
    parsed = sorted((r.revision.commit is None, r.path) for r in records.values() if r._parsed)
    assert parsed == [(False, "models/credit.yaml"), (True, "models/credit.yaml")]
    churn = ("models", "churn")
    assert head.files.record(churn) is base.files.record(churn)  # shared, never read
    assert head.files.record(churn)._raw is None


def test_findings_point_into_the_entity_file(repo: GitRepo) -> None:
    governed_split(repo, base_data())
    text = (repo.root / "models/credit.yaml").read_text()
    repo.write("models/credit.yaml", text.replace("roc_auc: 0.81", "roc_auc: 0.7"))
    line = next(i for i, row in enumerate(text.splitlines(), 1) if "roc_auc: 0.81" in row)
    run = check(repo)
    assert run.code == 1
    assert f"models/credit.yaml:{line}:" in run.out and "PERF-001" in run.out


def test_schema_errors_point_into_the_entity_file(repo: GitRepo) -> None:
    governed_split(repo, base_data())
    text = (repo.root / "models/credit.yaml").read_text()
    repo.write("models/credit.yaml", text.replace("risk_tier: high", "risk_tier: extreme"))
    line = text.splitlines().index("risk_tier: high") + 1
    for run in (check(repo), repo.charter("validate")):
        assert run.code == 2
        assert f"models/credit.yaml:{line}:" in run.err + run.out
        assert "$.models.credit.risk_tier" in run.err + run.out


@pytest.mark.parametrize(("path", "text", "expected"), [
    ("models/credit.yaml", "title: [unclosed\n", "models/credit.yaml:2:1: YAML syntax error"),
    ("models/credit.yaml", "- a list\n", "models/credit.yaml:1: does not hold a mapping"),
    ("models/credit.yaml", "", "models/credit.yaml:1: is empty"),
    ("models/Credit.yaml", "title: x\n", "models/Credit.yaml: not part of the inventory"),
    ("models/team/x.yaml", "title: x\n", "not in subfolders"),
    ("datasets/loans.yml", "owner: x\n", "rename it to datasets/loans.yaml"),
])
def test_unreadable_entity_files_are_errors(repo: GitRepo, path: str, text: str,
                                            expected: str) -> None:
    governed_split(repo, base_data())
    (repo.root / path).parent.mkdir(parents=True, exist_ok=True)
    (repo.root / path).write_text(text)
    run = repo.charter("validate")
    assert run.code == 2, run.out + run.err
    assert expected in run.err, run.err
    assert "Traceback" not in run.err
    with pytest.raises(CharterError) as raised:  # the gate, in process: the same error
        findings(repo)
    assert expected in raised.value.render()


def test_a_model_both_inline_and_in_a_file_is_an_error(repo: GitRepo) -> None:
    data = base_data()
    governed_split(repo, data, inline=("churn",))
    (repo.root / "models/churn.yaml").write_text(as_text(data["models"]["churn"]))
    line = (repo.root / "models.yaml").read_text().splitlines().index("  churn:") + 1
    run = repo.charter("validate")
    assert run.code == 2
    assert f"models.yaml:{line}:3: $.models.churn: model `churn` is defined twice" in run.err


def test_entity_files_without_a_root_are_an_error(repo: GitRepo) -> None:
    governed_split(repo, base_data())
    (repo.root / "models.yaml").unlink()
    run = repo.charter("validate")
    assert run.code == 2 and "root models.yaml is missing" in run.err


def test_a_revision_is_read_from_git_with_its_files(repo: GitRepo) -> None:
    governed_split(repo, base_data())
    (repo.root / "models/churn.yaml").unlink()
    snapshot = load_snapshot(Revision.at(repo.root, "main"))
    assert sorted(snapshot.inventory["models"]) == ["churn", "credit"]
    assert snapshot.source.file_of(("models", "churn", "versions")) == "models/churn.yaml"
    assert snapshot.source.file_of(("teams", "model-risk")) == "models.yaml"
    with pytest.raises(CharterError, match="does not hold a mapping"):
        repo.write("models/churn.yaml", "[1]\n")
        repo.commit("broken")
        load_snapshot(Revision.at(repo.root, "main"))


def test_init_scaffolds_the_split_layout(repo: GitRepo, tmp_path: Any) -> None:
    run = repo.charter("init", "--layout", "split")
    assert run.code == 0, run.err
    assert (repo.root / "models/credit-risk.yaml").is_file()
    assert (repo.root / "datasets/loan-holdout.yaml").is_file()
    repo.commit("governance repository")
    checked = repo.charter("check", "--all")
    assert checked.code == 0 and "PASS: 0 blocking, 0 warnings" in checked.out, checked.out
    single = tmp_path / "single"
    assert run_charter(tmp_path, "init", str(single)).code == 0
    split_data = load_snapshot(Revision.worktree(repo.root)).inventory
    single_data = load_snapshot(Revision.worktree(single)).inventory
    assert {k: dict(v) if isinstance(v, Mapping) else v for k, v in split_data.items()} == (
        single_data)


def test_a_reports_inputs_are_every_file_of_the_inventory(repo: GitRepo) -> None:
    governed_split(repo, base_data())
    revision = Revision.at(repo.root, "HEAD")
    assert revision.inventory_files() == ["models.yaml", "datasets/events.yaml",
                                          "datasets/loans.yaml", "models/churn.yaml",
                                          "models/credit.yaml"]


def test_files_git_was_told_not_to_look_at_are_still_read(repo: GitRepo) -> None:
    data = base_data()
    governed_split(repo, data)
    repo.git("update-index", "--assume-unchanged", "models/credit.yaml")
    edit_model(data)
    write_files(repo, split_inventory(as_text(data)))
    assert repo.git("diff", "--name-only", "main") == ""  # git itself no longer sees it
    assert ("PERF-001", "credit@1.0.0") in {(rule, entity) for rule, entity, *_ in
                                            findings(repo)}


def test_odd_paths_in_git_are_listed_apart(repo: GitRepo) -> None:
    governed_split(repo, base_data())
    (repo.root / "models/notes").mkdir()
    (repo.root / "models/notes/x\t100644 blob ab.yaml").write_text("title: x\n")
    repo.commit("a file whose name looks like a listing")
    with pytest.raises(CharterError) as raised:
        load_snapshot(Revision.at(repo.root, "HEAD"))
    assert "models/notes/x\t100644 blob ab.yaml: not part of the inventory" in (
        raised.value.render())


POSITIONS = """\
title: "Ünïcode \\t title"
"odd\\tkey": {"quoted \\"key\\"": 1, "a\\nb": [x, {y: 2}]}
7: seven
versions:
  "1.0.0":
    deployments:
      - {target: api, since: 2025-01-01}
      - target: batch
        since: 2025-02-01
"""


@pytest.mark.parametrize("odd", [{}, {("flag", True): (11, 1), ("ratio", 1.5): (12, 1)}])
def test_cached_positions_locate_as_the_parsed_file_does(odd: dict[Any, Any]) -> None:
    from charter.inventory.entityfiles import pack_marks, packed_locate, unpack_marks
    from charter.source.yamlsource import Mark, SourceMap, load_yaml_text

    source = load_yaml_text(POSITIONS, "models/x.yaml").source
    source = SourceMap(source.file, {**source.marks, **{p: Mark(*m) for p, m in odd.items()}})
    packed = pack_marks(source.marks)
    assert unpack_marks(packed) == source.marks
    paths = [*source.marks, ("nowhere",), ("versions", "1.0.0", "deployments", 1, "absent"),
             ("versions", "1.0.0", "deployments", 7), ("versions", "9"), (), (True,), (1.5,),
             ("versions", "1.0.0", "deployments", True)]
    for path in paths:
        found = packed_locate(packed, path)
        assert found is None or found == source.locate(path), path


def test_a_warm_check_points_at_the_lines_a_cold_one_does(repo: GitRepo) -> None:
    governed_split(repo, base_data())
    text = (repo.root / "models/credit.yaml").read_text()
    text = text.replace("roc_auc: 0.81", "roc_auc: 0.7   ")  # where the line ends is shown
    repo.write("models/credit.yaml", text)
    cold = check(repo, "--all", "--no-cache", "--format", "json")
    warm = [check(repo, "--all", "--format", "json") for _ in range(2)]  # fills, then reads
    assert cold.code == 1 and cold.out == warm[0].out == warm[1].out
    lines = text.splitlines()
    found = [f for f in json.loads(cold.out)["findings"] if f["file"] == "models/credit.yaml"]
    assert found and all(f["end_line"] == f["line"] and f["end_column"] == max(
        len(lines[f["line"] - 1].rstrip()) + 1, f["column"]) for f in found)
    assert any("roc_auc" in lines[f["line"] - 1] for f in found)


def test_twins_found_by_text_search_are_those_of_the_parsed_inventories(repo: GitRepo) -> None:
    """Dataset versions a change adds are matched to base versions holding the same bytes:
    the lazily loaded split inventory narrows the base's datasets by a text search for the
    hashes; the plain, whole parse goes through every one. Both find the same twins, also for
    a hash written with YAML escapes and for a removed version matched by its path."""
    sha = "ab" * 32
    escaped = "".join(f"\\x{ord(c):02x}" for c in sha)
    base_text = BASIC_INVENTORY.replace("datasets:\n", (
        "datasets:\n"
        f"  same-a: {{owner: risk-analytics, contains_pii: true, versions: {{v1: "
        f"{{path: data/a.csv, sha256: '{sha}'}}}}}}\n"
        f"  same-b: {{owner: risk-analytics, contains_pii: true, versions: {{v1: "
        f"{{path: data/b.csv, sha256: \"{escaped}\"}}}}}}\n"
        "  moved: {owner: risk-analytics, contains_pii: true, versions: {v1: "
        "{path: data/moved.csv}}}\n"
        "  other: {owner: risk-analytics, contains_pii: false, versions: {v1: "
        f"{{path: data/o.csv, sha256: '{'cd' * 32}'}}}}}}\n"), 1)
    head_text = base_text.replace(
        "  moved: {owner: risk-analytics, contains_pii: true, versions: {v1: "
        "{path: data/moved.csv}}}\n",
        f"  copy: {{owner: risk-analytics, contains_pii: false, versions: {{v1: "
        f"{{path: data/copy.csv, sha256: '{sha}'}}}}}}\n"
        "  renamed: {owner: risk-analytics, contains_pii: false, versions: {v1: "
        "{path: data/moved.csv}}}\n")
    # split_inventory writes what YAML parsed: the escaped hash is written by hand
    same_b = ("owner: risk-analytics\ncontains_pii: true\nversions:\n"
              f"  v1: {{path: data/b.csv, sha256: \"{escaped}\"}}\n")
    write_files(repo, {**split_inventory(base_text), "datasets/same-b.yaml": same_b})
    repo.write("policies/rules.yaml", BASIC_POLICIES)
    repo.commit("base")
    for path in list((repo.root / "datasets").iterdir()):
        path.unlink()
    write_files(repo, {**split_inventory(head_text), "datasets/same-b.yaml": same_b})
    base = load_snapshot(Revision.at(repo.root, "HEAD"), lazy=True)
    head = load_snapshot(Revision.worktree(repo.root), lazy=True, donor=base)
    lazy = diff_inventories(base.inventory, head.inventory).twins
    plain = diff_inventories(yaml.safe_load(base_text), yaml.safe_load(head_text)).twins
    assert lazy == plain
    assert plain[("dataset", "copy@v1")] == ("same-a@v1", "same-b@v1")
    assert plain[("dataset", "renamed@v1")] == ("moved@v1",)
