"""Read the governed files from the working tree or from a git revision, by the same interface."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from charter import git
from charter.errors import CharterError

INVENTORY_FILE = "models.yaml"
POLICY_DIR = "policies"


def is_policy_file(path: str) -> bool:
    """Top-level YAML files of policies/; subfolders (policy tests) are not rules."""
    pure = PurePosixPath(path)
    return pure.parent == PurePosixPath(POLICY_DIR) and pure.suffix in (".yaml", ".yml")


@dataclass
class Revision:
    """The governed files of one revision: `commit` is None for the working tree."""

    root: Path
    commit: str | None
    label: str
    _blobs: dict[str, str] = field(default_factory=dict)

    @classmethod
    def worktree(cls, root: Path) -> Revision:
        return cls(root, None, "working tree")

    @classmethod
    def at(cls, root: Path, ref: str, label: str | None = None) -> Revision:
        commit = git.resolve_commit(root, ref)
        if commit is None:
            hint = " (the clone may be shallow: fetch with fetch-depth: 0)" if git.is_shallow(
                root) else ""
            raise CharterError.at(f"git revision {ref!r} does not exist{hint}")
        entries = git.list_tree(root, commit, [INVENTORY_FILE, POLICY_DIR])
        if label is None:
            label = ref if commit.startswith(ref) else f"{ref} ({commit[:10]})"
        return cls(root, commit, label, {e.path: e.blob for e in entries})

    def policy_files(self) -> list[str]:
        if self.commit is not None:
            return sorted(p for p in self._blobs if is_policy_file(p))
        folder = self.root / POLICY_DIR
        if not folder.is_dir():
            return []
        return sorted(
            f"{POLICY_DIR}/{p.name}" for p in folder.iterdir() if p.is_file()
            and is_policy_file(f"{POLICY_DIR}/{p.name}")
        )

    def read(self, path: str) -> bytes | None:
        if self.commit is not None:
            blob = self._blobs.get(path)
            return git.read_blob(self.root, blob) if blob else None
        target = (self.root / path).resolve()
        if not target.is_relative_to(self.root.resolve()) or not target.is_file():
            return None
        return target.read_bytes()

    def content_id(self, path: str) -> str | None:
        """A content hash that names the file's bytes (git's blob id at a commit)."""
        if self.commit is not None:
            return self._blobs.get(path)
        data = self.read(path)
        return None if data is None else hashlib.sha1(
            b"blob %d\0" % len(data) + data).hexdigest()
