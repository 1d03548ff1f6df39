"""Links and submodules in a pull request's check of a split inventory.

The check finds the inventory's symbolic links and submodules in the base's tree objects
(a tree without the bytes of such a mode holds none; the answer for a large tree is cached
by its id), not in a listing of every file. Each test has its plain twin: the links found
are those `git ls-tree -r` lists, and the scoped check reports what the full check (every
entity judged, no cache) reports, as a commit and as the working tree, with a warm cache.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from charter.errors import CharterError
from charter.gate.judge import gate
from charter.gate.request import CheckOptions
from charter.vcs import revisions
from charter.vcs.cache import Cache
from charter.vcs.revisions import Revision
from conftest import TODAY, GitRepo
from scenarios import write_files
from test_split_scale import RULES, generated

Found = tuple[str, frozenset[tuple[str, str]]]


@pytest.fixture
def every_tree_cached(monkeypatch: pytest.MonkeyPatch) -> None:
    """The answer for every tree goes to the cache, as for an inventory's large folders."""
    monkeypatch.setattr(revisions, "_CACHED_TREE", 0)


def _plain_odd_entries(repo: GitRepo, ref: str) -> dict[str, tuple[str, str]]:
    """The plain twin: every link and submodule of the inventory from a full listing."""
    listing = repo.git("ls-tree", "-r", "-z", "--full-tree", ref, "--", "models.yaml",
                       "models", "datasets")
    found = {}
    for item in listing.split("\0"):
        if not item:
            continue
        meta, _, path = item.partition("\t")
        mode, _, oid = meta.split(" ")
        if mode not in ("100644", "100755"):
            found[path] = (mode, oid)
    return found


def _submodule(repo: GitRepo, path: str) -> None:
    """A submodule entry (a commit id in the tree), as `git submodule add` records it;
    committed with `git commit` alone (`git add -A` drops an entry with no folder)."""
    commit = repo.git("rev-parse", "HEAD").strip()
    repo.git("update-index", "--add", "--cacheinfo", f"160000,{commit},{path}")


@pytest.mark.usefixtures("every_tree_cached")
def test_the_links_read_from_tree_objects_are_those_a_listing_gives(repo: GitRepo,
                                                                     tmp_path: Path) -> None:
    write_files(repo, generated(3))
    repo.write("shared/model-1.yaml", (repo.root / "models/model-1.yaml").read_text())
    repo.commit("plain")
    plain = Revision.at(repo.root, "HEAD")
    assert plain.inventory_odd_entries(Cache(tmp_path / "cache")) == {}
    (repo.root / "models/model-1.yaml").unlink()
    (repo.root / "models/model-1.yaml").symlink_to("../shared/model-1.yaml")
    (repo.root / "models/deep/er").mkdir(parents=True)
    (repo.root / "models/deep/er/link.yaml").symlink_to("../../model-0.yaml")
    repo.write("models/deep/er/plain.yaml", "title: x\n")
    repo.write("datasets/a name with 120000 in it.txt", "bytes like a mode\n")
    repo.git("add", "-A")
    _submodule(repo, "datasets/deep/module")
    _submodule(repo, "models.yaml.d")  # beside the inventory: not part of it
    repo.git("commit", "-q", "-m", "links, a submodule and a folder")
    for _ in range(2):  # the answer of git's tree objects, then the cache's
        revision = Revision.at(repo.root, "HEAD")
        assert revision.inventory_odd_entries(Cache(tmp_path / "cache")) == (
            _plain_odd_entries(repo, "HEAD"))
    assert set(_plain_odd_entries(repo, "HEAD")) == {
        "models/model-1.yaml", "models/deep/er/link.yaml", "datasets/deep/module"}


def _judge(root: Path, scope_all: bool, head: str | None, cached: bool) -> Found:
    options = CheckOptions(root=root, base="main", head=head, today=dt.date.fromisoformat(TODAY),
                           scope_all=scope_all, use_cache=cached, evidence="none")
    try:
        result = gate(options)
    except CharterError as error:
        return "invalid", frozenset(("", str(p)) for p in error.problems)
    return "ok", frozenset((f.rule, f.entity) for f in result.findings if f.blocking)


