"""The cache: one entry per parsed segment or entity file, bounded, least recently used first."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from charter.inventory.snapshot import load_snapshot
from charter.vcs.cache import Cache
from charter.vcs.revisions import Revision
from conftest import BASIC_INVENTORY, GitRepo

MODEL = """\
  model-{n}:
    title: Model {n}
    owner: risk-analytics
    risk_tier: low
    purpose: Purpose {n}
    versions:
      "1.0.0": {{stage: development, evaluation: {{metrics: {{roc_auc: 0.{n:04d}}}}}}}
"""


def inventory(models: int, edited: int | None = None) -> str:
    text = BASIC_INVENTORY + "".join(MODEL.format(n=n) for n in range(models))
    if edited is not None:
        text = text.replace(f"Purpose {edited}\n", f"Purpose {edited}, edited\n")
    return text


def sizes(folder: Path) -> dict[Path, int]:
    return {p: p.stat().st_size for p in folder.rglob("*.json")}


def test_file_versions_share_the_parses_of_their_unchanged_segments(tmp_path: Path) -> None:
    cache = Cache(tmp_path / "cache")
    (tmp_path / "models.yaml").write_text(inventory(50))
    load_snapshot(Revision.worktree(tmp_path), cache, lazy=True)
    before = sizes(tmp_path / "cache")
    assert len(before) == 52  # one entry per model and dataset, not one per file version
    for edited in (3, 17):
        (tmp_path / "models.yaml").write_text(inventory(50, edited))
        snapshot = load_snapshot(Revision.worktree(Path(tmp_path)), Cache(tmp_path / "cache"),
                                 lazy=True)
        assert snapshot.inventory["models"][f"model-{edited}"]["purpose"].endswith("edited")
    added = {p: s for p, s in sizes(tmp_path / "cache").items() if p not in before}
    assert len(added) == 2  # each edit added its one segment's parse
    assert sum(added.values()) < 3 * max(before.values())


def test_entity_files_are_cached_by_content(repo: GitRepo, tmp_path: Path) -> None:
    repo.write("models.yaml", "charter: 1\nteams: {risk-analytics: {members: [dana]}}\n")
    for n in range(5):
        repo.write(f"models/model-{n}.yaml", "title: Model\nowner: risk-analytics\n"
                   f"risk_tier: low\npurpose: P{n}\nversions: {{}}\n")
    repo.commit()
    cache = Cache(tmp_path / "cache")
    snapshot = load_snapshot(Revision.at(repo.root, "HEAD"), cache)
    assert len(sizes(tmp_path / "cache")) == 5
    repo.write("models/model-0.yaml", "title: Model\nowner: risk-analytics\nrisk_tier: low\n"
               "purpose: changed\nversions: {}\n")
    head = load_snapshot(Revision.worktree(repo.root), Cache(tmp_path / "cache"), lazy=True,
                         donor=snapshot)
    assert head.inventory["models"]["model-0"]["purpose"] == "changed"
    assert len(sizes(tmp_path / "cache")) == 6


def test_the_least_recently_used_entries_go_first_when_over_the_cap(tmp_path: Path) -> None:
    cache = Cache(tmp_path / "cache", max_bytes=10_000)
    for n in range(8):
        cache.put("evidence", f"k{n}", "x" * 900)
    past = time.time() - 3600
    for n, path in enumerate(sorted((tmp_path / "cache").rglob("*.json"))):
        os.utime(path, (past + n, past + n))
    cache.flush()
    assert Cache(tmp_path / "cache").get("evidence", "k0") == "x" * 900  # a read is a use
    cache.put("evidence", "big", "y" * 4_000)
    cache.flush()
    kept = Cache(tmp_path / "cache")
    assert sum(sizes(tmp_path / "cache").values()) <= 8_000
    assert kept.get("evidence", "big") is not None and kept.get("evidence", "k0") is not None
    assert kept.get("evidence", "k1") is None  # the oldest that was not read since


def test_cache_info_and_clear(governed: GitRepo, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CHARTER_CACHE_MAX_MIB", raising=False)
    governed.write("models.yaml", BASIC_INVENTORY.replace("Credit default", "Credit"))
    assert governed.charter("check", "--evidence", "none").code == 0
    info = governed.charter("cache", "info")
    assert info.code == 0
    assert f"location: {governed.root / '.charter/cache'}" in info.out
    assert "cap: 256.0 MiB" in info.out and "segment" in info.out
    cleared = governed.charter("cache", "clear")
    # two parses of credit (base and head), one of loans
    assert cleared.code == 0 and cleared.out.startswith("removed 3 entries")
    assert "entries: 0" in governed.charter("cache", "info").out
    capped = governed.charter("cache", "info", env={"CHARTER_CACHE_MAX_MIB": "1"})
    assert "cap: 1.0 MiB (CHARTER_CACHE_MAX_MIB)" in capped.out
    wrong = governed.charter("cache", "info", env={"CHARTER_CACHE_MAX_MIB": "lots"})
    assert wrong.code == 2 and "CHARTER_CACHE_MAX_MIB='lots'" in wrong.err


def test_a_tracked_cache_folder_is_neither_used_nor_cleared(governed: GitRepo) -> None:
    governed.write(".charter/cache/segment/ab/planted.json", "{}")
    governed.commit("plant")
    info = governed.charter("cache", "info")
    assert "cache: off: .charter is tracked by git" in info.out
    assert "nothing removed" in governed.charter("cache", "clear").out
    assert (governed.root / ".charter/cache/segment/ab/planted.json").exists()


def test_a_parse_removed_from_the_cache_while_in_use_is_parsed_again(tmp_path: Path) -> None:
    (tmp_path / "models.yaml").write_text(inventory(3))
    load_snapshot(Revision.worktree(tmp_path), Cache(tmp_path / "cache"), lazy=True)
    snapshot = load_snapshot(Revision.worktree(tmp_path), Cache(tmp_path / "cache"), lazy=True)
    Cache(tmp_path / "cache").clear()  # another run cleared it, or evicted these entries
    assert snapshot.inventory["models"]["model-1"]["purpose"] == "Purpose 1"
    assert snapshot.inventory["models"].get("credit")["title"] == "Credit default"
