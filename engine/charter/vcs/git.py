"""All access to git: plain subprocess calls, reading objects without a checkout."""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import tempfile
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from charter.errors import CharterError


class GitError(CharterError):
    pass


def _env() -> dict[str, str]:
    return {**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"}


@dataclass
class Started:
    """A git process left running, its answer spooled to a temporary file: however long
    the answer, git never waits for the caller to read it (a pipe holds 64 KiB), so it
    finishes while the caller works."""

    process: subprocess.Popen[bytes]
    output: IO[bytes]

    def result(self) -> tuple[bytes, int]:
        """git's answer and exit code, once it has finished."""
        code = self.process.wait()
        try:
            self.output.seek(0)
            return self.output.read(), code
        finally:
            self.output.close()


def start_git(root: Path, args: Sequence[str]) -> Started:
    """A git process left running, so that the caller can work (or run another) meanwhile;
    read it with result()."""
    output = tempfile.TemporaryFile()  # noqa: SIM115 - closed by result(), once git is done
    try:
        return Started(subprocess.Popen(["git", *args], cwd=root, stdout=output,
                                        stderr=subprocess.DEVNULL, env=_env()), output)
    except FileNotFoundError:
        output.close()
        raise GitError.at("git is not installed or not on PATH") from None


def run_git(
    root: Path, args: Sequence[str], check: bool = True
) -> subprocess.CompletedProcess[bytes]:
    env = _env()
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


SYMLINK_MODE = "120000"


@dataclass(frozen=True)
class TreeEntry:
    path: str
    blob: str
    mode: str = "100644"
    kind: str = "blob"

    @property
    def is_symlink(self) -> bool:
        return self.mode == SYMLINK_MODE  # the blob holds the link's target path


def list_tree(root: Path, commit: str, paths: Sequence[str]) -> list[TreeEntry]:
    """Blobs under `paths` at `commit` (recursively), with their object ids."""
    result = run_git(root, ["ls-tree", "-r", "-z", "--full-tree", commit, "--", *paths])
    return [e for e in _tree_entries(result.stdout) if e.kind == "blob"]


def tree_entry(root: Path, commit: str, path: str) -> TreeEntry | None:
    """The entry at exactly `path` (a blob, a tree or a submodule), or None."""
    result = run_git(root, ["ls-tree", "-z", "--full-tree", commit, "--", path])
    return next((e for e in _tree_entries(result.stdout) if e.path == path), None)


def _tree_entries(output: bytes) -> Iterator[TreeEntry]:
    for item in output.split(b"\0"):
        if not item:
            continue
        meta, _, path = item.partition(b"\t")
        mode, kind, blob = meta.decode().split()
        yield TreeEntry(path.decode(errors="surrogateescape"), blob, mode, kind)


def read_blob(root: Path, blob: str) -> bytes:
    return run_git(root, ["cat-file", "blob", blob]).stdout


def commit_info(root: Path, commit: str) -> dict[str, str]:
    fmt = "%H%x00%an%x00%ae%x00%aI%x00%cI%x00%s"
    out = run_git(root, ["show", "-s", f"--format={fmt}", commit]).stdout.decode()
    sha, name, email, authored, committed, subject = out.rstrip("\n").split("\0", 5)
    return {"sha": sha, "author": name, "email": email, "authored": authored,
            "committed": committed, "subject": subject}


@dataclass(frozen=True)
class FileChange:
    path: str
    blob: str | None  # None: the file was deleted
    mode: str = "100644"  # SYMLINK_MODE: the blob holds a link's target path


@dataclass(frozen=True)
class LogCommit:
    sha: str
    parents: tuple[str, ...]
    author: str
    email: str
    authored: str  # ISO 8601
    committed: str  # ISO 8601
    subject: str
    body: str
    changes: tuple[FileChange, ...]
    committer: str = ""
    committer_email: str = ""


# Every field ends with NUL, which git never puts in a name, a date or a message; with -z the
# file changes that follow are NUL-separated too, so the stream is a flat list of fields whose
# meaning follows from their position alone, whatever the free text holds.
_LOG_FORMAT = "%H%x00%P%x00%an%x00%ae%x00%aI%x00%cI%x00%cn%x00%ce%x00%s%x00%b%x00"
_LOG_FIELDS = 10
_NULL_BLOB = "0" * 40
_OBJECT_ID = re.compile(rb"[0-9a-f]{40}([0-9a-f]{24})?")


def log_first_parent(root: Path, commit: str, paths: Sequence[str]) -> Iterator[LogCommit]:
    """The commits on `commit`'s first-parent chain that change `paths`, oldest first.

    One `git log` process; merges are compared with their first parent, as a branch
    sees them; file changes come as blob ids (no content diff is computed).
    """
    args = ["log", "--first-parent", "--diff-merges=first-parent", "--reverse", "--raw",
            "--no-renames", "--no-abbrev", "-z", f"--format={_LOG_FORMAT}", commit, "--",
            *paths]
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"}
    try:
        process = subprocess.Popen(["git", *args], cwd=root, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, env=env)
    except FileNotFoundError:
        raise GitError.at("git is not installed or not on PATH") from None
    assert process.stdout is not None and process.stderr is not None
    try:
        yield from _log_commits(_nul_fields(process.stdout))
    finally:
        process.stdout.close()
        error = process.stderr.read().decode(errors="replace").strip()
        code = process.wait()
    if code != 0:
        raise GitError.at(f"git log failed: {error.splitlines()[-1] if error else 'unknown'}")


def _nul_fields(stream: IO[bytes]) -> Iterator[bytes]:
    buffer = b""
    for block in iter(lambda: stream.read(1 << 20), b""):
        fields = (buffer + block).split(b"\0")
        buffer = fields.pop()
        yield from fields
    if buffer:
        yield buffer


def _log_commits(fields: Iterator[bytes]) -> Iterator[LogCommit]:
    field = next(fields, None)
    while field is not None:
        if not _OBJECT_ID.fullmatch(field):
            raise GitError.at("git log printed something other than a commit id where one "
                              f"was expected: {field[:60]!r}")
        head = [field, *(next(fields, b"") for _ in range(_LOG_FIELDS - 1))]
        changes: list[FileChange] = []
        field = next(fields, None)
        # --raw -z: ":old_mode new_mode old_blob new_blob status" NUL path NUL, after an
        # empty field that ends the commit's header
        while field is not None and not _OBJECT_ID.fullmatch(field):
            meta = field.strip()
            if meta.startswith(b":"):
                changes.append(_file_change(meta, next(fields, b"")))
            field = next(fields, None)
        yield _log_commit(head, changes)


def _file_change(meta: bytes, path: bytes) -> FileChange:
    parts = meta[1:].decode(errors="replace").split()
    blob = parts[3] if parts[4] != "D" and parts[3] != _NULL_BLOB else None
    return FileChange(path.decode("utf-8", errors="replace"), blob, parts[1])


def _log_commit(head: list[bytes], changes: list[FileChange]) -> LogCommit:
    sha, parents, name, email, authored, committed, committer, committer_email, subject, body = (
        f.decode("utf-8", errors="replace") for f in head)
    return LogCommit(sha, tuple(parents.split()), name, email, authored, committed, subject,
                     body.strip(), tuple(changes), committer, committer_email)


def shallow_boundary(root: Path) -> set[str]:
    """Commits whose parents are missing because the clone is shallow."""
    result = run_git(root, ["rev-parse", "--git-path", "shallow"], check=False)
    path = root / result.stdout.decode().strip()
    if result.returncode != 0 or not path.is_file():
        return set()
    return set(path.read_text().split())


class BlobReader:
    """Read many objects through one `git cat-file --batch` process."""

    def __init__(self, root: Path) -> None:
        self._writer: threading.Thread | None = None
        env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"}
        try:
            self._process = subprocess.Popen(
                ["git", "cat-file", "--batch"], cwd=root, stdin=subprocess.PIPE, bufsize=1 << 20,
                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
        except FileNotFoundError:
            raise GitError.at("git is not installed or not on PATH") from None

    def prefetch(self, blobs: Sequence[str]) -> None:
        """Ask for `blobs` ahead, from a thread, so git inflates while the caller works.

        The caller then reads exactly these blobs, in this order, with `read_next`.
        """
        stdin = self._process.stdin
        assert stdin is not None

        def write() -> None:
            try:
                stdin.write(b"".join(b.encode() + b"\n" for b in blobs))
                stdin.flush()
            except (BrokenPipeError, ValueError):
                pass  # the reader stopped early

        self._writer = threading.Thread(target=write, daemon=True)
        self._writer.start()

    def read(self, blob: str) -> bytes | None:
        stdin = self._process.stdin
        assert stdin is not None
        if self._writer is not None:  # the answers to a prefetch were all read
            self._writer.join()
            self._writer = None
        stdin.write(blob.encode() + b"\n")
        stdin.flush()
        return self.read_next()

    def read_next(self) -> bytes | None:
        stdout = self._process.stdout
        assert stdout is not None
        header = stdout.readline().split()
        if len(header) != 3:  # "<sha> missing"
            return None
        data = stdout.read(int(header[2]))
        stdout.read(1)  # the newline after the content
        return data

    def close(self) -> None:
        if self._process.stdout is not None:
            self._process.stdout.close()
        if self._writer is not None and self._writer.is_alive():
            self._process.kill()  # the reader stopped early: unblock the writer
            self._writer.join()
        if self._process.stdin is not None:
            with contextlib.suppress(BrokenPipeError):
                self._process.stdin.close()
        self._process.wait()

    def __enter__(self) -> BlobReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# A pull request's .gitmodules can say `ignore = all` for a submodule, and git's diff then
# leaves out that submodule's moves; what a change did is asked of git with this.
DIFF_EVERYTHING = ("--ignore-submodules=none",)


def changed_paths(root: Path, base: str, head: str | None = None,
                  paths: Sequence[str] = ()) -> set[str]:
    """Files that differ between `base` and `head` (the working tree when None), under
    `paths` when given."""
    args = ["diff", "--name-only", "-z", "--no-renames", *DIFF_EVERYTHING, base,
            *([head] if head else []),
            *(["--", *paths] if paths else [])]
    result = run_git(root, args)  # an empty answer on failure would let changed files pass
    # a name need not be UTF-8 (git stores bytes): kept as the same surrogate-escaped text
    # every other reader of git's paths uses
    return {p.decode(errors="surrogateescape") for p in result.stdout.split(b"\0") if p}


def untracked(root: Path, paths: Sequence[str]) -> set[str]:
    """The work-tree files among `paths` that git does not track (ignored or never added):
    git's diff never names them, whatever happens to their bytes."""
    if not paths:
        return set()
    # a few paths are named; many are looked up in one listing of the index
    named = ["--", *paths] if len(paths) <= 1000 else []
    result = run_git(root, ["--literal-pathspecs", "ls-files", "-z", *named])
    tracked = {p.decode(errors="surrogateescape") for p in result.stdout.split(b"\0") if p}
    return set(paths) - tracked


_CONVERTING = ("text", "eol", "working-tree-encoding", "ident")


def checkout_conversions(root: Path, paths: Sequence[str]) -> dict[str, str]:
    """Work-tree files among `paths` whose bytes are not the bytes git commits for them,
    because attributes convert them on checkout (`text`/`eol`, `working-tree-encoding`,
    `ident`): path -> the attributes that do. A file given to a filter driver the environment
    configures (Git LFS) is the driver's business, unless one of those attributes is set on it
    as well."""
    if not paths:
        return {}
    attributes = _attributes(root, paths, (*_CONVERTING, "filter"))
    drivers = _filter_drivers(root)
    raw = _blob_ids(root, paths, "--no-filters")
    committed = _blob_ids(root, paths)
    found = {}
    for path, stored, clean in zip(paths, raw, committed, strict=True):
        named = attributes.get(path, {})
        converting = {k: v for k, v in named.items() if k in _CONVERTING
                      and v not in ("unspecified", "unset")}
        if named.get("filter") in drivers:
            converting = {k: v for k, v in converting.items() if v != "auto"}
            if converting:
                found[path] = _spelled(converting)
        elif stored != clean:
            found[path] = _spelled(converting) or "a conversion"
    return found


def _spelled(attributes: dict[str, str]) -> str:
    return " ".join(k if v == "set" else f"{k}={v}" for k, v in sorted(attributes.items()))


def _attributes(root: Path, paths: Sequence[str],
                names: Sequence[str]) -> dict[str, dict[str, str]]:
    result = subprocess.run(["git", "check-attr", "-z", "--stdin", *names], cwd=root,
                            input=b"".join(p.encode(errors="surrogateescape") + b"\0"
                                           for p in paths),
                            capture_output=True, env=_env())
    if result.returncode != 0:
        raise GitError.at("git check-attr failed: "
                          + result.stderr.decode(errors="replace").strip())
    fields = result.stdout.split(b"\0")
    found: dict[str, dict[str, str]] = {}
    for i in range(0, len(fields) - 2, 3):
        path = fields[i].decode(errors="surrogateescape")
        found.setdefault(path, {})[fields[i + 1].decode()] = fields[i + 2].decode(
            errors="replace")
    return found


def _filter_drivers(root: Path) -> set[str]:
    result = run_git(root, ["config", "-z", "--get-regexp", r"^filter\..*\.(clean|process)$"],
                     check=False)
    names = set()
    for entry in result.stdout.split(b"\0"):
        key = entry.split(b"\n", 1)[0].decode(errors="replace")
        if key.count(".") >= 2:
            names.add(key[len("filter."):key.rindex(".")])
    return names


def _blob_ids(root: Path, paths: Sequence[str], *options: str) -> list[str]:
    """The blob id git would store for each work-tree file: through its attributes (the bytes
    `git add` commits), or with `--no-filters` the bytes as they are."""
    output = run_git(root, ["hash-object", *options, "--", *paths]).stdout.decode().split()
    if len(output) != len(paths):
        raise GitError.at("git hash-object gave an unexpected answer")
    return output


def change_identities(root: Path, base: str, head: str | None) -> set[str]:
    """"Name <email>" of every author and co-author (`Co-authored-by:`) of the commits from
    `base` to `head` (HEAD when None)."""
    result = run_git(root, ["log", "-z", "--no-use-mailmap",
                            "--format=%an <%ae>%x01%(trailers:key=Co-authored-by,"
                            "valueonly,separator=%x01)", f"{base}..{head or 'HEAD'}"])
    found = {item.strip() for entry in result.stdout.decode(errors="replace").split("\0")
             for item in entry.split("\x01") if item.strip()}
    return found


def author_identity(root: Path) -> str | None:
    """"Name <email>" that git would record as the author of a commit made now."""
    result = run_git(root, ["var", "GIT_AUTHOR_IDENT"], check=False)
    ident = result.stdout.decode(errors="replace").strip()
    if result.returncode != 0 or ">" not in ident:
        return None
    return ident[: ident.rindex(">") + 1]


_UNCOMMITTED = "0" * 40


def sole_authors(root: Path, commit: str, folders: Sequence[str]) -> dict[str, str]:
    """path -> "Name <email>" for each file under `folders` at `commit` that exactly one
    commit of its history touched, by adding it (not by a rename): the author `git blame`
    gives every line of it. One `git log` for all the files; merges are compared with each
    parent, so a file a merge brought or changed has two commits and is left out. Renames
    are looked for among every file of those commits, as blame would follow them; when git
    skips that search (too many files), no file is answered."""
    result = run_git(root, ["log", "-z", "--no-use-mailmap", "-m", "--full-history",
                            "--full-diff", "-M",
                            "--name-status", "--format=%x01%an <%ae>", commit, "--",
                            *folders])
    if b"rename detection was skipped" in result.stderr:
        return {}
    touched: dict[str, int] = {}
    added: dict[str, str] = {}
    for block in result.stdout.decode("utf-8", errors="surrogateescape").split("\x01")[1:]:
        author, _, rest = block.partition("\0")
        fields = rest.lstrip("\n").split("\0")
        i = 0
        while i + 1 < len(fields):
            status = fields[i].strip()
            paths = fields[i + 1: i + (3 if status[:1] in "RC" else 2)]
            i += 1 + len(paths)
            for path in paths:
                touched[path] = touched.get(path, 0) + 1
            if status == "A":
                added[paths[0]] = author
    return {path: author for path, author in added.items() if touched[path] == 1}


def blame_lines(root: Path, commit: str | None, path: str,
                lines: Sequence[int]) -> dict[int, str | None]:
    """line -> "Name <email>" of the commit that last wrote it (None: not committed yet).

    One `git blame --porcelain` for all the lines, of `path` at `commit` or in the work tree.
    Lines that do not exist are left out. Authors are read from the commits themselves: blame
    maps them through the working tree's .mailmap, a file a pull request can write.
    """
    wanted = sorted(set(lines))
    if not wanted:
        return {}
    spans = _spans(wanted)
    # many spans (every version of a large file): blaming it whole costs git no more, and a
    # command line has a length limit
    ranges = [] if len(spans) > _SPANS_AT_MOST else [
        arg for first, last in spans for arg in ("-L", f"{first},{last}")]
    revision = [commit] if commit else []
    result = run_git(root, ["blame", "--porcelain", *ranges, *revision, "--", path],
                     check=False)
    if result.returncode != 0:
        reason = result.stderr.decode(errors="replace").strip().splitlines()
        raise GitError.at(f"git blame {path} failed: {reason[-1] if reason else 'unknown'}")
    blamed, named = _parse_blame(result.stdout.decode("utf-8", errors="replace"))
    if not ranges:
        keep = set(wanted)
        blamed = {line: sha for line, sha in blamed.items() if line in keep}
    if _may_map_authors(root):
        named = commit_authors(root, sorted({sha for sha in blamed.values()
                                             if sha != _UNCOMMITTED}))
    return {line: None if sha == _UNCOMMITTED else named.get(sha)
            for line, sha in blamed.items()}


_SPANS_AT_MOST = 2000


def _spans(lines: Sequence[int]) -> list[tuple[int, int]]:
    """Sorted line numbers as runs of consecutive lines: (first, last) each."""
    spans: list[tuple[int, int]] = []
    for line in lines:
        if spans and spans[-1][1] == line - 1:
            spans[-1] = (spans[-1][0], line)
        else:
            spans.append((line, line))
    return spans


def _may_map_authors(root: Path) -> bool:
    """Whether blame may have mapped authors through a .mailmap a pull request wrote: the
    working tree's (a bare repository reads HEAD's)."""
    return (root / ".mailmap").exists() or not (root / ".git").exists()


def commit_authors(root: Path, commits: Sequence[str]) -> dict[str, str]:
    """commit -> "Name <email>" as the commit records it, never through a .mailmap."""
    if not commits:
        return {}
    result = run_git(root, ["log", "--no-walk=unsorted", "--no-use-mailmap",
                            "--format=%H%x00%an <%ae>%x00", *commits])
    fields = result.stdout.decode("utf-8", errors="replace").split("\0")
    return {sha.strip(): who for sha, who in zip(fields[0::2], fields[1::2], strict=False)}


def _parse_blame(text: str) -> tuple[dict[int, str], dict[str, str]]:
    """line -> the commit that last wrote it, and commit -> "Name <email>" as blame gives it."""
    found: dict[int, str] = {}
    details: dict[str, dict[str, str]] = {}
    sha, line = "", 0
    for row in text.split("\n"):
        if row.startswith("\t"):  # the line's content ends its entry
            found[line] = sha
            continue
        head = row.split(" ")
        if len(head) >= 3 and re.fullmatch(r"[0-9a-f]{40}", head[0]) and head[2].isdigit():
            sha, line = head[0], int(head[2])
            details.setdefault(sha, {})
        elif sha and " " in row:
            key, _, value = row.partition(" ")
            if key in ("author", "author-mail"):
                details[sha][key] = value
    named = {sha: f"{info.get('author', '')} {info.get('author-mail', '<>')}"
             for sha, info in details.items()}
    return found, named
