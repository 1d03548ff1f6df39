"""Who added a model version: the author of the commit that wrote its key line.

`git blame` of the version's key line in `models.yaml` (`"2.1.0":`) names the commit that
added the version — through merges, the commit on the branch where it was written — for the
price of one git process, whatever the length of the history.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from charter.vcs import git
from charter.vcs.revisions import INVENTORY_FILE


def version_authors(root: Path, commit: str | None, lines: Mapping[str, int]) -> dict[str, str]:
    """version id -> "Name <email>", given the line of each version's key at `commit`.

    `commit` None is the working tree: a version no commit has written yet is authored by
    whoever would commit it now (git's configured identity).
    """
    if not lines or git.find_root(root) is None:
        return {}
    if git.resolve_commit(root, "HEAD") is None:
        blamed: dict[int, str | None] = {}
    else:
        blamed = git.blame_lines(root, commit, INVENTORY_FILE, list(lines.values()))
    identity = git.author_identity(root) if commit is None else None
    found = {}
    for version, line in lines.items():
        author = blamed.get(line, identity if commit is None else None)
        author = author if author is not None else identity
        if author:
            found[version] = author
    return found
