"""Hostile input: whatever a file holds, the gate answers fast, with a message, and fails closed."""

from __future__ import annotations

import pytest

from conftest import GitRepo
from scenarios import check


def edit_inventory(repo: GitRepo, old: str, new: str) -> None:
    text = (repo.root / "models.yaml").read_text()
    assert old in text
    repo.write("models.yaml", text.replace(old, new))


# Ids and references with a trailing newline: `$` in a pattern must mean the end of the text.
TRAILING_NEWLINES = {
    "model id": ("  credit:\n", '  "credit\\n":\n', "$.models"),
    "version id": ('      "1.0.0":', '      "9.9.9\\n":', "$.models.credit.versions"),
    "dataset id": ("  loans:\n", '  "loans\\n":\n', "$.datasets"),
    "artifact hash": ('a"}', 'a\\n"}', "artifact.sha256"),
}


@pytest.mark.parametrize("old, new, where", TRAILING_NEWLINES.values(),
                         ids=list(TRAILING_NEWLINES))
def test_validate_refuses_ids_with_a_trailing_newline(governed: GitRepo, old: str, new: str,
                                                       where: str) -> None:
    edit_inventory(governed, old, new)

    run = governed.charter("validate")

    assert run.code == 2, run.out
    assert "models.yaml:" in run.err and where in run.err
    assert "Traceback" not in run.err


@pytest.mark.parametrize("old, new", [TRAILING_NEWLINES["model id"][:2],
                                      TRAILING_NEWLINES["version id"][:2]],
                         ids=["model id", "version id"])
def test_check_refuses_ids_with_a_trailing_newline(governed: GitRepo, old: str,
                                                    new: str) -> None:
    edit_inventory(governed, old, new)

    run = check(governed)

    assert run.code == 2, run.out
    assert "models.yaml:" in run.err and "does not match" in run.err
