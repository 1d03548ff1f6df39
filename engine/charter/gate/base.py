"""Which revision a change is judged against."""

from __future__ import annotations

import os
from pathlib import Path

from charter.errors import CharterError
from charter.gate.request import EMPTY_BASE
from charter.vcs import git
from charter.vcs.revisions import Revision


def default_base_ref(root: Path) -> tuple[str, str] | None:
    """The merge base with the PR's target in GitHub Actions, else origin/main, else main.

    Returns the commit to read and a label that names where it came from.
    """
    candidates = []
    target = os.environ.get("GITHUB_BASE_REF")
    if os.environ.get("GITHUB_ACTIONS") == "true" and target:
        candidates += [f"origin/{target}", target]
    candidates += ["origin/main", "main"]
    for ref in candidates:
        if git.resolve_commit(root, ref):
            head = git.resolve_commit(root, "HEAD")
            fork = git.merge_base(root, "HEAD", ref) if head else None
            return (fork, f"merge base with {ref} ({fork[:10]})") if fork else (ref, ref)
    return None


def base_revision(root: Path, ref: str | None, notes: list[str],
                  default: tuple[str, str] | None = None) -> Revision | None:
    """The revision `ref` names, else `default` (found already), else the default base."""
    if ref == EMPTY_BASE:
        notes.append("compared with an empty base: every entity counts as new")
        return None
    if ref is not None:
        return Revision.at(root, ref)
    found = default or default_base_ref(root)
    if found is None:
        if git.find_root(root) is None:
            notes.append("not a git repository: compared with an empty base, so every "
                         "entity counts as new")
            return None
        if git.resolve_commit(root, "HEAD") is None:
            notes.append("the repository has no commits yet: compared with an empty base")
            return None
        raise CharterError.at("no base revision: there is no origin/main or main; pass "
                              "--base REF (or --base none to treat everything as new)")
    return Revision.at(root, *found)
