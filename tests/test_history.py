"""`charter history` on real repositories with scripted histories of pull requests."""

from __future__ import annotations

import datetime as dt
import json
import subprocess

import pytest

from charter.history import build_timeline
from conftest import BASIC_INVENTORY, BASIC_POLICIES, GitRepo

MODELS_HEAD = BASIC_INVENTORY.split("models:\n")[0] + "models:\n"
VERSION_110 = """\
      "1.1.0":
        stage: {stage}
        algorithm: GradientBoostingClassifier
        training_data: [loans@2024-06]
        evaluation: {{dataset: loans@2024-06, target: defaulted, metrics: {{roc_auc: {auc}}}}}
"""


def merge_pr(repo: GitRepo, number: int, branch: str, title: str, date: str,
             author: str = "Ravi Dev <ravi@example.com>") -> str:
    """Commit on a branch, then merge it into main with GitHub's merge-commit message."""
    repo.git("checkout", "-q", "-b", branch)
    repo.commit(title, date=date, author=author)
    repo.git("checkout", "-q", "main")
    env_date = {"GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date}
    subprocess.run(["git", "merge", "-q", "--no-ff", branch, "-m",
                    f"Merge pull request #{number} from acme/{branch}", "-m", title],
                   cwd=repo.root, check=True, env={**_env(), **env_date})
    return repo.git("rev-parse", "HEAD")


def _env() -> dict[str, str]:
    import os

    return dict(os.environ)


def write_inventory(repo: GitRepo, versions: str) -> None:
    text = BASIC_INVENTORY + versions
    repo.write("models.yaml", text)


@pytest.fixture
def governed(repo: GitRepo) -> GitRepo:
    """The shared compliant inventory, committed on 2026-06-01 so later PRs follow it."""
    repo.write("models.yaml", BASIC_INVENTORY)
    repo.write("policies/rules.yaml", BASIC_POLICIES)
    repo.commit("initial inventory", date="2026-06-01T09:00:00+00:00")
    return repo


@pytest.fixture
def promoted(governed: GitRepo) -> GitRepo:
    """credit@1.1.0 goes development → staging → production over three merged PRs, and
    1.0.0 is retired in the last one."""
    repo = governed
    write_inventory(repo, VERSION_110.format(stage="development", auc=0.84))
    merge_pr(repo, 11, "add-110", "Add credit 1.1.0", "2026-07-01T10:00:00+00:00")
    write_inventory(repo, VERSION_110.format(stage="staging", auc=0.84))
    merge_pr(repo, 12, "stage-110", "Stage credit 1.1.0", "2026-07-10T10:00:00+00:00")
    text = BASIC_INVENTORY.replace("stage: production", "stage: retired")
    validated = VERSION_110.format(stage="production", auc=0.84) + (
        "        validation: {by: vera, date: 2026-07-15, outcome: approved}\n"
        "        deployments:\n          - {target: scoring-api, since: 2026-07-20}\n"
        "        monitoring: {reference: loans@2024-06, current: loans@2024-09,\n"
        "                     every_days: 3650}\n")
    repo.write("models.yaml", text + validated)
    merge_pr(repo, 13, "promote-110", "Promote credit 1.1.0", "2026-07-20T10:00:00+00:00",
             author="Vera Validator <vera@example.com>")
    return repo


def events_of(timeline_dict: dict[str, object], kind: str) -> list[dict[str, object]]:
    return [e for e in timeline_dict["events"] if e["kind"] == kind]  # type: ignore[union-attr]


def test_promotion_over_merged_prs_is_a_timeline_with_pr_numbers(promoted: GitRepo) -> None:
    run = promoted.charter("history", "credit", "--format", "json")
    assert run.code == 0, run.err
    document = json.loads(run.out)
    moves = [(e["version"], e["kind"], e["stage_from"], e["stage_to"], e["pr"])
             for e in document["events"] if e["kind"] in ("version-added", "stage-changed",
                                                          "retired")]
    assert moves == [
        ("1.0.0", "version-added", None, "production", None),
        ("1.1.0", "version-added", None, "development", 11),
        ("1.1.0", "stage-changed", "development", "staging", 12),
        ("1.0.0", "retired", "production", "retired", 13),
        ("1.1.0", "stage-changed", "staging", "production", 13),
    ]
    promotion = next(e for e in document["events"] if e["stage_to"] == "production"
                     and e["version"] == "1.1.0")
    assert promotion["date"].startswith("2026-07-20")
    assert promotion["message"] == "Merge pull request #13 from acme/promote-110"
    assert promotion["verdict"] == "pass"
    assert promotion["violations"] == []
    assert [e["detail"] for e in events_of(document, "validated")] == [
        "credit@1.1.0: validation approved by vera on 2026-07-15"]
    assert [e["detail"] for e in events_of(document, "deployed")] == [
        "credit@1.1.0 deployed to scoring-api since 2026-07-20"]
    assert document["violations"] == 0


def test_text_timeline_reads_as_an_audit_trail(promoted: GitRepo) -> None:
    run = promoted.charter("history")
    assert run.code == 0, run.err
    assert run.out.startswith("History on HEAD (")
    assert "0 rule breaks found after the fact" in run.out.splitlines()[0]
    line = next(x for x in run.out.splitlines() if "staging → production" in x)
    assert line.startswith("2026-07-20")
    assert "#13" in line and "[PASS]" in line
    assert "Ever in production: credit@1.0.0, credit@1.1.0" in run.out


def test_squash_merge_pr_numbers_are_read_from_the_subject(governed: GitRepo) -> None:
    write_inventory(governed, VERSION_110.format(stage="development", auc=0.84))
    governed.commit("Add credit 1.1.0 (#42)", date="2026-08-01T09:00:00+00:00")
    timeline = build_timeline(governed.root, use_cache=False)
    added = [e for e in timeline.events if e.kind == "version-added" and e.version == "1.1.0"]
    assert [(e.pr, e.author, e.message) for e in added] == [
        (42, "Dana Scientist", "Add credit 1.1.0 (#42)")]


def test_retired_then_removed_model_stays_ever_in_production(promoted: GitRepo) -> None:
    repo = promoted
    text = (repo.root / "models.yaml").read_text().replace("stage: production",
                                                             "stage: retired")
    repo.write("models.yaml", text)
    repo.commit("Retire credit (#14)", date="2026-09-01T10:00:00+00:00")
    repo.write("models.yaml", MODELS_HEAD.replace("models:\n", "models: {}\n"))
    repo.commit("Remove credit (#15)", date="2026-10-01T10:00:00+00:00")
    timeline = build_timeline(repo.root, use_cache=False)
    assert timeline.ever_in_production() == ["credit@1.0.0", "credit@1.1.0"]
    assert timeline.in_production_on(dt.date(2026, 7, 1)) == ["credit@1.0.0"]
    assert timeline.in_production_on(dt.date(2026, 8, 1)) == ["credit@1.1.0"]
    assert timeline.in_production_on(dt.date(2026, 9, 15)) == []
    removed = [e for e in timeline.events if e.kind == "model-removed"]
    assert [(e.pr, e.violations) for e in removed] == [(15, ())]  # retired first: allowed
    run = repo.charter("history", "--ever-in-production")
    assert run.code == 0, run.err
    assert "credit@1.0.0" in run.out and "credit@1.1.0" in run.out
    assert "2026-07-20 → 2026-09-01" in run.out
    run = repo.charter("history", "--in-production-on", "2026-08-01")
    assert run.out.splitlines()[1:] == ["  credit@1.1.0"]


def test_production_record_changed_in_place_is_flagged(governed: GitRepo) -> None:
    text = (governed.root / "models.yaml").read_text()
    governed.write("models.yaml", text.replace("roc_auc: 0.81", "roc_auc: 0.91"))
    governed.commit("Fix metrics (#7)", date="2026-08-01T10:00:00+00:00")
    run = governed.charter("history", "--format", "json", "--fail-on-violations")
    assert run.code == 1
    document = json.loads(run.out)
    tampered = events_of(document, "record-changed")
    assert len(tampered) == 1
    assert tampered[0]["pr"] == 7
    assert tampered[0]["violations"] == [
        "credit@1.0.0 was production and its record changed in place (evaluation) instead "
        "of a new version"]
    assert tampered[0]["verdict"] == "fail"  # LC-002 was in force at the time
    assert any(f.startswith("LC-002") for f in tampered[0]["findings"])


def test_skipped_stage_and_deleted_version_are_flagged(governed: GitRepo) -> None:
    write_inventory(governed, VERSION_110.format(stage="development", auc=0.84))
    governed.commit("Add 1.1.0 (#2)", date="2026-08-01T10:00:00+00:00")
    write_inventory(governed, VERSION_110.format(stage="production", auc=0.84))
    governed.commit("Ship 1.1.0 (#3)", date="2026-08-02T10:00:00+00:00")
    governed.write("models.yaml", BASIC_INVENTORY.replace('"1.0.0"', '"1.1.0"').replace(
        "stage: production", "stage: production"))
    governed.commit("Drop 1.0.0 (#4)", date="2026-08-03T10:00:00+00:00")
    timeline = build_timeline(governed.root, use_cache=False)
    flagged = {(e.pr, e.kind): e.violations for e in timeline.violations()}
    assert flagged[(3, "stage-changed")] == (
        "stage skipped: development → production (allowed from development: staging, "
        "retired)",)
    assert flagged[(4, "removed")] == (
        "credit@1.0.0 was deleted instead of retired although it served production",)


def test_verdict_uses_the_rules_in_force_at_the_time(governed: GitRepo) -> None:
    """A release at AUC 0.78 passed the 0.75 floor; a later policy raises it to 0.80."""
    write_inventory(governed, VERSION_110.format(stage="development", auc=0.78))
    governed.commit("Add 1.1.0 (#2)", date="2026-08-01T10:00:00+00:00")
    governed.write("policies/rules.yaml", BASIC_POLICIES.replace("gte: 0.75", "gte: 0.80"))
    governed.commit("Raise the AUC floor (#3)", date="2026-09-01T10:00:00+00:00")
    write_inventory(governed, VERSION_110.format(stage="development", auc=0.79))
    governed.commit("Retune 1.1.0 (#4)", date="2026-09-02T10:00:00+00:00")
    timeline = build_timeline(governed.root, use_cache=False)
    added = next(e for e in timeline.events if e.pr == 2)
    policy = next(e for e in timeline.events if e.kind == "policy-changed" and e.pr == 3)
    retuned = next(e for e in timeline.events if e.pr == 4)
    assert added.verdict == "pass"
    assert "modified PERF-001" in policy.detail
    assert retuned.verdict == "fail"
    assert retuned.findings == ("PERF-001: credit@1.1.0: roc_auc 0.79 is below 0.8",)
    assert added.policy_digest != retuned.policy_digest


def test_since_and_model_filters(promoted: GitRepo) -> None:
    timeline = build_timeline(promoted.root, model="credit", since=dt.date(2026, 7, 10),
                              use_cache=False)
    assert {e.pr for e in timeline.events} == {12, 13}
    assert timeline.ever_in_production() == ["credit@1.0.0", "credit@1.1.0"]


def test_unparseable_commit_is_marked_and_the_rest_is_read(governed: GitRepo) -> None:
    text = (governed.root / "models.yaml").read_text()
    governed.write("models.yaml", text + "  broken: [\n")
    broken = governed.commit("Oops (#5)", date="2026-08-01T10:00:00+00:00")
    write_inventory(governed, VERSION_110.format(stage="development", auc=0.84))
    governed.commit("Fix and add 1.1.0 (#6)", date="2026-08-02T10:00:00+00:00")
    run = governed.charter("history", "--format", "json")
    assert run.code == 0, run.err
    document = json.loads(run.out)
    assert [u["commit"] for u in document["unreadable"]] == [broken]
    assert "models.yaml does not parse" in document["unreadable"][0]["reason"]
    assert [e["pr"] for e in events_of(document, "version-added")] == [None, 6]
    text_run = governed.charter("history")
    assert "Commits that could not be read:" in text_run.out
    assert broken[:10] in text_run.out


def test_unknown_ref_is_a_clear_error(governed: GitRepo) -> None:
    run = governed.charter("history", "--ref", "no-such-branch")
    assert run.code == 2
    assert run.err.strip() == "charter: error: git revision 'no-such-branch' does not exist"


def test_shallow_clone_without_the_history_asked_for(promoted: GitRepo, tmp_path) -> None:
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", "--depth", "1", promoted.root.as_uri(), str(clone)],
                   check=True)
    shallow = GitRepo(clone)
    run = shallow.charter("history", "--since", "2026-01-01")
    assert run.code == 2
    assert "is not in this clone: it is shallow and starts on 2026-07-20" in run.err
    run = shallow.charter("history")
    assert run.code == 0, run.err
    assert "shallow clone" in run.out
    assert "credit@1.1.0" in run.out


