"""Blobs streamed in order from one `git cat-file --batch`."""

from __future__ import annotations

import pytest

from charter.vcs.git import GitError
from charter.vcs.stream import BlobStream
from conftest import GitRepo

MISSING = "1" * 40


def blob_ids(repo: GitRepo, contents: list[bytes]) -> list[str]:
    ids = []
    for n, content in enumerate(contents):
        path = repo.root / f"f{n}"
        path.write_bytes(content)
        ids.append(repo.git("hash-object", "-w", str(path)))
    return ids


def test_blobs_come_in_the_order_asked_and_a_missing_one_is_none(repo: GitRepo) -> None:
    contents = [b"small\n", b"x" * 300_000, b"", b"a\nb\n" * 50_000]  # larger than a pipe
    ids = blob_ids(repo, contents)
    asked = [*ids, MISSING, ids[0], *ids] * 10  # more than the stream reads ahead
    expected = [*contents, None, contents[0], *contents] * 10
    with BlobStream(repo.root, asked) as stream:
        assert [stream.read_next() for _ in asked] == expected


def test_stopping_early_ends_git_and_the_writer(repo: GitRepo) -> None:
    ids = blob_ids(repo, [b"y" * 200_000]) * 200
    stream = BlobStream(repo.root, ids)
    assert stream.read_next() == b"y" * 200_000
    stream.close()  # returns: nothing is left blocked on a full pipe
    assert stream._process.returncode is not None
    assert not stream._writer.is_alive()


def test_reading_past_the_blobs_asked_is_an_error(repo: GitRepo) -> None:
    ids = blob_ids(repo, [b"z\n"])
    with BlobStream(repo.root, ids) as stream:
        assert stream.read_next() == b"z\n"
        with pytest.raises(GitError, match="stopped before every blob"):
            stream.read_next()
