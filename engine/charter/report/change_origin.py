"""Where a change report comes from: the commit it describes (HEAD when the working tree is
clean), the date it carries, the commits of the change and the pull request they belong to."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from charter.vcs import git

CACHE_FOLDER = ".charter/cache"
MANIFEST = "manifest.json"  # what build_reports writes beside the reports
MAX_COMMITS = 20
_PR_PATTERNS = (re.compile(r"^Merge pull request #(\d+)\b"), re.compile(r"\(#(\d+)\)\s*$"))


@dataclass(frozen=True)
class HeadState:
    """The revision a change report describes and the date it carries."""

    commit: str  # what the document names as its commit
    committed: dt.datetime
    sha: str | None  # the commit the head is, or sits on (None: no commit at all)
    uncommitted: bool  # the working tree differs from `sha`
    dated_by: str  # where the date comes from, in words
    changed_files: tuple[str, ...] = ()  # the files that differ from `sha`


def head_state(root: Path, head_commit: str | None, today: dt.date,
               outputs: Iterable[str] = ()) -> HeadState:
    """The head commit when one was checked out or asked for; else HEAD, if the working
    tree is clean apart from this run's own outputs and the cache."""
    if head_commit:
        return HeadState(head_commit, commit_date(root, head_commit), head_commit, False,
                         "the commit date of the head")
    sha = git.resolve_commit(root, "HEAD")
    if sha is None:
        return HeadState("working tree (no commit yet)", dt.datetime.combine(
            today, dt.time(), dt.UTC), None, True, "the evaluation date (given with --today, "
            "else the clock's): there is no commit to date it by")
    dirty = uncommitted_paths(root, outputs)
    if not dirty:
        return HeadState(sha, commit_date(root, sha), sha, False, "the commit date of HEAD")
    return HeadState(f"uncommitted changes on {sha}", commit_date(root, sha), sha, True,
                     "the commit date of HEAD, which the uncommitted changes sit on",
                     tuple(dirty))


def commit_date(root: Path, commit: str) -> dt.datetime:
    stamp = git.commit_info(root, commit)["committed"]
    return dt.datetime.fromisoformat(stamp).astimezone(dt.UTC)


def uncommitted_paths(root: Path, outputs: Iterable[str] = ()) -> list[str]:
    """Files of the working tree that differ from HEAD (untracked ones too, ignored ones
    not), leaving out the cache, the files this run writes and earlier report folders."""
    excluded = [CACHE_FOLDER, *(p for p in (_inside(root, o) for o in outputs) if p)]
    specs = [f":(exclude,literal){p}" for p in excluded]
    result = git.run_git(root, ["status", "--porcelain", "-z", "--untracked-files=normal",
                                "--", ".", *specs])
    entries = [e.decode(errors="replace") for e in result.stdout.split(b"\0") if e]
    return [e[3:] for e in entries if len(e) > 3 and not (
        e.startswith("?? ") and e.endswith("/") and _report_folder(root / e[3:]))]


def _report_folder(folder: Path) -> bool:
    """An untracked folder of reports Charter wrote: build output, not an input."""
    try:
        data = json.loads((folder / MANIFEST).read_text())
    except (OSError, ValueError):
        return False
    return isinstance(data, dict) and "charter_manifest" in data


def _inside(root: Path, path: str) -> str | None:
    target = Path(path) if Path(path).is_absolute() else root / path
    try:
        relative = target.resolve().relative_to(root.resolve())
    except ValueError:
        return None
    return relative.as_posix() if relative.parts else None


@dataclass(frozen=True)
class Commit:
    sha: str
    author: str
    date: str
    subject: str


def change_commits(root: Path, base: str | None, head: str | None) -> tuple[list[Commit], int]:
    """The commits from `base` to `head` (newest first, at most MAX_COMMITS) and how many
    there are in all."""
    if head is None:
        return [], 0
    span = f"{base}..{head}" if base else head
    result = git.run_git(root, ["log", "--no-show-signature", "--format=%H%x00%an <%ae>%x00"
                                "%cI%x00%s%x00", span], check=False)
    if result.returncode != 0:
        return [], 0
    fields = result.stdout.decode(errors="replace").split("\0")
    commits = [Commit(*(f.strip() for f in fields[i:i + 4]))
               for i in range(0, len(fields) - 3, 4)]
    return commits[:MAX_COMMITS], len(commits)


@dataclass(frozen=True)
class PullRequestInfo:
    number: int
    title: str | None
    author: str | None
    source: str  # where the number was read


def pull_request(env: Mapping[str, str], commits: list[Commit]) -> PullRequestInfo | None:
    """The GitHub event's pull request, else a number in a merge or squash commit's subject."""
    event = _event(env)
    pull = event.get("pull_request")
    if isinstance(pull, Mapping) and isinstance(pull.get("number"), int):
        user = pull.get("user")
        login = user.get("login") if isinstance(user, Mapping) else None
        title = pull.get("title")
        return PullRequestInfo(pull["number"], title if isinstance(title, str) else None,
                               login if isinstance(login, str) else None, "the GitHub event")
    for commit in commits:
        for pattern in _PR_PATTERNS:
            found = pattern.search(commit.subject)
            if found:
                return PullRequestInfo(int(found.group(1)), None, None,
                                       f"the subject of commit {commit.sha[:10]}")
    return None


def _event(env: Mapping[str, str]) -> Mapping[str, Any]:
    path = env.get("GITHUB_EVENT_PATH")
    if not path:
        return {}
    try:
        data = json.loads(Path(path).read_text())
    except (OSError, ValueError):
        return {}  # the report names no pull request rather than fail over a convenience
    return data if isinstance(data, Mapping) else {}