def test_cached_replay_gives_the_same_timeline(promoted: GitRepo) -> None:
    first = build_timeline(promoted.root)
    assert list((promoted.root / ".charter/cache/history").iterdir())
    second = build_timeline(promoted.root)
    assert first.as_dict() == second.as_dict()
    assert first.as_dict() == build_timeline(promoted.root, use_cache=False).as_dict()


def test_a_version_imported_already_retired_counts_as_ever_in_production(repo: GitRepo
                                                                         ) -> None:
    retired = BASIC_INVENTORY.replace(
        '      "1.0.0":\n        stage: production',
        '      "0.9.0":\n        stage: retired\n'
        '        deployments: [{target: scoring-api, since: 2023-01-01, until: 2024-01-01}]\n'
        '      "0.8.0":\n        stage: retired\n'
        '      "1.0.0":\n        stage: production')
    repo.write("models.yaml", retired)
    repo.write("policies/rules.yaml", BASIC_POLICIES)
    repo.commit("import the inventory")
    timeline = build_timeline(repo.root, use_cache=False)
    assert timeline.ever_in_production() == ["credit@0.9.0", "credit@1.0.0"]
    run = repo.charter("history", "--ever-in-production")
    assert run.code == 0, run.err
    assert "credit@0.9.0" in run.out
    assert "credit@0.9.0                     2023-01-01* → 2024-01-01*" in run.out
    assert "* from the deployments recorded in models.yaml" in run.out
    assert "credit@0.8.0" not in run.out


