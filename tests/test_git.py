"""Reading git output whose free text (messages, names) holds any character git allows."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from conftest import TODAY, GitRepo

SEPARATORS = "\x1e\x1f\x1d\x01:"


def test_history_reads_messages_with_record_separators(governed: GitRepo) -> None:
    text = (governed.root / "models.yaml").read_text()
    governed.write("models.yaml", text.replace("roc_auc: 0.81", "roc_auc: 0.83"))
    subject = f"Recompute AUC {SEPARATORS} on holdout (#7)"
    body = f"Body with{SEPARATORS}\nseparators\n\n:100644 100644 {'a' * 40} {'b' * 40} M"
    governed.commit(f"{subject}\n\n{body}", author="Ev\x1eil Name <evil@example.com>")

    run = governed.charter("history", "--format", "json", "--no-cache")

    assert run.code == 0, run.err
    events = json.loads(run.out)["events"]
    changed = [e for e in events if e["message"] == subject]
    assert changed and changed[0]["pr"] == 7
    assert changed[0]["author"] == "Ev\x1eil Name"


def test_history_text_shows_a_message_with_a_record_separator(governed: GitRepo) -> None:
    text = (governed.root / "models.yaml").read_text()
    governed.write("models.yaml", text.replace("roc_auc: 0.81", "roc_auc: 0.83"))
    governed.commit("Recompute \x1e AUC (#8)")

    run = governed.charter("history", "--no-cache")

    assert run.code == 0, run.err
    assert "#8" in run.out and "record-changed" in run.out


def test_a_base_commit_missing_from_a_shallow_clone_fails_closed(governed: GitRepo,
                                                                 tmp_path: Path) -> None:
    """CI checks out one commit; the base named by its full sha is not in the clone."""
    base = governed.git("rev-parse", "HEAD")
    text = (governed.root / "models.yaml").read_text()
    governed.write("models.yaml", text.replace("roc_auc: 0.81", "roc_auc: 0.71"))
    governed.commit("lower the AUC")
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{governed.root}", str(clone)],
                   check=True)
    for args in (("--base", base), ("--base", base[:12])):
        run = GitRepo(clone).charter("check", "--today", TODAY, "--evidence", "none", *args)
        assert run.code == 2, run.out + run.err
        assert (f"charter: error: git revision {args[1]!r} does not exist (the clone may be "
                "shallow: fetch with fetch-depth: 0)") in run.err


def test_blame_names_the_writer_of_each_line_asked_for_however_many(repo: GitRepo) -> None:
    """Thousands of scattered lines (every version of a large inventory) are answered from
    one blame of the whole file, exactly as a few lines are from ranges."""
    from charter.vcs.git import blame_lines

    repo.write("big.txt", "".join(f"line {n}\n" for n in range(1, 4101)))
    repo.commit("written", author="Ann <ann@example.com>")
    repo.write("big.txt", "".join(f"line {n}{' edited' if n % 2 == 0 else ''}\n"
                                  for n in range(1, 4101)))
    repo.commit("every even line", author="Bob <bob@example.com>")
    odd = list(range(1, 4101, 2))  # 2,050 runs of one line
    many = blame_lines(repo.root, "HEAD", "big.txt", odd)
    assert many == dict.fromkeys(odd, "Ann <ann@example.com>")
    few = blame_lines(repo.root, "HEAD", "big.txt", [1, 2, 3, 4100])
    assert few == {1: "Ann <ann@example.com>", 2: "Bob <bob@example.com>",
                   3: "Ann <ann@example.com>", 4100: "Bob <bob@example.com>"}
