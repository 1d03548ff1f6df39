"""`--evidence none` measures nothing, yet a pinned file rewritten in place is still caught."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from conftest import BASIC_INVENTORY, TODAY, GitRepo
from scenarios import check, split_inventory, write_files

DATA = "id,income,defaulted\n1,52000,0\n2,31000,1\n"
MODEL = b"not a real model, but bytes with a hash\n"


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def pinned_inventory() -> str:
    return (BASIC_INVENTORY.replace("a" * 64, sha(MODEL))
            .replace('"2024-06": {path: data/loans.csv, created: 2024-06-30}',
                     '"2024-06": {path: data/loans-2024-06.csv, created: 2024-06-30,\n'
                     f'        sha256: {sha(DATA.encode())}}}'))


@pytest.fixture
def pinned(repo: GitRepo) -> GitRepo:
    repo.write("models.yaml", pinned_inventory())
    repo.write("data/loans-2024-06.csv", DATA)
    (repo.root / "models").mkdir()
    (repo.root / "models" / "credit-1.0.0.skops").write_bytes(MODEL)
    repo.write("policies/rules.yaml", "charter: 1\nrules: {}\n")
    repo.commit("pinned data and artifact")
    repo.git("checkout", "-q", "-b", "feature")
    return repo


def line_of(repo: GitRepo, path: str, text: str) -> int:
    return next(i for i, row in enumerate((repo.root / path).read_text().splitlines(), 1)
                if text in row)


def test_a_dataset_rewritten_in_place_blocks_without_evidence(pinned: GitRepo) -> None:
    rewritten = DATA.replace("1,52000,0", "1,52000,1")
    pinned.write("data/loans-2024-06.csv", rewritten)
    pinned.commit("relabel one row")
    run = check(pinned, "--base", "main")
    assert run.code == 1, run.out + run.err
    line = line_of(pinned, "models.yaml", "sha256: " + sha(DATA.encode()))
    assert (f"CHARTER-I001 models.yaml:{line}:9  loans@2024-06: data/loans-2024-06.csv changed "
            "since the base and no longer matches its record: its sha256 is now "
            f"{sha(rewritten.encode())}, not the declared {sha(DATA.encode())}") in run.out
    pinned.write("data/loans-2024-06.csv", DATA + "3,1,0\n")
    worktree = check(pinned, "--base", "main")  # the working tree is judged, not only commits
    assert worktree.code == 1 and "CHARTER-I001" in worktree.out


def test_a_replaced_or_deleted_artifact_blocks(pinned: GitRepo) -> None:
    (pinned.root / "models" / "credit-1.0.0.skops").write_bytes(b"another model\n")
    pinned.commit("swap the model")
    run = check(pinned, "--base", "main")
    assert run.code == 1, run.out + run.err
    assert "credit@1.0.0: models/credit-1.0.0.skops changed since the base" in run.out
    (pinned.root / "models" / "credit-1.0.0.skops").unlink()
    gone = check(pinned, "--base", "main")
    assert gone.code == 1
    assert "no longer matches its record: the file is gone, not the declared" in gone.out


def test_new_data_registered_as_a_new_version_passes(pinned: GitRepo) -> None:
    fresh = DATA + "3,47000,0\n"
    pinned.write("data/loans-2024-12.csv", fresh)
    text = (pinned.root / "models.yaml").read_text()
    pinned.write("models.yaml", text.replace(
        "    versions: {", '    versions: {"2024-12": {path: data/loans-2024-12.csv, '
        f"created: 2024-12-31, sha256: {sha(fresh.encode())}}},\n      "))
    pinned.commit("loans 2024-12")
    run = check(pinned, "--base", "main")
    assert run.code == 0, run.out + run.err
    assert "CHARTER-I001" not in run.out


def test_the_finding_points_into_a_split_inventorys_dataset_file(repo: GitRepo) -> None:
    write_files(repo, split_inventory(pinned_inventory(), models=[], datasets=["loans"]))
    repo.write("data/loans-2024-06.csv", DATA)
    repo.write("policies/rules.yaml", "charter: 1\nrules: {}\n")
    repo.commit("split inventory")
    repo.write("data/loans-2024-06.csv", DATA + "3,1,0\n")
    run = check(repo, "--base", "HEAD")
    assert run.code == 1, run.out + run.err
    line = line_of(repo, "datasets/loans.yaml", "sha256:")
    assert f"CHARTER-I001 datasets/loans.yaml:{line}:" in run.out


def test_the_rule_explains_itself(pinned: GitRepo) -> None:
    run = pinned.charter("explain", "CHARTER-I001")
    assert run.code == 0
    assert "A file the inventory pins was rewritten in place" in run.out


def relabel(repo: GitRepo, path: str) -> str:
    rewritten = DATA.replace("1,52000,0", "1,52000,1")
    repo.write(path, rewritten)
    repo.commit("relabel one row")
    return sha(rewritten.encode())


def test_a_pinned_link_whose_target_is_rewritten_blocks(pinned: GitRepo) -> None:
    """The record pins a link; the change rewrites the file it leads to, not the link."""
    data = pinned.root / "data"
    (data / "loans-2024-06.csv").rename(data / "store-2024-06.csv")
    (data / "loans-2024-06.csv").symlink_to("store-2024-06.csv")
    pinned.commit("data kept in the store, reached through a link")
    assert check(pinned, "--base", "main").code == 0  # same bytes: nothing changed
    pinned.git("branch", "-f", "main", "HEAD")
    now = relabel(pinned, "data/store-2024-06.csv")
    for head in ((), ("--head", "HEAD")):
        run = check(pinned, "--base", "main", *head)
        assert run.code == 1, run.out + run.err
        assert (f"loans@2024-06: data/loans-2024-06.csv changed since the base and no longer "
                f"matches its record: its sha256 is now {now}") in run.out
    auto = pinned.charter("check", "--today", TODAY, "--base", "main")
    assert auto.code == 1, auto.out + auto.err
    assert f"credit@1.0.0: data/loans-2024-06.csv: sha256 is {now}" in auto.out


def test_a_folder_link_above_a_pinned_file_counts_too(pinned: GitRepo) -> None:
    (pinned.root / "data").rename(pinned.root / "store")
    (pinned.root / "data").symlink_to("store")
    pinned.commit("the data folder is a link")
    pinned.git("branch", "-f", "main", "HEAD")
    now = relabel(pinned, "store/loans-2024-06.csv")
    run = check(pinned, "--base", "main")
    assert run.code == 1, run.out + run.err
    assert f"its sha256 is now {now}" in run.out


def test_a_pinned_link_leading_outside_the_repository_blocks(pinned: GitRepo,
                                                             tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere.csv"
    outside.write_text(DATA)
    link = pinned.root / "data" / "loans-2024-06.csv"
    link.unlink()
    link.symlink_to(outside)
    pinned.commit("data outside the repository")
    run = check(pinned, "--base", "main")
    assert run.code == 1, run.out + run.err
    assert ("loans@2024-06: data/loans-2024-06.csv changed since the base and no longer "
            "matches its record: it leaves the repository (through a symbolic link?), so its "
            "bytes cannot be checked") in run.out


def test_a_path_written_another_way_is_still_measured(pinned: GitRepo) -> None:
    """`./data/x.csv` names the file `git diff` calls `data/x.csv`."""
    text = (pinned.root / "models.yaml").read_text()
    pinned.write("models.yaml", text.replace("path: data/loans-2024-06.csv",
                                             "path: ./data//loans-2024-06.csv"))
    pinned.commit("the path written with ./")
    pinned.git("branch", "-f", "main", "HEAD")
    now = relabel(pinned, "data/loans-2024-06.csv")
    auto = pinned.charter("check", "--today", TODAY, "--base", "main")
    assert auto.code == 1, auto.out + auto.err
    assert f"credit@1.0.0: ./data//loans-2024-06.csv: sha256 is {now}" in auto.out
    assert check(pinned, "--base", "main").code == 1


def test_evidence_auto_checks_pinned_files_no_version_reads(pinned: GitRepo) -> None:
    """A raw upstream export pinned in the inventory but read by no model version: evidence
    measures no version, and the pin must still hold (as with --evidence none)."""
    raw = "id,ssn\n1,123\n"
    pinned.write("data/raw-export.csv", raw)
    text = (pinned.root / "models.yaml").read_text()
    pinned.write("models.yaml", text.replace("models:\n", (
        "  raw-export:\n    owner: risk-analytics\n    contains_pii: true\n"
        '    versions: {"1": {path: data/raw-export.csv, created: 2024-06-01,\n'
        f"      sha256: {sha(raw.encode())}}}}}\nmodels:\n"), 1))
    pinned.commit("the raw export")
    pinned.git("branch", "-f", "main", "HEAD")
    pinned.write("data/raw-export.csv", raw + "2,456\n")
    pinned.commit("rewrite the raw export")
    for mode in ("none", "auto"):
        run = pinned.charter("check", "--today", TODAY, "--evidence", mode, "--base", "main")
        assert run.code == 1, run.out + run.err
        assert "CHARTER-I001" in run.out and "raw-export@1: data/raw-export.csv changed" in run.out


def test_a_new_dataset_version_judged_at_a_commit_is_read_from_git(pinned: GitRepo) -> None:
    """At `--head COMMIT` a pinned data file is read from the commit (it was reported gone)."""
    test_new_data_registered_as_a_new_version_passes(pinned)
    run = check(pinned, "--base", "main", "--head", "HEAD")
    assert run.code == 0, run.out + run.err
    assert "CHARTER-I001" not in run.out


@pytest.mark.parametrize("ignore", [None, "all"])
def test_a_pinned_file_in_a_submodule_whose_commit_moved_blocks(pinned: GitRepo,
                                                                  tmp_path: Path,
                                                                  ignore: str | None) -> None:
    """git names a moved submodule by its folder alone, never by the files inside it; and
    names it even when the pull request's .gitmodules tells git's diff to ignore it."""
    store = GitRepo(tmp_path / "store")
    store.root.mkdir()
    store.git("init", "-q", "-b", "main")
    store.git("config", "user.name", "Test")
    store.git("config", "user.email", "test@example.com")
    store.write("loans-2024-06.csv", DATA)
    store.commit("data")
    pinned.git("rm", "-q", "data/loans-2024-06.csv")
    pinned.git("-c", "protocol.file.allow=always", "submodule", "add", "-q", str(store.root),
               "data/store")
    text = (pinned.root / "models.yaml").read_text()
    pinned.write("models.yaml", text.replace("path: data/loans-2024-06.csv",
                                             "path: data/store/loans-2024-06.csv"))
    pinned.commit("data kept in a submodule")
    pinned.git("branch", "-f", "main", "HEAD")
    inner = GitRepo(pinned.root / "data" / "store")
    inner.git("config", "user.name", "Test")
    inner.git("config", "user.email", "test@example.com")
    now = relabel(inner, "loans-2024-06.csv")
    if ignore is not None:
        pinned.git("config", "-f", ".gitmodules", "submodule.data/store.ignore", ignore)
        pinned.git("add", ".gitmodules", "data/store")
    pinned.commit("move the submodule")
    assert pinned.git("diff", "--name-only", "--ignore-submodules=none", "main", "HEAD")
    run = check(pinned, "--base", "main")
    assert run.code == 1, run.out + run.err
    assert "loans@2024-06: data/store/loans-2024-06.csv changed since the base" in run.out
    assert f"its sha256 is now {now}" in run.out
    auto = pinned.charter("check", "--today", TODAY, "--base", "main")
    assert auto.code == 1 and f"sha256 is {now}" in auto.out, auto.out + auto.err
    committed = check(pinned, "--base", "main", "--head", "HEAD")
    assert committed.code == 1, committed.out + committed.err
    assert "loans@2024-06: data/store/loans-2024-06.csv changed since the base" in committed.out


def test_a_file_name_that_is_not_utf8_does_not_stop_the_gate(pinned: GitRepo) -> None:
    (pinned.root / "data").joinpath(os.fsdecode(b"\xff.csv")).write_text("x\n")
    now = relabel(pinned, "data/loans-2024-06.csv")
    run = check(pinned, "--base", "main")
    assert run.code == 1, run.out + run.err
    assert f"its sha256 is now {now}" in run.out


def test_a_pinned_folder_whose_files_change_blocks(pinned: GitRepo) -> None:
    """A folder of partitions registered with one sha256: its files change under it."""
    text = (pinned.root / "models.yaml").read_text()
    pinned.write("models.yaml", text.replace("path: data/loans-2024-06.csv",
                                             "path: data/parts"))
    pinned.write("data/parts/part-0.csv", DATA)
    pinned.commit("a folder dataset")
    pinned.git("branch", "-f", "main", "HEAD")
    relabel(pinned, "data/parts/part-0.csv")
    for head in ((), ("--head", "HEAD")):
        run = check(pinned, "--base", "main", *head)
        assert run.code == 1, run.out + run.err
        assert ("loans@2024-06: data/parts changed since the base and no longer matches its "
                "record: it is a folder, whose files one sha256 cannot pin") in run.out


def checkout_afresh(repo: GitRepo, path: str) -> None:
    """As CI's clone does: the file is written from its blob through the head's
    .gitattributes."""
    (repo.root / path).unlink()
    repo.git("checkout", "--", path)


@pytest.mark.parametrize("attributes", ["data/*.csv text eol=crlf",
                                        "*.csv working-tree-encoding=UTF-16LE",
                                        "*.csv ident"])
def test_gitattributes_that_rewrite_a_pinned_file_on_checkout_block(
        pinned: GitRepo, attributes: str) -> None:
    """The blob still has the pinned bytes, but a checkout (CI's, the training job's) is
    converted by the pull request's .gitattributes: the file read is not the file pinned."""
    if "ident" in attributes:
        pinned.write("data/loans-2024-06.csv", "# $Id$\n" + DATA)
        text = (pinned.root / "models.yaml").read_text()
        pinned.write("models.yaml", text.replace(sha(DATA.encode()),
                                                 sha(("# $Id$\n" + DATA).encode())))
        pinned.commit("a keyword in the data")
        pinned.git("branch", "-f", "main")
    pinned.write(".gitattributes", attributes + "\n")
    pinned.commit("attributes")
    checkout_afresh(pinned, "data/loans-2024-06.csv")
    for mode in ("none", "auto"):
        run = pinned.charter("check", "--today", TODAY, "--evidence", mode, "--base", "main")
        assert run.code == 1, (mode, run.out + run.err)
        assert ("loans@2024-06: data/loans-2024-06.csv changed since the base and no longer "
                "matches its record: a checkout converts it (.gitattributes") in run.out


