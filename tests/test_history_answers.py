"""`charter history` answers what was asked, from the right source, crediting the right person."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from conftest import BASIC_POLICIES, GitRepo, run_charter
from test_reviews import FakeGitHub, github  # noqa: F401  (the fake API and its fixture)

# Brought into git on 2026-06-01, long after 1.0.0 served (2024-03-01 to 2025-02-01) and
# 2.0.0 went live (2025-02-01).
IMPORTED = """\
charter: 1
teams:
  risk-analytics: {members: [dana, ravi]}
  model-risk: {members: [vera, victor], validates: true}
models:
  credit:
    title: Credit default
    owner: risk-analytics
    risk_tier: low
    purpose: Price loans by default risk
    versions:
      "1.0.0":
        stage: retired
        algorithm: LogisticRegression
        deployments:
          - {target: scoring-api, since: 2024-03-01, until: 2025-02-01, traffic: 100}
      "2.0.0":
        stage: production
        algorithm: GradientBoostingClassifier
        deployments:
          - {target: scoring-api, since: 2025-02-01, traffic: 100}
      "3.0.0":
        stage: development
        algorithm: GradientBoostingClassifier
"""


def imported(repo: GitRepo) -> GitRepo:
    repo.write("models.yaml", IMPORTED)
    repo.write("policies/rules.yaml", BASIC_POLICIES)
    repo.commit("Import the inventory", date="2026-06-01T09:00:00+00:00")
    return repo


def test_unknown_model_is_an_error_with_a_suggestion(repo: GitRepo) -> None:
    imported(repo)
    run = repo.charter("history", "nope")
    assert run.code == 2
    assert "no model or dataset 'nope' in the history of HEAD" in run.err
    close = repo.charter("history", "credt")
    assert close.code == 2
    assert "did you mean 'credit'?" in close.err
    assert repo.charter("history", "credit").code == 0
    quiet_since = repo.charter("history", "credit", "--since", "2026-07-01")
    assert quiet_since.code == 0, quiet_since.err  # known, with no event since that day
    assert ": 0 events" in quiet_since.out


def test_a_day_before_the_history_is_answered_from_the_records(repo: GitRepo) -> None:
    imported(repo)
    run = repo.charter("history", "--in-production-on", "2025-01-01")
    assert run.code == 0, run.err
    assert run.out.splitlines() == [
        "In production on 2025-01-01 (HEAD), from inventory records: the git history begins "
        "on 2026-06-01, so the deployments models.yaml records answer:",
        "  credit@1.0.0"]
    later = repo.charter("history", "--in-production-on", "2025-06-01", "--format", "json")
    assert json.loads(later.out)["in_production_on"] == {
        "date": "2025-06-01", "versions": ["credit@2.0.0"], "source": "inventory records"}
    covered = repo.charter("history", "--in-production-on", "2026-06-02", "--format", "json")
    assert json.loads(covered.out)["in_production_on"]["source"] == "git history"


def test_periods_start_on_the_recorded_deployment_before_the_history(repo: GitRepo) -> None:
    imported(repo)
    run = repo.charter("history", "--format", "json")
    periods = {v["id"]: v["periods"] for v in json.loads(run.out)["ever_in_production"]}
    assert periods == {
        "credit@1.0.0": [{"from": "2024-03-01", "until": "2025-02-01",
                          "from_source": "inventory records",
                          "until_source": "inventory records"}],
        "credit@2.0.0": [{"from": "2025-02-01", "until": None,
                          "from_source": "inventory records", "until_source": "git history"}]}
    text = repo.charter("history", "--ever-in-production").out
    assert "credit@2.0.0                     2025-02-01* → now" in text
    assert "* from the deployments recorded in models.yaml: the git history begins on " \
           "2026-06-01" in text


def test_outside_git_the_history_says_so(tmp_path: Path) -> None:
    (tmp_path / "models.yaml").write_text(IMPORTED)
    run = run_charter(tmp_path, "history")
    assert run.code == 2
    assert "is not in a git repository: the history is read from git" in run.err
    assert "does not exist" not in run.err


def test_a_merged_pull_request_is_credited_to_its_author(repo: GitRepo) -> None:
    imported(repo)
    repo.git("checkout", "-q", "-b", "promote")
    repo.write("models.yaml", IMPORTED.replace("stage: development", "stage: staging"))
    repo.commit("Stage credit 3.0.0", date="2026-07-01T09:00:00+00:00",
                author="Ravi Dev <ravi@example.com>")
    repo.git("checkout", "-q", "main")
    subprocess.run(["git", "merge", "-q", "--no-ff", "promote", "-m",
                    "Merge pull request #7 from acme/promote"], cwd=repo.root, check=True)
    document = json.loads(repo.charter("history", "--format", "json").out)
    staged = next(e for e in document["events"] if e["kind"] == "stage-changed")
    assert (staged["author"], staged["email"], staged["merged_by"], staged["pr"]) == (
        "Ravi Dev", "ravi@example.com", "Test", 7)
    text = repo.charter("history").out
    assert "Ravi Dev" in text and "merged by Test" in text


def test_a_squash_merge_keeps_its_author_and_names_who_landed_it(repo: GitRepo) -> None:
    imported(repo)
    repo.write("models.yaml", IMPORTED.replace("stage: development", "stage: staging"))
    repo.commit("Stage credit 3.0.0 (#8)", author="Ravi Dev <ravi@example.com>")
    document = json.loads(repo.charter("history", "--format", "json").out)
    staged = next(e for e in document["events"] if e["kind"] == "stage-changed")
    assert (staged["author"], staged["merged_by"], staged["pr"]) == ("Ravi Dev", "Test", 8)


def test_github_names_who_opened_and_who_merged_each_pull_request(
        repo: GitRepo, github: FakeGitHub) -> None:  # noqa: F811
    imported(repo)
    repo.write("models.yaml", IMPORTED.replace("stage: development", "stage: staging"))
    repo.commit("Stage credit 3.0.0 (#8)", author="Ravi Dev <ravi@example.com>")
    github.routes["/repos/acme/models/pulls/8"] = (
        200, {"number": 8, "user": {"login": "ravi-gh"}, "merged_by": {"login": "lead-gh"}}, {})
    args = ("history", "--format", "json", "--authors-from", "github", "--repository",
            "acme/models", "--github-api", github.url)
    run = repo.charter(*args, env={"GITHUB_TOKEN": "t0ken"})
    assert run.code == 0, run.err
    staged = next(e for e in json.loads(run.out)["events"] if e["kind"] == "stage-changed")
    assert (staged["author"], staged["merged_by"]) == ("ravi-gh", "lead-gh")
    assert [path for path, _ in github.requests] == ["/repos/acme/models/pulls/8"]
    assert github.requests[0][1]["Authorization"] == "Bearer t0ken"
    without = repo.charter(*args)
    assert without.code == 2
    assert "GITHUB_TOKEN is not set" in without.err


def test_the_records_are_read_from_the_head_and_not_from_a_commit_before_it(repo: GitRepo
                                                                           ) -> None:
    """The last commit moves the recorded start of 2.0.0's service: the head's records
    answer. A head that does not parse records nothing (the commit is reported unreadable),
    however readable the commit before it was."""
    imported(repo)
    repo.write("models.yaml", IMPORTED.replace("since: 2025-02-01", "since: 2025-03-01"))
    repo.commit("Correct the deployment date", date="2026-06-02T09:00:00+00:00")
    run = repo.charter("history", "--format", "json", "--no-cache")
    periods = {v["id"]: v["periods"] for v in json.loads(run.out)["ever_in_production"]}
    assert periods["credit@2.0.0"][0]["from"] == "2025-03-01"
    repo.write("models.yaml", IMPORTED + "  bad: [unclosed\n")
    repo.commit("Break the inventory", date="2026-06-03T09:00:00+00:00")
    broken = repo.charter("history", "--format", "json", "--no-cache")
    assert broken.code == 0, broken.err
    document = json.loads(broken.out)
    periods = {v["id"]: v["periods"] for v in document["ever_in_production"]}
    assert periods["credit@2.0.0"] == [{"from": "2026-06-01T09:00:00+00:00", "until": None,
                                        "from_source": "git history",
                                        "until_source": "git history"}]
