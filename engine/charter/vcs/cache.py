"""A content-addressed cache under .charter/cache/, for parsed files and computed evidence.

Entries are JSON (never pickle), named by the hash of their inputs. A cache folder that is
tracked by git is ignored: a pull request must not be able to plant "parsed" content.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from charter import __version__
from charter.vcs import git

CACHE_DIR = ".charter/cache"


@functools.cache
def engine_fingerprint() -> str:
    """The engine's version and a hash of its code: a changed engine never reuses a result."""
    digest = hashlib.sha256(__version__.encode())
    package = Path(__file__).resolve().parents[1]  # the whole charter package
    for path in sorted(package.rglob("*")):
        if path.suffix in (".py", ".yaml", ".json") and path.is_file():
            digest.update(path.relative_to(package).as_posix().encode())
            digest.update(path.read_bytes())
    return f"{__version__}-{digest.hexdigest()[:12]}"


class Cache:
    def __init__(self, folder: Path | None) -> None:
        self.folder = folder

    @classmethod
    def for_repo(cls, root: Path, enabled: bool = True) -> Cache:
        override = os.environ.get("CHARTER_CACHE_DIR")
        if not enabled:
            return cls(None)
        if override:
            return cls(Path(override))
        tracked = git.run_git(root, ["ls-files", "--", ".charter"], check=False)
        if tracked.returncode != 0 or tracked.stdout.strip():
            return cls(None)
        return cls(root / CACHE_DIR)

    def _path(self, kind: str, key: str) -> Path | None:
        if self.folder is None:
            return None
        return self.folder / kind / f"{key}-{engine_fingerprint()}.json"

    def get(self, kind: str, key: str) -> Any:
        path = self._path(kind, key)
        if path is None or not path.is_file():
            return None
        try:
            return json.loads(path.read_text())
        except (OSError, ValueError):
            return None

    def put(self, kind: str, key: str, value: Any) -> None:
        path = self._path(kind, key)
        if path is None:
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False,
                                             suffix=".tmp") as handle:
                json.dump(value, handle, separators=(",", ":"))
            os.replace(handle.name, path)
            self._prune(path.parent)
        except OSError:
            pass  # a cache that cannot be written only costs time

    def _prune(self, folder: Path, keep: int = 512) -> None:
        """Keep the most recently written entries of one kind; the rest only cost disk."""
        entries = sorted(folder.glob("*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
        for stale in entries[keep:]:
            stale.unlink(missing_ok=True)
