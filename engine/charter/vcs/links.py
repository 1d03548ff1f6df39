"""Which files of a revision decide what a declared path reads, through symbolic links.

A record pins `data/train.csv`; if that path (or a folder above it) is a symbolic link, the
bytes read come from wherever the link leads. A change that rewrites the link's target leaves
the declared path itself untouched, so "did the change touch this file?" must ask about every
link met on the way and the file it ends at, not only the declared path.
"""

from __future__ import annotations

import os
import posixpath
from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import Path

from charter.vcs import git

_MAX_HOPS = 40  # as the kernel's ELOOP limit


@dataclass(frozen=True)
class Followed:
    """Where a declared path leads: `final` is None when it leaves the repository or loops
    (nothing can be said of what it reads, so callers treat it as changed)."""

    final: str | None
    paths: frozenset[str]  # the declared path, every link met, and the final file


def follow(path: str, link_target: Callable[[str], str | None]) -> Followed:
    """Follow `path` through the links `link_target` names (path -> where it points), one
    component at a time as the kernel does: `..` leaves the folder actually reached, so
    `link/../x` is `x` beside the link's target, not the `x` beside the link that a textual
    normalisation would name."""
    seen = {posixpath.normpath(path)}
    if posixpath.isabs(path):
        return Followed(None, frozenset(seen))
    pending = [p for p in path.split("/") if p not in ("", ".")]
    done: list[str] = []
    hops = 0
    while pending:
        part = pending.pop(0)
        if part == "..":
            if not done:
                return Followed(None, frozenset(seen))
            done.pop()
            continue
        here = "/".join([*done, part])
        target = link_target(here)
        if target is None:
            done.append(part)
            continue
        seen.add(here)
        hops += 1
        if hops > _MAX_HOPS or posixpath.isabs(target):
            return Followed(None, frozenset(seen))
        pending = [p for p in target.split("/") if p not in ("", ".")] + pending
    final = "/".join(done)
    return Followed(final, frozenset({*seen, final}))


def repository_path(location: str, root: Path) -> str | None:
    """The path in the repository that `location` reads: a path as written, or a `file://`
    URI (read from the local disk like a path, relative ones from the working directory)
    that lands inside `root`; None for other storage."""
    if "://" not in location:
        return location
    scheme, _, rest = location.partition("://")
    if scheme.lower() != "file" or "\0" in rest:
        return None
    target = os.path.abspath(rest)
    for top in (root.absolute(), root.resolve()):
        inside = os.path.relpath(target, top)
        if inside != os.curdir and not inside.startswith(os.pardir):
            return Path(inside).as_posix()
    return None


class Links:
    """The symbolic links of one revision: the working tree (`commit` None) or a commit."""

    def __init__(self, root: Path, commit: str | None) -> None:
        self.root = root
        self.commit = commit
        self._at_commit: dict[str, str] | None = None

    def target(self, path: str) -> str | None:
        if self.commit is None:
            where = self.root / path
            return os.readlink(where) if where.is_symlink() else None
        if self._at_commit is None:
            self._at_commit = _links_at(self.root, self.commit)
        return self._at_commit.get(path)

    def follow(self, path: str) -> Followed:
        return follow(path, self.target)

    def touched(self, path: str, changed: Collection[str]) -> bool:
        """Whether a change to `changed` can alter what `path` reads."""
        followed = self.follow(path)
        return followed.final is None or reads_changed(followed, changed)


def reads_changed(followed: Followed, changed: Collection[str]) -> bool:
    """Whether one of the paths met, a folder above one, or a file below one (a path naming a
    folder) is among `changed`: git names a submodule whose commit moved, or a folder
    replaced by a file, by that path alone."""
    if any(p in changed or any(a in changed for a in _ancestors(p)) for p in followed.paths):
        return True
    folders = tuple(f"{p}/" for p in followed.paths)
    return any(c.startswith(folders) for c in changed)


def _ancestors(path: str) -> list[str]:
    parts = path.split("/")
    return ["/".join(parts[:i]) for i in range(1, len(parts))]


def _links_at(root: Path, commit: str) -> dict[str, str]:
    entries = [e for e in git.list_tree(root, commit, []) if e.is_symlink]
    return {e.path: git.read_blob(root, e.blob).decode(errors="surrogateescape")
            for e in entries}
