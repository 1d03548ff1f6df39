"""Who wrote and who landed each commit of the history: the identities the replay's `git log`
gives are those `git show` gives, for plain commits, commits landed by someone else and
merges of a branch written by another author."""

from __future__ import annotations

import os
import subprocess

from charter.history import authors
from charter.history.replay import replay
from charter.vcs import git
from conftest import BASIC_POLICIES, GitRepo
from test_history_answers import IMPORTED


def _committed_by(repo: GitRepo, message: str, author: str, committer: str) -> None:
    name, _, email = committer.partition(" <")
    env = {**os.environ, "GIT_COMMITTER_NAME": name, "GIT_COMMITTER_EMAIL": email.rstrip(">")}
    repo.git("add", "-A")
    subprocess.run(["git", "commit", "-q", "-m", message, f"--author={author}"],
                   cwd=repo.root, check=True, env=env)


def test_identities_from_the_log_are_those_git_show_gives(repo: GitRepo) -> None:
    repo.write("models.yaml", IMPORTED)
    repo.write("policies/rules.yaml", BASIC_POLICIES)
    repo.commit("Import the inventory")
    # landed by someone other than its author (a rebase or a squash merge)
    repo.write("models.yaml", IMPORTED.replace("risk_tier: low", "risk_tier: medium"))
    _committed_by(repo, "Raise the tier (#3)", "Ravi Dev <ravi@example.com>",
                  "Lead Reviewer <lead@example.com>")
    # a merge of a branch another author wrote
    repo.git("checkout", "-q", "-b", "promote")
    repo.write("models.yaml", IMPORTED.replace("risk_tier: low", "risk_tier: medium").replace(
        "stage: development", "stage: staging"))
    repo.commit("Stage credit 3.0.0", author="Kim Eng <kim@example.com>")
    repo.git("checkout", "-q", "main")
    subprocess.run(["git", "merge", "-q", "--no-ff", "promote", "-m",
                    "Merge pull request #7 from acme/promote"], cwd=repo.root, check=True)

    head = git.resolve_commit(repo.root, "HEAD")
    assert head is not None
    result = replay(repo.root, head)
    from_log = authors.attribute_to_authors(repo.root, result.events, result.logged)
    from_show = authors.attribute_to_authors(repo.root, result.events)
    assert from_log == from_show
    people = {(e.kind, e.author, e.merged_by) for e in from_log}
    assert ("stage-changed", "Kim Eng", "Test") in people
    assert any(e.author == "Ravi Dev" and e.merged_by == "Lead Reviewer" for e in from_log)
