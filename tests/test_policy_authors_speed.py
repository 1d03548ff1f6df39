"""The gate picks the versions whose git authors it reads as it always did: the versions of a
full check read as the head lists them, waiver targets matched by one compiled expression."""

from __future__ import annotations

import fnmatch

import pytest

from charter.gate.judge import _head_versions, _matcher
from charter.inventory.entities import find_entity, iter_entities

PATTERNS = ["credit*", "fraud@v[12]", "*@v?", "x[!a-c]y", "[", "a.b", "**", "churn@*"]
NAMES = ["credit", "credit-risk@v1", "fraud@v1", "fraud@v3", "churn@v10", "x-dy", "xay",
         "[", "a.b", "axb", "", "churn@", "credit\nrisk@v1"]


@pytest.mark.parametrize("count", range(len(PATTERNS) + 1))
def test_targets_match_as_fnmatch_matches_each(count: int) -> None:
    patterns = PATTERNS[:count]
    matches = _matcher(patterns)
    for name in NAMES:
        assert matches(name) == any(fnmatch.fnmatchcase(name, p) for p in patterns), name


INVENTORY = {
    "models": {
        "credit": {"versions": {"v1": {"stage": "production"}, "v2": "not a mapping"}},
        "odd": "not a mapping",
        "fraud": {"versions": {"v1": {}}},
    },
    "datasets": {"d": {"versions": {"v1": {}}}},
}


def test_every_version_of_a_full_check_is_the_one_looked_up_by_its_id() -> None:
    listed = list(_head_versions(INVENTORY, None))
    looked_up = [(e.id, find_entity(INVENTORY, "version", e.id))
                 for e in iter_entities(INVENTORY) if e.kind == "version"]
    assert listed == looked_up
    assert [i for i, _ in listed] == ["credit@v1", "credit@v2", "fraud@v1"]


def test_a_scoped_check_looks_up_its_versions_sorted() -> None:
    scope = {("version", "fraud@v1"), ("model", "credit"), ("version", "credit@v9"),
             ("version", "credit@v1")}
    assert list(_head_versions(INVENTORY, scope)) == [
        ("credit@v1", find_entity(INVENTORY, "version", "credit@v1")),
        ("credit@v9", None),
        ("fraud@v1", find_entity(INVENTORY, "version", "fraud@v1"))]
