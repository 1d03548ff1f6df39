"""A content-addressed cache under .charter/cache/, for parsed files and computed evidence.

Entries are JSON (never pickle), named by the hash of their inputs and by the engine's
fingerprint: the parse of one segment or entity file is stored once, and shared by every
version of every file that contains it. The folder is bounded: when it grows past its cap
(256 MiB, or CHARTER_CACHE_MAX_MIB), the entries read or written longest ago are removed
(reading an entry touches it). A cache folder that is tracked by git is ignored: a pull
request must not be able to plant "parsed" content.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import hashlib
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from charter import __version__
from charter.errors import CharterError
from charter.vcs import git

CACHE_DIR = ".charter/cache"
MAX_ENV = "CHARTER_CACHE_MAX_MIB"
DEFAULT_MAX_MIB = 256
MIB = 1024 * 1024
_LEDGER = "usage"  # approximate bytes held, kept so that a put need not walk the folder
_FLUSH_EVERY = 8 * MIB  # bytes written between two looks at the ledger
_EVICT_TO = 0.8  # evict down to this share of the cap, so eviction is rare


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


def max_bytes_from_env() -> int:
    """The cap in bytes: CHARTER_CACHE_MAX_MIB, or 256 MiB."""
    value = os.environ.get(MAX_ENV, "").strip()
    if not value:
        return DEFAULT_MAX_MIB * MIB
    try:
        mib = float(value)
    except ValueError:
        mib = -1
    if mib < 0 or mib != mib:
        raise CharterError.at(f"{MAX_ENV}={value!r}: give the cache's cap as a number of MiB "
                              f"(0 turns the cache off; the default is {DEFAULT_MAX_MIB})")
    return int(mib * MIB)


@dataclass(frozen=True)
class Entry:
    path: Path
    kind: str
    size: int
    used: float  # when it was last read or written
    current: bool  # written by this engine (other engines' entries are never read)


@dataclass
class Cache:
    folder: Path | None
    max_bytes: int = DEFAULT_MAX_MIB * MIB
    _memory: dict[tuple[str, str], str] = field(default_factory=dict, repr=False)
    _pending: int = 0  # bytes written since the ledger was last updated
    _registered: bool = False

    @classmethod
    def for_repo(cls, root: Path, enabled: bool = True) -> Cache:
        if not enabled:
            return cls(None)
        cap = max_bytes_from_env()
        if cap == 0:
            return cls(None, cap)
        override = os.environ.get("CHARTER_CACHE_DIR")
        return cls(Path(override) if override else repo_folder(root), cap)

    def _path(self, kind: str, key: str) -> str | None:
        if self.folder is None:
            return None
        # plain strings: a pull request asks about thousands of entries
        return f"{self.folder}/{kind}/{key[:2]}/{key}-{engine_fingerprint()}.json"

    def get(self, kind: str, key: str) -> Any:
        text = self.get_text(kind, key)
        if text is None:
            return None
        try:
            return json.loads(text)
        except ValueError:
            return None

    def get_text(self, kind: str, key: str) -> str | None:
        """The entry's JSON text; reading it makes it the most recently used."""
        remembered = self._memory.get((kind, key))
        if remembered is not None:
            return remembered
        path = self._path(kind, key)
        if path is None:
            return None
        try:
            with open(path, encoding="utf-8") as handle:
                text = handle.read()
            os.utime(path)  # least recently used goes first: a read counts as a use
        except (OSError, UnicodeDecodeError):
            return None
        self._memory[(kind, key)] = text
        return text

    def has(self, kind: str, key: str) -> bool:
        """Whether the entry exists; asking counts as a use (it is touched)."""
        if (kind, key) in self._memory:
            return True
        path = self._path(kind, key)
        if path is None:
            return False
        try:
            os.utime(path)
        except OSError:
            return False
        return True

    def put(self, kind: str, key: str, value: Any) -> None:
        self.put_text(kind, key, json.dumps(value, separators=(",", ":")))

    def put_text(self, kind: str, key: str, text: str) -> None:
        """Store JSON text (also for the rest of this run, even without a cache folder)."""
        self._memory[(kind, key)] = text
        path = self._path(kind, key)
        if path is None:
            return
        try:
            folder = os.path.dirname(path)
            os.makedirs(folder, exist_ok=True)
            with tempfile.NamedTemporaryFile("w", dir=folder, delete=False,
                                             suffix=".tmp", encoding="utf-8") as handle:
                handle.write(text)
            os.replace(handle.name, path)
        except OSError:
            return  # a cache that cannot be written only costs time
        self._pending += len(text)
        if not self._registered:
            self._registered = True
            atexit.register(self.flush)
        if self._pending >= _FLUSH_EVERY:
            self.flush()

    def flush(self) -> None:
        """Account for what was written, and evict when the folder is over its cap."""
        if self.folder is None or not self._pending:
            return
        pending, self._pending = self._pending, 0
        ledger = self.folder / _LEDGER
        try:
            total = int(ledger.read_text()) + pending
        except (OSError, ValueError):
            total = self.max_bytes + 1  # unknown: measure
        if total > self.max_bytes:
            total = self.evict(int(self.max_bytes * _EVICT_TO))
        _write_ledger(ledger, total)

    def evict(self, target: int) -> int:
        """Remove the least recently used entries until at most `target` bytes remain."""
        entries = sorted(self.entries(), key=lambda e: (e.current, e.used))
        total = sum(e.size for e in entries)
        for entry in entries:
            if total <= target:
                break
            entry.path.unlink(missing_ok=True)
            total -= entry.size
        return total

    def entries(self) -> list[Entry]:
        if self.folder is None or not self.folder.is_dir():
            return []
        suffix = f"-{engine_fingerprint()}.json"
        found = []
        for directory, _, names in os.walk(self.folder):
            for name in names:
                if not name.endswith((".json", ".tmp")):
                    continue
                path = Path(directory, name)
                try:
                    stat = path.stat()
                except OSError:
                    continue
                kind = path.relative_to(self.folder).parts[0]
                found.append(Entry(path, kind, stat.st_size, stat.st_mtime,
                                   name.endswith(suffix)))
        return found

    def clear(self) -> tuple[int, int]:
        """Remove every entry; returns how many, and their bytes."""
        entries = self.entries()
        for entry in entries:
            entry.path.unlink(missing_ok=True)
        if self.folder is not None:
            for directory, _, _ in sorted(os.walk(self.folder), reverse=True):
                if Path(directory) != self.folder:
                    _remove_if_empty(Path(directory))
            (self.folder / _LEDGER).unlink(missing_ok=True)
        self._memory.clear()
        return len(entries), sum(e.size for e in entries)


def repo_folder(root: Path) -> Path | None:
    """The repository's cache folder, or None when .charter is tracked by git (then a pull
    request could plant entries) or git cannot say. Asked of the checked-out commit's tree,
    which git reads without the index (large in a split inventory); of the index only when
    there is no commit yet."""
    tracked = git.run_git(root, ["ls-tree", "--name-only", "HEAD", "--", ".charter"],
                          check=False)
    if tracked.returncode != 0:
        tracked = git.run_git(root, ["ls-files", "--", ".charter"], check=False)
    if tracked.returncode != 0 or tracked.stdout.strip():
        return None
    return root / CACHE_DIR


def _write_ledger(ledger: Path, total: int) -> None:
    with contextlib.suppress(OSError):
        ledger.parent.mkdir(parents=True, exist_ok=True)
        ledger.write_text(str(max(total, 0)))


def _remove_if_empty(directory: Path) -> None:
    with contextlib.suppress(OSError):
        directory.rmdir()