def test_dot_dot_after_a_link_is_resolved_where_the_link_leads(pinned: GitRepo) -> None:
    """`lnk/../loans.csv` reads `sub/loans.csv` when `lnk` leads to `sub/inner`: the file
    beside the link (the textual reading) is a decoy that keeps the pinned bytes."""
    (pinned.root / "sub" / "inner").mkdir(parents=True)
    (pinned.root / "sub" / "inner" / ".keep").write_text("")
    (pinned.root / "lnk").symlink_to("sub/inner")
    pinned.write("sub/loans.csv", DATA)
    pinned.write("loans.csv", DATA)
    text = (pinned.root / "models.yaml").read_text()
    pinned.write("models.yaml", text.replace("path: data/loans-2024-06.csv",
                                             "path: lnk/../loans.csv"))
    pinned.commit("the data beside a link")
    pinned.git("branch", "-f", "main", "HEAD")
    now = relabel(pinned, "sub/loans.csv")
    for args in (("--evidence", "none"), ("--evidence", "none", "--head", "HEAD")):
        run = pinned.charter("check", "--today", TODAY, "--base", "main", *args)
        assert run.code == 1, (args, run.out + run.err)
        assert (f"loans@2024-06: lnk/../loans.csv changed since the base and no longer matches "
                f"its record: its sha256 is now {now}") in run.out