def _both_ways(repo: GitRepo) -> dict[str | None, Found]:
    """The change judged as the `feature` commit and as the working tree (which holds the
    same files), each twice with the cache (cold, then warm), against its plain twin: every
    blocking finding the full check without a cache adds to the base's is reported, and a
    head the full check refuses is refused alike. Returns what each found."""
    before = _judge(repo.root, True, "main", cached=False)
    assert before[0] == "ok"
    found = {}
    for head in ("feature", None):
        full = _judge(repo.root, True, head, cached=False)
        for _ in range(2):
            scoped = _judge(repo.root, False, head, cached=True)
            if full[0] == "ok":
                assert scoped[0] == "ok", (head, scoped)
                new = full[1] - before[1]
                assert new <= scoped[1], (head, sorted(new - scoped[1]))
            else:
                assert scoped == full, head
        found[head] = scoped
    return found


@pytest.fixture
def linked(repo: GitRepo) -> GitRepo:
    """A split inventory whose model-7 file is a link into shared/, all rules passed."""
    write_files(repo, generated(12))
    repo.write("policies/rules.yaml", RULES)
    (repo.root / "shared").mkdir()
    (repo.root / "models/model-7.yaml").rename(repo.root / "shared/model-7.yaml")
    (repo.root / "models/model-7.yaml").symlink_to("../shared/model-7.yaml")
    repo.commit("inventory")
    repo.git("checkout", "-q", "-b", "feature")
    return repo


def _weaken(repo: GitRepo, path: str) -> None:
    file = repo.root / path
    file.write_text(file.read_text().replace("roc_auc: 0.8", "roc_auc: 0.5", 1))


@pytest.mark.usefixtures("every_tree_cached")
def test_a_link_whose_target_changed_is_judged_with_a_warm_cache(linked: GitRepo) -> None:
    _weaken(linked, "models/model-3.yaml")  # the pull request's one file
    _weaken(linked, "shared/model-7.yaml")  # and, behind the unchanged link, model-7's
    linked.commit("weaker")
    for head, (state, findings) in _both_ways(linked).items():
        assert state == "ok", head
        assert {("AUC-001", "model-3@1.0.0"), ("AUC-001", "model-7@1.0.0")} <= findings, head


@pytest.mark.usefixtures("every_tree_cached")
def test_a_link_added_deep_in_the_inventory_is_caught(linked: GitRepo) -> None:
    _weaken(linked, "models/model-3.yaml")
    (linked.root / "models/deep/er").mkdir(parents=True)
    (linked.root / "models/deep/er/model-99.yaml").symlink_to("../../../shared/model-7.yaml")
    linked.commit("one file, and a link deep in models/")
    for head, (state, problems) in _both_ways(linked).items():
        assert state == "invalid", head
        assert any("models/deep/er/model-99.yaml" in p for _, p in problems), head


@pytest.mark.usefixtures("every_tree_cached")
def test_a_submodule_added_deep_in_the_inventory_is_caught(linked: GitRepo) -> None:
    """A submodule is no file the loader reads, but a change to one is a change of the
    inventory: named among the changes, as is one of the base's that stays (what it holds
    is not the tree's to say)."""
    linked.git("checkout", "-q", "main")
    _submodule(linked, "models/deep/kept")
    linked.git("commit", "-q", "-m", "a submodule in the base")
    linked.git("checkout", "-q", "-B", "feature")
    _weaken(linked, "models/model-3.yaml")
    linked.git("add", "-A")
    _submodule(linked, "datasets/deep/er/module")
    linked.git("commit", "-q", "-m", "one file, and a submodule deep in datasets/")
    for folder in ("models/deep/kept", "datasets/deep/er/module"):
        (linked.root / folder).mkdir(parents=True)  # as a checkout leaves a submodule
    for head, (state, findings) in _both_ways(linked).items():
        assert state == "ok" and ("AUC-001", "model-3@1.0.0") in findings, head
        base = Revision.at(linked.root, "main")
        revision = Revision.at(linked.root, head) if head else Revision.worktree(linked.root)
        changes = revision.inventory_changes_since(base, Cache(None))
        assert changes is not None
        assert {"models/model-3.yaml", "datasets/deep/er/module", "models/deep/kept"} <= (
            changes), head
