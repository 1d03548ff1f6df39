"""All access to git: plain subprocess calls, reading objects without a checkout."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from charter.errors import CharterError


class GitError(CharterError):
    pass


def run_git(
    root: Path, args: Sequence[str], check: bool = True
) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"}
    try:
        result = subprocess.run(["git", *args], cwd=root, capture_output=True, env=env)
    except FileNotFoundError:
        raise GitError.at("git is not installed or not on PATH") from None
    if check and result.returncode != 0:
        reason = result.stderr.decode(errors="replace").strip().splitlines()
        raise GitError.at(f"git {' '.join(args)} failed: {reason[-1] if reason else 'unknown'}")
    return result


def find_root(start: Path) -> Path | None:
    result = run_git(start, ["rev-parse", "--show-toplevel"], check=False)
    if result.returncode != 0:
        return None
    return Path(result.stdout.decode().strip())


def resolve_commit(root: Path, ref: str) -> str | None:
    result = run_git(root, ["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], check=False)
    return result.stdout.decode().strip() or None if result.returncode == 0 else None


def merge_base(root: Path, a: str, b: str) -> str | None:
    result = run_git(root, ["merge-base", a, b], check=False)
    return result.stdout.decode().strip() or None if result.returncode == 0 else None


def is_shallow(root: Path) -> bool:
    result = run_git(root, ["rev-parse", "--is-shallow-repository"], check=False)
    return result.stdout.decode().strip() == "true"


@dataclass(frozen=True)
class TreeEntry:
    path: str
    blob: str


def list_tree(root: Path, commit: str, paths: Sequence[str]) -> list[TreeEntry]:
    """Blobs under `paths` at `commit` (recursively), with their object ids."""
    result = run_git(root, ["ls-tree", "-r", "-z", "--full-tree", commit, "--", *paths])
    entries = []
    for item in result.stdout.split(b"\0"):
        if not item:
            continue
        meta, _, path = item.partition(b"\t")
        _mode, kind, blob = meta.decode().split()
        if kind == "blob":
            entries.append(TreeEntry(path.decode(), blob))
    return entries


def read_blob(root: Path, blob: str) -> bytes:
    return run_git(root, ["cat-file", "blob", blob]).stdout


def commit_info(root: Path, commit: str) -> dict[str, str]:
    fmt = "%H%x00%an%x00%ae%x00%aI%x00%cI%x00%s"
    out = run_git(root, ["show", "-s", f"--format={fmt}", commit]).stdout.decode()
    sha, name, email, authored, committed, subject = out.rstrip("\n").split("\0")
    return {"sha": sha, "author": name, "email": email, "authored": authored,
            "committed": committed, "subject": subject}


def changed_paths(root: Path, base: str, head: str | None = None) -> set[str]:
    """Files that differ between `base` and `head` (the working tree when None)."""
    args = ["diff", "--name-only", "-z", "--no-renames", base, *([head] if head else [])]
    result = run_git(root, args, check=False)
    if result.returncode != 0:
        return set()
    return {p.decode() for p in result.stdout.split(b"\0") if p}
