"""Stream many blobs, in a known order, from one `git cat-file --batch` read ahead by a thread.

The history reads every version of models.yaml, one after the other. Read directly, git
inflates a blob only while the caller waits for it (the pipe holds a fraction of one blob);
a thread that reads ahead lets git work while the caller parses, on another core.
"""

from __future__ import annotations

import contextlib
import os
import queue
import subprocess
import threading
from collections.abc import Sequence
from pathlib import Path

from charter.vcs.git import GitError

_DONE = object()


class BlobStream:
    """The contents of `blobs`, in order, through `read_next` (None: a blob git lacks)."""

    def __init__(self, root: Path, blobs: Sequence[str], ahead: int = 16) -> None:
        env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"}
        try:
            self._process = subprocess.Popen(
                ["git", "cat-file", "--batch"], cwd=root, stdin=subprocess.PIPE,
                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
        except FileNotFoundError:
            raise GitError.at("git is not installed or not on PATH") from None
        self._ready: queue.Queue[object] = queue.Queue(maxsize=ahead)
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._write, args=(blobs,), daemon=True),
                         threading.Thread(target=self._read, args=(len(blobs),), daemon=True)]
        for thread in self._threads:
            thread.start()

    def read_next(self) -> bytes | None:
        item = self._ready.get()
        if item is _DONE or isinstance(item, BaseException):
            raise GitError.at("git cat-file stopped before every blob was read")
        return item  # type: ignore[return-value]

    def _write(self, blobs: Sequence[str]) -> None:
        stdin = self._process.stdin
        assert stdin is not None
        try:
            stdin.write(b"".join(b.encode() + b"\n" for b in blobs))
            stdin.close()
        except (BrokenPipeError, ValueError, OSError):
            pass  # the reader stopped early

    def _read(self, count: int) -> None:
        stdout = self._process.stdout
        assert stdout is not None
        try:
            for _ in range(count):
                header = stdout.readline()
                if not header:
                    break
                fields = header.split()
                data = None
                if len(fields) == 3:  # else "<sha> missing"
                    data = stdout.read(int(fields[2]))
                    stdout.read(1)  # the newline after the content
                if not self._put(data):
                    return
        except (OSError, ValueError) as exc:
            self._put(exc)
            return
        self._put(_DONE)

    def _put(self, item: object) -> bool:
        while not self._stop.is_set():
            with contextlib.suppress(queue.Full):
                self._ready.put(item, timeout=0.1)
                return True
        return False

    def close(self) -> None:
        self._stop.set()
        if self._process.poll() is None:
            self._process.kill()  # unblocks both threads' pipes
        for thread in self._threads:
            thread.join()
        for stream in (self._process.stdin, self._process.stdout):
            if stream is not None:
                with contextlib.suppress(OSError, ValueError):
                    stream.close()
        self._process.wait()

    def __enter__(self) -> BlobStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
