"""Stream many blobs, in a known order, from one `git cat-file --batch`.

The history reads every version of models.yaml, one after the other. git inflates a blob
only while its output pipe has room: the pipe is widened (where the system allows) so that
git inflates the next blobs on another core while the caller parses, and the caller reads
each blob straight from the pipe (a thread reading ahead cost more in handing each blob
over than it saved). The blob ids are written by a thread, so that neither side waits on a
full pipe.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import threading
from collections.abc import Sequence
from pathlib import Path

from charter.vcs.git import GitError

try:
    from fcntl import fcntl
except ImportError:  # pragma: no cover - not on Windows
    fcntl = None  # type: ignore[assignment]

_SET_PIPE_SIZE = 1031  # F_SETPIPE_SZ (Linux)
_PIPE_SIZE = 1 << 20  # the usual most an unprivileged process may ask for


class BlobStream:
    """The contents of `blobs`, in order, through `read_next` (None: a blob git lacks)."""

    def __init__(self, root: Path, blobs: Sequence[str]) -> None:
        env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"}
        try:
            self._process = subprocess.Popen(
                ["git", "cat-file", "--batch"], cwd=root, stdin=subprocess.PIPE,
                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
        except FileNotFoundError:
            raise GitError.at("git is not installed or not on PATH") from None
        assert self._process.stdout is not None
        self._stdout = self._process.stdout
        if fcntl is not None:
            with contextlib.suppress(OSError):  # a narrower pipe is only slower
                fcntl(self._stdout.fileno(), _SET_PIPE_SIZE, _PIPE_SIZE)
        self._left = len(blobs)
        self._writer = threading.Thread(target=self._write, args=(blobs,), daemon=True)
        self._writer.start()

    def read_next(self) -> bytes | None:
        stdout = self._stdout
        try:
            if self._left <= 0:
                raise ValueError
            header = stdout.readline()
            fields = header.split()
            if len(fields) == 2 and fields[1] == b"missing":
                self._left -= 1
                return None
            if len(fields) != 3:
                raise ValueError
            size = int(fields[2])
            data = stdout.read(size)
            if len(data) != size or stdout.read(1) != b"\n":  # the newline after the content
                raise ValueError
        except (OSError, ValueError):
            raise GitError.at("git cat-file stopped before every blob was read") from None
        self._left -= 1
        return data

    def _write(self, blobs: Sequence[str]) -> None:
        stdin = self._process.stdin
        assert stdin is not None
        try:
            stdin.write(b"".join(b.encode() + b"\n" for b in blobs))
            stdin.close()
        except (BrokenPipeError, ValueError, OSError):
            pass  # the reader stopped early

    def close(self) -> None:
        if self._process.poll() is None:
            self._process.kill()  # unblocks the writer's pipe
        self._writer.join()
        for stream in (self._process.stdin, self._process.stdout):
            if stream is not None:
                with contextlib.suppress(OSError, ValueError):
                    stream.close()
        self._process.wait()

    def __enter__(self) -> BlobStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
