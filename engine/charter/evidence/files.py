"""Where evidence inputs come from, hashed as they stream.

A path is read from the work tree or from a git commit and must stay inside the repository;
a URI (s3://, gs://, file://, ...) is read through fsspec only when its scheme is listed in
`settings.allowed_uri_schemes` of the trusted revision. Files are hashed in 1 MiB chunks, and
what is loaded afterwards is exactly what was hashed: git blobs and URIs are copied to a
private temporary file while they are hashed.
"""

from __future__ import annotations

import hashlib
import subprocess
import tempfile
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, Any

from charter.evidence.problems import InputError
from charter.vcs.cache import Cache

CHUNK = 1 << 20


@dataclass(frozen=True)
class Fetched:
    name: str  # the declared path or URI
    path: Path  # a local file holding exactly the hashed bytes
    sha256: str
    size: int


def declared_location(record: Mapping[str, Any]) -> str | None:
    for key in ("path", "uri"):
        value = record.get(key)
        if isinstance(value, str) and value:
            return value
    return None


def _copy_hashing(source: IO[bytes], target: IO[bytes] | None) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    while chunk := source.read(CHUNK):
        digest.update(chunk)
        size += len(chunk)
        if target is not None:
            target.write(chunk)
    return digest.hexdigest(), size


class FileStore:
    """Reads the files of one revision: the work tree (`commit` None) or a git commit."""

    def __init__(self, root: Path, commit: str | None = None,
                 allowed_schemes: Collection[str] = (), cache: Cache | None = None) -> None:
        self.root = root.resolve()
        self.commit = commit
        self.allowed_schemes = set(allowed_schemes)
        self.cache = cache
        self._fetched: dict[str, Fetched] = {}
        self._tmp: tempfile.TemporaryDirectory[str] | None = None

    def __enter__(self) -> FileStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def fetch(self, location: str) -> Fetched:
        """The file at `location`; raises InputError naming the file and the problem."""
        if location not in self._fetched:
            if "://" in location:
                self._fetched[location] = self._fetch_uri(location)
            elif self.commit is None:
                self._fetched[location] = self._fetch_worktree(location)
            else:
                self._fetched[location] = self._fetch_blob(location)
        return self._fetched[location]

    def _scratch(self, name: str) -> Path:
        if self._tmp is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="charter-evidence-")
        return Path(self._tmp.name) / f"{len(self._fetched)}-{PurePosixPath(name).name}"

    def _inside(self, location: str) -> PurePosixPath:
        if "\0" in location:  # no file name holds one; the system calls would refuse it
            raise InputError("bad-path", f"{location!r}: a path cannot hold a NUL character")
        pure = PurePosixPath(location)
        if pure.is_absolute() or ".." in pure.parts or not pure.parts:
            raise InputError("outside-repository", f"{location}: paths must be relative and "
                             "stay inside the repository (use `uri:` for other storage)")
        return pure

    def _fetch_worktree(self, location: str) -> Fetched:
        self._inside(location)
        target = (self.root / location).resolve()
        if not target.is_relative_to(self.root):
            raise InputError("outside-repository",
                             f"{location}: resolves outside the repository (a symbolic link?)")
        if not target.is_file():
            raise InputError("not-found", f"{location}: file not found")
        sha, size = self._hash_file(target)
        return Fetched(location, target, sha, size)

    def _hash_file(self, target: Path) -> tuple[str, int]:
        stat = target.stat()
        key = hashlib.sha256(f"{target}\0{stat.st_size}\0{stat.st_mtime_ns}\0{stat.st_ino}"
                             .encode()).hexdigest()
        cached = self.cache.get("sha256", key) if self.cache else None
        if isinstance(cached, dict) and isinstance(cached.get("sha256"), str):
            return cached["sha256"], stat.st_size
        try:
            with target.open("rb") as handle:
                sha, size = _copy_hashing(handle, None)
        except OSError as exc:
            raise InputError("unreadable", f"{target.name}: cannot read: {exc.strerror}") from None
        if self.cache:
            self.cache.put("sha256", key, {"sha256": sha})
        return sha, size

    def _fetch_blob(self, location: str) -> Fetched:
        pure = self._inside(location)
        assert self.commit is not None
        scratch = self._scratch(location)
        process = subprocess.Popen(["git", "cat-file", "blob", f"{self.commit}:{pure}"],
                                   cwd=self.root, stdout=subprocess.PIPE,
                                   stderr=subprocess.DEVNULL)
        assert process.stdout is not None
        with scratch.open("wb") as sink:
            sha, size = _copy_hashing(process.stdout, sink)
        if process.wait() != 0:
            raise InputError("not-found", f"{location}: file not found at commit "
                             f"{self.commit[:10]}")
        return Fetched(location, scratch, sha, size)

    def _fetch_uri(self, location: str) -> Fetched:
        scheme = location.split("://", 1)[0].lower()
        if scheme not in self.allowed_schemes:
            raise InputError("uri-not-allowed", f"{location}: {scheme}:// is not in "
                             "settings.allowed_uri_schemes")
        import fsspec

        scratch = self._scratch(location)
        try:
            with fsspec.open(location, "rb") as source, scratch.open("wb") as sink:
                sha, size = _copy_hashing(source, sink)
        except FileNotFoundError:
            raise InputError("not-found", f"{location}: not found") from None
        except (OSError, ValueError, ImportError) as exc:
            raise InputError("unreadable", f"{location}: cannot read: {exc}") from None
        return Fetched(location, scratch, sha, size)