def test_a_pinned_file_git_does_not_track_is_hashed_in_the_working_tree(
        pinned: GitRepo) -> None:
    """Data kept out of git (fetched by DVC or a script before the gate runs, and ignored)
    never shows in git's diff: its pin is checked whenever the change touches any file."""
    pinned.write(".gitignore", "data/loans-2024-06.csv\n")
    pinned.git("rm", "-q", "--cached", "data/loans-2024-06.csv")
    pinned.write("data/loans-2024-06.csv.dvc", "md5: 1\n")
    pinned.commit("the data is fetched, not committed")
    pinned.git("branch", "-f", "main", "HEAD")
    assert check(pinned, "--base", "main").code == 0
    pinned.write("data/loans-2024-06.csv.dvc", "md5: 2\n")
    pinned.commit("point at other data")
    now = DATA.replace("1,52000,0", "1,52000,1")
    pinned.write("data/loans-2024-06.csv", now)  # what the fetch brings
    for mode in ("none", "auto"):
        run = pinned.charter("check", "--today", TODAY, "--evidence", mode, "--base", "main")
        assert run.code == 1, (mode, run.out + run.err)
        assert ("loans@2024-06: data/loans-2024-06.csv changed since the base and no longer "
                f"matches its record: its sha256 is now {sha(now.encode())}") in run.out