def test_a_record_that_stays_invalid_is_reported_once_per_commit(governed: GitRepo) -> None:
    """The invalid version is read again (unchanged) when a dataset it names changes: its
    schema problem is the commit's finding once, as a plain run of that commit gives it."""
    broken = BASIC_INVENTORY.replace("stage: production", "stage: prod")
    governed.write("models.yaml", broken)
    governed.commit("Break the stage (#2)")
    governed.write("models.yaml", broken.replace(
        '"2024-06": {path: data/loans.csv, created: 2024-06-30}}',
        '"2024-06": {path: data/loans-2024-06.csv, created: 2024-06-30}}'))
    governed.commit("Move the data (#3)")
    run = governed.charter("history", "--format", "json", "--no-cache")
    assert run.code == 0, run.err
    last = json.loads(run.out)["events"][-1]
    assert last["kind"] == "dataset-changed" and last["verdict"] == "fail"
    assert len(last["findings"]) == len(set(last["findings"])) == 1
    assert "'prod' is not one of" in last["findings"][0]


NO_NEW_MODEL = """\
  CHG-001:
    title: A change adds no model
    severity: error
    applies_to: change
    require: {field: change.models.added, count: {equals: 0}}
"""
SCORECARD = """\
  scorecard:
    title: Scorecard
    owner: risk-analytics
    risk_tier: low
    versions:
      "1.0.0": {stage: development, algorithm: LogisticRegression}
"""


