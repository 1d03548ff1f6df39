"""Entity-by-entity loading gives exactly what a whole-file parse gives, or steps aside."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from charter.errors import CharterError
from charter.inventory.snapshot import load_snapshot
from charter.source.segments import split
from charter.vcs.cache import Cache
from charter.vcs.revisions import Revision
from conftest import BASIC_INVENTORY, REPO_ROOT


def plain(value: Any) -> Any:
    return json.loads(json.dumps(value, default=lambda v: dict(v.items())))


def loaded(root: Path, text: str, lazy: bool, **kwargs: Any) -> Any:
    (root / "models.yaml").write_text(text)
    return load_snapshot(Revision.worktree(root), lazy=lazy, **kwargs)


def test_lazy_and_whole_parses_agree_on_this_repository(tmp_path: Path) -> None:
    text = (REPO_ROOT / "models.yaml").read_text()
    lazy = loaded(tmp_path, text, True)
    assert lazy.segmented is not None
    whole = loaded(tmp_path, text, False)
    assert plain(lazy.inventory) == whole.inventory
    for path in [("models", "churn", "versions", "1.4.0", "stage"), ("teams", "model-risk"),
                 ("datasets", "credit-live", "versions", "2025-09", "sha256")]:
        assert lazy.source.locate(path) == whole.source.locate(path)


@pytest.mark.parametrize("text", [
    "charter: 1\nbase: &b {x: 1}\nmodels:\n  a: *b\n",
    "charter: 1\nmodels: {a: {title: x}}\n",
    "charter: 1\nmodels:\n  a:\n    <<: {title: x}\n",
])
def test_files_with_cross_entity_constructs_are_parsed_whole(text: str) -> None:
    assert split(text, "models.yaml") is None or split(text, "models.yaml").segments == {}


def test_a_syntax_error_in_one_entity_reports_the_whole_file_line(tmp_path: Path) -> None:
    broken = BASIC_INVENTORY.replace("    purpose: Price loans by default risk\n",
                                     "    purpose: [Price loans\n")
    with pytest.raises(CharterError) as lazy:
        loaded(tmp_path, broken, True)
    with pytest.raises(CharterError) as whole:
        loaded(tmp_path, broken, False)
    assert lazy.value.render() == whole.value.render()


def test_duplicate_entities_across_segments_are_errors(tmp_path: Path) -> None:
    doubled = BASIC_INVENTORY + BASIC_INVENTORY[BASIC_INVENTORY.index("  credit:"):]
    with pytest.raises(CharterError, match="duplicate key 'credit'"):
        loaded(tmp_path, doubled, True)


def test_unchanged_entities_are_not_parsed_again(tmp_path: Path) -> None:
    cache = Cache(tmp_path / "cache")
    base = loaded(tmp_path, BASIC_INVENTORY, True, cache=cache)
    head = loaded(tmp_path, BASIC_INVENTORY.replace("roc_auc: 0.81", "roc_auc: 0.82"), True,
                  donor=base)
    assert head.segmented is not None
    # Only the changed model's text is new: the dataset came from the base's parse.
    fresh = [s for s in head.segmented.segments.values()
             if s.digest not in base.segmented.digests().values()]  # type: ignore[union-attr]
    assert [s.name for s in fresh] == ["credit"]
    assert head.inventory["models"]["credit"]["versions"]["1.0.0"]["evaluation"][
        "metrics"] == {"roc_auc": 0.82}