def test_attributes_that_leave_the_bytes_alone_pass(pinned: GitRepo) -> None:
    pinned.write(".gitattributes", "* text=auto\n*.skops binary\n")
    pinned.commit("attributes")
    checkout_afresh(pinned, "data/loans-2024-06.csv")
    run = pinned.charter("check", "--today", TODAY, "--evidence", "none", "--base", "main")
    assert run.code == 0, run.out + run.err


def test_committed_bytes_that_only_a_checkout_turns_into_the_pinned_ones_block(
        pinned: GitRepo) -> None:
    """The data was pinned with CRLF line ends; the change commits other bytes (LF) and lets
    eol=crlf give the working tree the pinned ones back."""
    crlf = DATA.replace("\n", "\r\n")
    (pinned.root / "data" / "loans-2024-06.csv").write_bytes(crlf.encode())
    text = (pinned.root / "models.yaml").read_text()
    pinned.write("models.yaml", text.replace(sha(DATA.encode()), sha(crlf.encode())))
    pinned.commit("CRLF data")
    pinned.git("branch", "-f", "main", "HEAD")
    pinned.write("data/loans-2024-06.csv", DATA)
    pinned.write(".gitattributes", "*.csv text eol=crlf\n")
    pinned.commit("LF in git, CRLF on checkout")
    checkout_afresh(pinned, "data/loans-2024-06.csv")
    assert (pinned.root / "data" / "loans-2024-06.csv").read_bytes() == crlf.encode()
    run = pinned.charter("check", "--today", TODAY, "--evidence", "none", "--base", "main")
    assert run.code == 1, run.out + run.err
    assert "a checkout converts it (.gitattributes: eol=crlf text)" in run.out
    committed = pinned.charter("check", "--today", TODAY, "--evidence", "none", "--base",
                               "main", "--head", "HEAD")
    assert committed.code == 1 and f"its sha256 is now {sha(DATA.encode())}" in committed.out


