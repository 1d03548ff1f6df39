"""Who made a model version: the author of the commit that wrote its key line, and of the
commits that last wrote what it is (`charter.source.recordlines`).

`git blame` of the version's key line in `models.yaml` (`"2.1.0":`) names the commit that
added the version — through merges, the commit on the branch where it was written — and of
its other lines who edited them since, for the price of one git process, whatever the length
of the history.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from charter.history.timeline import TimelineEvent
from charter.vcs import git
from charter.vcs.revisions import INVENTORY_FILE


def version_authors(root: Path, commit: str | None, lines: Mapping[str, Sequence[int]]
                    ) -> dict[str, tuple[str, ...]]:
    """version id -> "Name <email>" of each commit that last wrote one of its `lines` (the
    key's line first, so whoever added the version comes first), in `models.yaml`.

    `commit` None is the working tree: a line no commit has written yet is written by
    whoever would commit it now (git's configured identity).
    """
    if not lines or git.find_root(root) is None:
        return {}
    committed = git.resolve_commit(root, "HEAD") is not None
    return blamed_authors(root, commit, INVENTORY_FILE, lines, committed)


def blamed_authors(root: Path, commit: str | None, path: str,
                   lines: Mapping[str, Sequence[int]], committed: bool = True
                   ) -> dict[str, tuple[str, ...]]:
    """As version_authors, for the lines of any file (`committed`: some commit holds it)."""
    wanted = [line for numbers in lines.values() for line in numbers]
    blamed = git.blame_lines(root, commit, path, wanted) if committed else {}
    identity = git.author_identity(root) if commit is None else None
    found: dict[str, tuple[str, ...]] = {}
    for version, numbers in lines.items():
        who = [blamed.get(line) or identity for line in numbers]
        named = tuple(dict.fromkeys(author for author in who if author))
        if named:
            found[version] = named
    return found


_WEB_FLOW = ("noreply@github.com",)  # GitHub commits merges made in its interface as itself
_SHOW_FORMAT = "%H%x00%P%x00%an%x00%ae%x00%cn%x00%ce%x00"
_BATCH = 2000


@dataclass(frozen=True)
class _Identity:
    parents: tuple[str, ...]
    author: str
    email: str
    committer: str
    committer_email: str


def attribute_to_authors(root: Path, events: Sequence[TimelineEvent],
                         logged: Mapping[str, git.LogCommit] | None = None
                         ) -> list[TimelineEvent]:
    """Events credited to who wrote the change, and who merged it kept apart.

    A merge commit's author is whoever merged the pull request; the change is the merged
    branch's, so its tip's author is the author. A squash merge or a rebased commit already
    names the pull request's author, and its committer is who landed it (unless GitHub's
    interface did, which records only itself).

    `logged` holds commits already read from `git log` (the replay's): their identities are
    taken from there, and `git show` is asked only about the others and the merged tips.
    """
    wanted = {e.commit for e in events}
    commits = {sha: _logged_identity(logged[sha]) for sha in wanted
               if logged is not None and sha in logged}
    commits.update(_identities(root, sorted(wanted - commits.keys())))
    tips = _identities(root, sorted({c.parents[1] for c in commits.values()
                                     if len(c.parents) > 1}))
    out = []
    for event in events:
        found = commits.get(event.commit)
        if found is None:
            out.append(event)
        elif len(found.parents) > 1 and found.parents[1] in tips:
            tip = tips[found.parents[1]]
            out.append(replace(event, author=tip.author, email=tip.email,
                               merged_by=found.author, merged_by_email=found.email))
        elif found.committer_email not in _WEB_FLOW and found.committer_email != found.email:
            out.append(replace(event, merged_by=found.committer,
                               merged_by_email=found.committer_email))
        else:
            out.append(event)
    return out


def _logged_identity(commit: git.LogCommit) -> _Identity:
    """The identity `git show` would give of a commit `git log` listed (its fields stripped
    alike)."""
    return _Identity(commit.parents, commit.author.strip(), commit.email.strip(),
                     commit.committer.strip(), commit.committer_email.strip())


def _identities(root: Path, commits: list[str]) -> dict[str, _Identity]:
    found: dict[str, _Identity] = {}
    for start in range(0, len(commits), _BATCH):  # command lines have a length limit
        found.update(_identities_of(root, commits[start:start + _BATCH]))
    return found


def _identities_of(root: Path, commits: list[str]) -> dict[str, _Identity]:
    output = git.run_git(root, ["show", "-s", "--no-walk=unsorted", f"--format={_SHOW_FORMAT}",
                                *commits], check=False)
    if output.returncode != 0:
        return {}  # commits a shallow clone lacks: the replay's identities stand
    fields = output.stdout.decode("utf-8", "replace").split("\0")
    found = {}
    for start in range(0, len(fields) - 5, 6):
        sha, parents, author, email, committer, committer_email = (
            f.strip() for f in fields[start:start + 6])
        found[sha] = _Identity(tuple(parents.split()), author, email, committer,
                               committer_email)
    return found
