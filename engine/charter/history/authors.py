"""Who added a model version: the author of the commit that added it, from the timeline."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from charter import git
from charter.history import build_timeline


def version_authors(root: Path, commit: str | None, wanted: Iterable[str],
                    use_cache: bool = True) -> dict[str, str]:
    """version id -> "Name <email>" of the commit that (last) added it on `commit`'s branch.

    `commit` None is the working tree: a version it adds that no commit has is authored by
    whoever would commit it now (git's configured identity).
    """
    wanted = set(wanted)
    if not wanted or git.find_root(root) is None:
        return {}
    found: dict[str, str] = {}
    tip = commit or git.resolve_commit(root, "HEAD")
    if tip is not None:
        for event in build_timeline(root, ref=tip, use_cache=use_cache).events:
            if event.kind == "version-added" and event.entity in wanted:
                found[event.entity] = f"{event.author} <{event.email}>"
    if commit is None:
        identity = git.author_identity(root)
        if identity:
            found.update({v: identity for v in wanted - set(found)})
    return found