@pytest.mark.parametrize("folder", ["policies/lookup", "monitoring"])
def test_a_pinned_file_beside_the_rules_or_in_the_ledger_folder_is_checked(
        pinned: GitRepo, folder: str) -> None:
    """Changes to policies/ and monitoring/ are judged as rules and ledger records; a pinned
    file kept there is still a pinned file."""
    pinned.write(f"{folder}/loans.csv", DATA)
    text = (pinned.root / "models.yaml").read_text()
    pinned.write("models.yaml", text.replace("path: data/loans-2024-06.csv",
                                             f"path: {folder}/loans.csv"))
    pinned.commit("the data kept beside the rules")
    pinned.git("branch", "-f", "main", "HEAD")
    now = relabel(pinned, f"{folder}/loans.csv")
    run = check(pinned, "--base", "main")
    assert run.code == 1, run.out + run.err
    assert (f"loans@2024-06: {folder}/loans.csv changed since the base and no longer matches "
            f"its record: its sha256 is now {now}") in run.out


@pytest.mark.parametrize("key", ["path", "uri"])
def test_a_file_uri_into_the_repository_is_a_pinned_file(pinned: GitRepo, key: str) -> None:
    """With `file` among the allowed schemes, `file://data/x.csv` reads the repository's own
    file: rewriting it is rewriting a pinned file, not storage outside."""
    text = (pinned.root / "models.yaml").read_text()
    text = text.replace("charter: 1\n", "charter: 1\nsettings: {allowed_uri_schemes: [file]}\n",
                        1)
    pinned.write("models.yaml", text.replace("path: data/loans-2024-06.csv",
                                             f"{key}: file://data/loans-2024-06.csv"))
    pinned.commit("the data named by a file URI")
    pinned.git("branch", "-f", "main", "HEAD")
    now = relabel(pinned, "data/loans-2024-06.csv")
    run = check(pinned, "--base", "main")
    assert run.code == 1, run.out + run.err
    assert ("loans@2024-06: file://data/loans-2024-06.csv changed since the base and no longer "
            f"matches its record: its sha256 is now {now}") in run.out
    auto = pinned.charter("check", "--today", TODAY, "--base", "main")
    assert auto.code == 1 and f"sha256 is {now}" in auto.out, auto.out + auto.err
