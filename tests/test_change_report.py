"""The change report read as an auditor would: which revision it describes, dated by that
revision's commit, and every change with its values, its author and its approvals."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pypdf import PdfReader

from conftest import BASIC_INVENTORY, TODAY, GitRepo
from report_helpers import pdf_text, squash

BASE_DATE = "2026-10-01T09:00:00+00:00"
HEAD_DATE = "2026-11-20T10:00:00+00:00"
LONG_PURPOSE = ("Price consumer loans by default risk across every European market, including "
                "the refinancing of existing loans and the top-up offers made to customers")
NEW_VERSION = """\
      "1.1.0":
        stage: production
        algorithm: GradientBoostingClassifier
        artifact: {path: models/credit-1.1.0.skops, sha256: "%s"}
        training_data: [loans@2024-06]
        evaluation:
          dataset: loans@2024-06
          target: defaulted
          metrics: {roc_auc: 0.84, log_loss: 0.40}
        validation: {by: vera, date: 2026-11-18, outcome: approved}
        deployments:
          - {target: scoring-api, since: 2026-11-19, traffic: 50}
        monitoring: {reference: loans@2024-06, current: loans@2024-06, every_days: 3650}
""" % ("b" * 64)


def report(repo: GitRepo, *args: str, env: dict[str, str] | None = None) -> str:
    run = repo.charter("check", "--today", TODAY, "--evidence", "none", "--reports", "out",
                       *args, env=env)
    assert run.code in (0, 1), run.err
    return pdf_text(repo.root / "out" / "change-report.pdf")


def created(repo: GitRepo) -> str:
    info = PdfReader(str(repo.root / "out" / "change-report.pdf")).metadata
    assert info is not None
    return str(info.get("/CreationDate"))


@pytest.fixture
def promoted(governed: GitRepo) -> GitRepo:
    """main holds credit@1.0.0 in production; branch `promote` adds 1.1.0 in production
    beside it, edits the model and the champion, in one commit by Ravi."""
    base = BASIC_INVENTORY.replace("metrics: {roc_auc: 0.81}",
                                   "metrics: {roc_auc: 0.81, log_loss: 0.45}")
    governed.write("models.yaml", base)
    governed.commit("champion with its log loss", date=BASE_DATE)
    governed.git("checkout", "-q", "-b", "promote")
    head = (base.replace("title: Credit default\n", "title: Credit default risk\n")
            .replace("purpose: Price loans by default risk", f"purpose: {LONG_PURPOSE}")
            .replace("every_days: 3650}", "every_days: 30}")) + NEW_VERSION
    governed.write("models.yaml", head)
    governed.commit("Promote credit 1.1.0 beside 1.0.0 (#42)", date=HEAD_DATE,
                    author="Ravi K <ravi@example.com>")
    return governed


def test_a_clean_working_tree_is_reported_as_its_head_commit(promoted: GitRepo) -> None:
    text = report(promoted)
    flat = squash(text)
    head = promoted.git("rev-parse", "HEAD")
    assert head in flat
    assert "uncommitted" not in text
    assert "2026-11-20T10:00:00+00:00" in text  # the head commit's date, not the clock's
    assert "D:20261120100000" in created(promoted)
    manifest = json.loads((promoted.root / "out" / "manifest.json").read_text())
    assert manifest["commit"] == head


def test_uncommitted_changes_are_stated_and_not_dated_by_the_clock(promoted: GitRepo) -> None:
    text = (promoted.root / "models.yaml").read_text()
    promoted.write("models.yaml", text.replace("traffic: 50", "traffic: 40"))
    text = report(promoted)
    flat = squash(text)
    head = promoted.git("rev-parse", "HEAD")
    assert squash("describes uncommitted changes") in flat
    assert squash("not reproducible") in flat
    assert head in flat  # the commit the changes sit on
    assert "as of 2026-11-20" in text and f"as of {TODAY}" not in text
    assert "D:20261120100000" in created(promoted)
    assert squash("dated by the commit date of HEAD") in flat


def test_every_changed_field_shows_its_value_before_and_after(promoted: GitRepo) -> None:
    flat = squash(report(promoted))
    for change in ("title Credit default → Credit default risk",
                   "monitoring.every_days 3650 → 30", "monitoring.every_days (absent) → 3650",
                   "stage (absent) → production",
                   "evaluation.metrics.roc_auc (absent) → 0.84",
                   "deployments[0].traffic (absent) → 50"):
        assert squash(change) in flat, change
    # a long value is shortened, not dropped, and says how long it was
    assert squash("Price loans by default risk → Price consumer loans by default risk") in flat
    assert squash("(150 characters)") in flat
    assert squash(LONG_PURPOSE) not in flat


def test_the_change_names_its_author_commit_and_pull_request(promoted: GitRepo) -> None:
    flat = squash(report(promoted))
    for fact in ("Ravi K <ravi@example.com>", "Promote credit 1.1.0 beside 1.0.0 (#42)",
                 "Pull request #42"):
        assert squash(fact) in flat, fact


def test_the_pull_request_comes_from_the_github_event_when_present(promoted: GitRepo,
                                                                     tmp_path: Path) -> None:
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"pull_request": {
        "number": 7, "title": "Credit 1.1.0 to production", "user": {"login": "ravi"}}}))
    flat = squash(report(promoted, env={"GITHUB_EVENT_PATH": str(event)}))
    assert squash("Pull request #7: Credit 1.1.0 to production (opened by ravi)") in flat


def test_approvals_champion_delta_and_traffic(promoted: GitRepo) -> None:
    flat = squash(report(promoted))
    assert squash("vera approved on 2026-11-18") in flat
    assert squash("not checked against the pull request's reviews") in flat
    # the champion is the version in production on the base: 1.0.0
    assert squash("roc_auc higher is better 0.8100 0.8400 +0.0300 better") in flat
    assert squash("log_loss lower is better 0.4500 0.4000 −0.0500 better") in flat
    assert squash("scoring-api 100% 150% above 100%") in flat
    assert squash("the shares open on 2026-11-27 add up to more than all the traffic of "
                  "scoring-api") in flat


def test_a_claim_backed_by_a_review_says_so(promoted: GitRepo, tmp_path: Path) -> None:
    head = promoted.git("rev-parse", "HEAD")
    reviews = tmp_path / "reviews.json"
    reviews.write_text(json.dumps({
        "pull_request": {"user": {"login": "ravi"}, "head": {"sha": head}},
        "reviews": [{"user": {"login": "vera"}, "state": "APPROVED", "commit_id": head}]}))
    flat = squash(report(promoted, "--reviews", str(reviews)))
    assert squash("vera approved on 2026-11-18 backed by the pull request's reviews") in flat


def test_without_any_commit_the_report_says_where_its_date_comes_from(repo: GitRepo) -> None:
    repo.write("models.yaml", BASIC_INVENTORY)
    text = squash(report(repo))
    assert squash("describes uncommitted changes and is not reproducible") in text
    assert squash("dated by the evaluation date (given with --today, else the clock's): "
                  "there is no commit to date it by") in text


def test_an_empty_base_lists_the_new_entities_not_every_field(governed: GitRepo) -> None:
    flat = squash(report(governed, "--base", "none"))
    assert squash("version credit@1.0.0 added") in flat
    assert squash("fields, all new") in flat
    assert squash("deployments[0].traffic") not in flat


def test_a_claim_no_review_backs_says_why(promoted: GitRepo, tmp_path: Path) -> None:
    head = promoted.git("rev-parse", "HEAD")
    reviews = tmp_path / "reviews.json"
    reviews.write_text(json.dumps({
        "pull_request": {"user": {"login": "ravi"}, "head": {"sha": head}}, "reviews": []}))
    flat = squash(report(promoted, "--reviews", str(reviews)))
    assert squash("not backed by the pull request's reviews:") in flat
    assert squash("vera has not approved this pull request") in flat


def test_the_report_of_a_clean_tree_is_reproducible(promoted: GitRepo) -> None:
    for folder in ("one", "two"):
        run = promoted.charter("check", "--today", TODAY, "--evidence", "none", "--reports",
                               folder)
        assert run.code in (0, 1), run.err
    one, two = (promoted.root / f / "change-report.pdf" for f in ("one", "two"))
    assert one.read_bytes() == two.read_bytes()


def test_an_approvals_entry_shows_whether_a_review_backs_it(promoted: GitRepo,
                                                            tmp_path: Path) -> None:
    text = (promoted.root / "models.yaml").read_text()
    promoted.write("models.yaml", text.replace(
        '      "1.1.0":\n', '      "1.1.0":\n        approvals: [{by: victor, date: 2026-11-19, '
        'role: risk officer}]\n'))
    head = promoted.commit("victor signs off 1.1.0", date=HEAD_DATE)
    reviews = tmp_path / "reviews.json"
    reviews.write_text(json.dumps({
        "pull_request": {"user": {"login": "ravi"}, "head": {"sha": head}},
        "reviews": [{"user": {"login": "vera"}, "state": "APPROVED", "commit_id": head}]}))
    flat = squash(report(promoted, "--reviews", str(reviews)))
    assert squash("victor signed off as risk officer on 2026-11-19 not backed by the pull "
                  "request's reviews: credit@1.1.0: approvals[0].by victor is not backed") in flat
    assert squash("vera approved on 2026-11-18 backed by the pull request's reviews") in flat