def test_a_commit_that_also_changes_the_rules_is_judged_by_every_rule_in_force(
        governed: GitRepo) -> None:
    """The commit's own verdict (on its policy-changed event) reads every blocking finding,
    a change-level rule's included; an entity's event reads that entity's findings."""
    governed.write("policies/rules.yaml", BASIC_POLICIES + NO_NEW_MODEL)
    governed.commit("Forbid new models (#2)", date="2026-07-01T10:00:00+00:00")
    governed.write("models.yaml", BASIC_INVENTORY + SCORECARD)
    governed.write("policies/rules.yaml", BASIC_POLICIES.replace(
        "AUC of 0.75", "AUC of at least 0.75") + NO_NEW_MODEL)
    governed.commit("Add a scorecard and retitle a rule (#3)", date="2026-07-02T10:00:00+00:00")
    timeline = build_timeline(governed.root, use_cache=False)
    policy = next(e for e in timeline.events if e.pr == 3 and e.kind == "policy-changed")
    added = next(e for e in timeline.events if e.pr == 3 and e.kind == "model-added")
    assert policy.verdict == "fail"
    assert len(policy.findings) == 1
    assert policy.findings[0].startswith("CHG-001: change: A change adds no model")
    assert added.verdict == "pass" and added.findings == ()
