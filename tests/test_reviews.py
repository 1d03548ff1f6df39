"""Approvals from real reviews, served by a local HTTP server playing GitHub's REST API."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from conftest import BASIC_INVENTORY, GitRepo, Run
from scenarios import check

REVIEWS = "/repos/acme/models/pulls/7/reviews?per_page=100"
OLD_COMMIT = "0b1c2d3e4f" * 4


@dataclass
class FakeGitHub:
    """Recorded API answers by path; every request is remembered with its headers."""

    url: str = ""
    routes: dict[str, tuple[int, Any, dict[str, str]]] = field(default_factory=dict)
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)


@pytest.fixture
def github() -> Iterator[FakeGitHub]:
    fake = FakeGitHub()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            fake.requests.append((self.path, dict(self.headers.items())))
            status, body, headers = fake.routes.get(self.path, (404, {"message": "Not Found"},
                                                                {}))
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield fake
    server.shutdown()
    server.server_close()
    thread.join()


def review(login: str, state: str, commit: str, number: int) -> dict[str, Any]:
    """A review as GitHub's REST API returns it."""
    return {"id": 1000 + number, "node_id": f"PRR_{number}",
            "user": {"login": login, "id": number, "type": "User"}, "body": "",
            "state": state, "html_url": f"https://github.com/acme/models/pull/7#r{number}",
            "pull_request_url": "https://api.github.com/repos/acme/models/pulls/7",
            "author_association": "MEMBER", "submitted_at": f"2026-11-2{number}T10:00:00Z",
            "commit_id": commit}


def serve_reviews(github: FakeGitHub, page_one: list[Any], page_two: list[Any]) -> None:
    """Two pages, linked the way GitHub links them."""
    second = f"{REVIEWS}&page=2"
    link = f'<{github.url}{second}>; rel="next", <{github.url}{second}>; rel="last"'
    github.routes[REVIEWS] = (200, page_one, {"Link": link})
    github.routes[second] = (200, page_two, {"Link": f'<{github.url}{REVIEWS}&page=1>; '
                                                     'rel="prev"'})


@pytest.fixture
def claim(repo: GitRepo) -> GitRepo:
    """main: ravi is both a data scientist of the owning team and a validator."""
    repo.write("models.yaml", BASIC_INVENTORY.replace("members: [vera, victor]",
                                                      "members: [vera, victor, ravi]"))
    repo.write("policies/rules.yaml", "charter: 1\nrules: {}\n")
    repo.commit("inventory")
    repo.git("checkout", "-q", "-b", "feature")
    return repo


def propose(repo: GitRepo, validator: str) -> tuple[str, int, int]:
    """Add credit@1.1.0 validated by `validator`; return the head and the claim's line, col."""
    text = (repo.root / "models.yaml").read_text()
    repo.write("models.yaml", text + f"""\
      "1.1.0":
        stage: development
        training_data: [loans@2024-06]
        evaluation: {{dataset: loans@2024-06, target: defaulted, metrics: {{roc_auc: 0.84}}}}
        validation: {{by: {validator}, date: 2026-11-20, outcome: approved}}
""")
    head = repo.commit("credit 1.1.0")
    lines = (repo.root / "models.yaml").read_text().splitlines()
    line = len(lines)
    return head, line, lines[-1].index("by:") + 1


def event(tmp_path: Path, head: str, author: str = "dana") -> dict[str, str]:
    path = tmp_path / "event.json"
    path.write_text(json.dumps({"action": "submitted", "number": 7, "pull_request": {
        "number": 7, "user": {"login": author}, "head": {"sha": head},
        "base": {"sha": "main"}}, "repository": {"full_name": "acme/models"}}))
    return {"GITHUB_EVENT_PATH": str(path), "GITHUB_REPOSITORY": "acme/models",
            "GITHUB_TOKEN": "test-token", "GITHUB_SHA": "f" * 40}


def gate(repo: GitRepo, github: FakeGitHub, env: dict[str, str], *args: str) -> Run:
    return check(repo, "--base", "main", "--reviews-from", "github", *args,
                 env={**env, "GITHUB_API_URL": github.url})


def test_approval_by_a_validator_at_the_head_passes(claim: GitRepo, github: FakeGitHub,
                                                    tmp_path: Path) -> None:
    head, _, _ = propose(claim, "vera")
    serve_reviews(github, [review("victor", "COMMENTED", head, 1),
                           review("VERA", "CHANGES_REQUESTED", OLD_COMMIT, 2)],
                  [review("vera", "APPROVED", head, 3)])
    run = gate(claim, github, event(tmp_path, head))
    assert run.code == 0, run.out + run.err
    assert "CHARTER-R001" not in run.out
    assert [path for path, _ in github.requests] == [REVIEWS, f"{REVIEWS}&page=2"]
    headers = github.requests[0][1]
    assert headers["Authorization"] == "Bearer test-token"
    assert headers["Accept"] == "application/vnd.github+json"


def test_approval_by_the_authors_teammate_fails_at_the_claim(claim: GitRepo,
                                                              github: FakeGitHub,
                                                              tmp_path: Path) -> None:
    head, line, column = propose(claim, "ravi")
    serve_reviews(github, [review("ravi", "APPROVED", head, 1)], [])
    run = gate(claim, github, event(tmp_path, head))
    assert run.code == 1, run.out + run.err
    assert (f"CHARTER-R001 models.yaml:{line}:{column}  credit@1.1.0: validation.by ravi is not "
            "backed by the pull request's reviews: ravi is a member of risk-analytics, the "
            "team that owns the model") in run.out
    assert run.out.count("CHARTER-R001") == 1  # credit@1.0.0's claim is not part of the change


def test_approval_of_an_older_commit_fails(claim: GitRepo, github: FakeGitHub,
                                           tmp_path: Path) -> None:
    head, _, _ = propose(claim, "vera")
    serve_reviews(github, [review("vera", "APPROVED", OLD_COMMIT, 1)], [])
    run = gate(claim, github, event(tmp_path, head))
    assert run.code == 1
    assert (f"vera approved commit {OLD_COMMIT[:10]}, not the head {head[:10]}: approve the "
            "latest commit") in run.out
    pinned = gate(claim, github, event(tmp_path, head), "--pr-head", OLD_COMMIT)
    assert pinned.code == 0, pinned.out


def test_a_later_change_request_withdraws_the_approval(claim: GitRepo, github: FakeGitHub,
                                                       tmp_path: Path) -> None:
    head, _, _ = propose(claim, "vera")
    serve_reviews(github, [review("vera", "APPROVED", head, 1),
                           review("vera", "COMMENTED", head, 2)],
                  [review("vera", "CHANGES_REQUESTED", head, 3)])
    run = gate(claim, github, event(tmp_path, head))
    assert run.code == 1
    assert "vera's latest review is changes requested, not an approval" in run.out


def test_the_author_cannot_back_their_own_claim(claim: GitRepo, github: FakeGitHub,
                                                tmp_path: Path) -> None:
    head, _, _ = propose(claim, "vera")
    serve_reviews(github, [review("vera", "APPROVED", head, 1)], [])
    run = gate(claim, github, event(tmp_path, head, author="vera"))
    assert run.code == 1
    assert "vera opened this pull request and cannot validate it" in run.out


def test_api_error_exits_2_with_the_reason(claim: GitRepo, github: FakeGitHub,
                                          tmp_path: Path) -> None:
    head, _, _ = propose(claim, "vera")
    github.routes[REVIEWS] = (401, {"message": "Bad credentials",
                                    "documentation_url": "https://docs.github.com/rest"}, {})
    run = gate(claim, github, event(tmp_path, head))
    assert run.code == 2
    assert (f"charter: error: GitHub API {REVIEWS} answered 401 Unauthorized: Bad credentials "
            "(the token is missing, expired or wrong)") in run.err
    assert "Traceback" not in run.err


def test_the_token_never_follows_a_link_to_another_host(claim: GitRepo, github: FakeGitHub,
                                                       tmp_path: Path) -> None:
    head, _, _ = propose(claim, "vera")
    github.routes[REVIEWS] = (200, [], {"Link": '<https://elsewhere.example/steal?page=2>; '
                                                'rel="next"'})
    run = gate(claim, github, event(tmp_path, head))
    assert run.code == 2
    assert ("GitHub API pointed to another host (elsewhere.example); refusing to send the "
            "token there") in run.err


def test_unreachable_api_and_missing_token_exit_2(claim: GitRepo, tmp_path: Path) -> None:
    head, _, _ = propose(claim, "vera")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{sock.getsockname()[1]}"
    env = event(tmp_path, head)
    run = check(claim, "--base", "main", "--reviews-from", "github", "--github-api", closed,
                env=env)
    assert run.code == 2
    assert f"cannot reach the GitHub API at {closed}:" in run.err
    no_token = check(claim, "--base", "main", "--reviews-from", "github", "--github-api",
                     closed, env={**env, "GITHUB_TOKEN": ""})
    assert no_token.code == 2
    assert "GITHUB_TOKEN is not set" in no_token.err
    cleartext = check(claim, "--base", "main", "--reviews-from", "github", "--github-api",
                      "http://api.example.com", env=env)
    assert cleartext.code == 2 and "must use https" in cleartext.err


def test_reviews_from_a_file_for_other_ci_systems(claim: GitRepo, tmp_path: Path) -> None:
    head, _, _ = propose(claim, "vera")
    reviews = tmp_path / "reviews.json"
    reviews.write_text(json.dumps({"pull_request": {"user": {"login": "dana"},
                                                    "head": {"sha": head}},
                                   "reviews": [review("vera", "APPROVED", head, 1)]}))
    run = check(claim, "--base", "main", "--reviews", str(reviews))
    assert run.code == 0, run.out + run.err
    reviews.write_text(json.dumps([review("vera", "APPROVED", head, 1)]))
    no_head = check(claim, "--base", "main", "--reviews", str(reviews))
    assert no_head.code == 2
    assert "the pull request's head commit is unknown" in no_head.err
    no_author = check(claim, "--base", "main", "--reviews", str(reviews), "--pr-head", head)
    assert no_author.code == 2
    assert "the pull request's author is unknown" in no_author.err
    named = check(claim, "--base", "main", "--reviews", str(reviews), "--pr-head", head,
                  env={"GITHUB_EVENT_PATH": event(tmp_path, head, "victor")["GITHUB_EVENT_PATH"]})
    assert named.code == 0, named.out + named.err


def test_the_rule_explains_itself(claim: GitRepo) -> None:
    run = claim.charter("explain", "CHARTER-R001")
    assert run.code == 0
    assert run.out.startswith("CHARTER-R001: Validation claim not backed by an approving "
                              "review\n\nSeverity: error")
    assert "approved the pull request at its head commit" in run.out


def reviews_file(tmp_path: Path, head: str, *reviews: dict[str, Any]) -> str:
    path = tmp_path / "reviews.json"
    path.write_text(json.dumps({"pull_request": {"user": {"login": "dana"},
                                                 "head": {"sha": head}},
                                "reviews": list(reviews)}))
    return str(path)


def test_retiring_a_version_needs_no_review_from_its_validator(claim: GitRepo,
                                                               tmp_path: Path) -> None:
    text = (claim.root / "models.yaml").read_text()
    claim.write("models.yaml", text.replace("stage: production", "stage: retired"))
    head = claim.commit("retire credit 1.0.0")
    run = check(claim, "--base", "main", "--reviews", reviews_file(tmp_path, head))
    assert run.code == 0, run.out + run.err
    assert "CHARTER-R001" not in run.out


def test_changing_a_recorded_validation_still_needs_the_validators_review(
        claim: GitRepo, tmp_path: Path) -> None:
    text = (claim.root / "models.yaml").read_text()
    claim.write("models.yaml", text.replace("date: 2026-06-01", "date: 2026-05-30"))
    head = claim.commit("move the validation date")
    run = check(claim, "--base", "main", "--reviews", reviews_file(tmp_path, head))
    assert run.code == 1, run.out + run.err
    assert ("credit@1.0.0: validation.by vera is not backed by the pull request's reviews: "
            "vera has not approved this pull request") in run.out
    backed = check(claim, "--base", "main", "--reviews",
                   reviews_file(tmp_path, head, review("vera", "APPROVED", head, 1)))
    assert backed.code == 0, backed.out + backed.err


def test_a_claim_by_the_versions_author_is_not_backed(claim: GitRepo, tmp_path: Path) -> None:
    head, _, _ = propose(claim, "victor")
    text = (claim.root / "models.yaml").read_text()
    claim.write("models.yaml", text.replace('"1.1.0":\n', '"1.1.0":\n        author: victor\n'))
    head = claim.commit("victor wrote it")
    run = check(claim, "--base", "main", "--reviews",
                reviews_file(tmp_path, head, review("victor", "APPROVED", head, 1)))
    assert run.code == 1, run.out + run.err
    assert "victor is the author of credit@1.1.0" in run.out


def test_a_validator_who_left_cannot_back_a_new_claim(claim: GitRepo, tmp_path: Path) -> None:
    text = (claim.root / "models.yaml").read_text()
    claim.write("models.yaml", text.replace(
        "members: [vera, victor, ravi]",
        "members: [victor, ravi, {id: vera, since: 2024-01-01, until: 2026-11-25}]"))
    claim.commit("vera left model-risk")
    claim.git("checkout", "-q", "main")
    claim.git("merge", "-q", "--ff-only", "feature")
    claim.git("checkout", "-q", "feature")
    head, _, _ = propose(claim, "vera")
    run = check(claim, "--base", "main", "--reviews",
                reviews_file(tmp_path, head, review("vera", "APPROVED", head, 1)))
    assert run.code == 1, run.out + run.err
    assert "vera is not in a validating team on the base revision (as of 2026-11-27)" in run.out


def lower_tier_with_approval(repo: GitRepo, by: str) -> tuple[str, int, int]:
    """Lower credit's risk tier with an `approvals` entry by `by`; return the head and the
    entry's `by` line and column."""
    text = (repo.root / "models.yaml").read_text()
    repo.write("models.yaml", text.replace(
        "    risk_tier: high\n",
        f"    risk_tier: low\n    approvals:\n      - {{by: {by}, date: 2026-11-20}}\n"))
    head = repo.commit("credit is low risk")
    lines = (repo.root / "models.yaml").read_text().splitlines()
    line = next(i for i, text in enumerate(lines, 1) if "- {by:" in text)
    return head, line, lines[line - 1].index("by:") + 1


def test_a_written_approval_is_a_claim_until_the_approver_reviews(claim: GitRepo,
                                                                 tmp_path: Path) -> None:
    head, line, column = lower_tier_with_approval(claim, "vera")
    trusted = check(claim, "--base", "main")
    assert trusted.code == 0, trusted.out + trusted.err  # the claim alone clears CHARTER-C001
    run = check(claim, "--base", "main", "--reviews", reviews_file(tmp_path, head))
    assert run.code == 1, run.out + run.err
    assert (f"CHARTER-R002 models.yaml:{line}:{column}  credit: approvals[0].by vera is not "
            "backed by the pull request's reviews: vera has not approved this pull request"
            ) in run.out
    backed = check(claim, "--base", "main", "--reviews",
                   reviews_file(tmp_path, head, review("vera", "APPROVED", head, 1)))
    assert backed.code == 0, backed.out + backed.err
    stale = check(claim, "--base", "main", "--reviews",
                  reviews_file(tmp_path, head, review("vera", "APPROVED", OLD_COMMIT, 1)))
    assert stale.code == 1 and "vera approved commit" in stale.out


def test_the_author_cannot_approve_their_own_change(claim: GitRepo, tmp_path: Path) -> None:
    head, _, _ = lower_tier_with_approval(claim, "dana")
    run = check(claim, "--base", "main", "--reviews", reviews_file(
        tmp_path, head, review("dana", "APPROVED", head, 1)))
    assert run.code == 1, run.out + run.err
    assert "dana opened this pull request and cannot approve it" in run.out


def test_approvals_already_on_the_base_are_not_asked_again(claim: GitRepo,
                                                          tmp_path: Path) -> None:
    text = (claim.root / "models.yaml").read_text()
    claim.write("models.yaml", text.replace(
        "    risk_tier: high\n", "    risk_tier: high\n    approvals:\n"
        "      - {by: vera, date: 2026-01-05, role: validator}\n"))
    claim.commit("approved in January")
    claim.git("checkout", "-q", "main")
    claim.git("merge", "-q", "--ff-only", "feature")
    claim.git("checkout", "-q", "feature")
    text = (claim.root / "models.yaml").read_text()
    claim.write("models.yaml", text.replace("purpose: Price loans by default risk",
                                            "purpose: Price consumer loans by default risk")
                .replace("role: validator}\n",
                         "role: validator}\n      - {by: victor, date: 2026-11-21}\n"))
    head = claim.commit("a clearer purpose, and victor's sign-off")
    run = check(claim, "--base", "main", "--reviews", reviews_file(tmp_path, head))
    assert run.code == 1, run.out + run.err
    assert "approvals[1].by victor is not backed" in run.out
    assert "approvals[0]" not in run.out  # vera's entry is the base's, unchanged
    altered = text.replace("date: 2026-01-05", "date: 2026-11-22")
    claim.write("models.yaml", altered)
    head = claim.commit("vera's sign-off moved to a later date")
    moved = check(claim, "--base", "main", "--reviews", reviews_file(tmp_path, head))
    assert moved.code == 1 and "approvals[0].by vera is not backed" in moved.out


def test_a_datasets_shared_approval_is_asked_once(claim: GitRepo, tmp_path: Path) -> None:
    text = (claim.root / "models.yaml").read_text()
    claim.write("models.yaml", text.replace(
        "    contains_pii: false\n",
        "    contains_pii: false\n    approvals: [{by: victor, date: 2026-11-20}]\n"))
    head = claim.commit("loans signed off")
    run = check(claim, "--base", "main", "--reviews", reviews_file(tmp_path, head))
    assert run.code == 1, run.out + run.err
    line = next(i for i, text in enumerate((claim.root / "models.yaml").read_text()
                                            .splitlines(), 1) if "approvals:" in text)
    assert run.out.count("CHARTER-R002") == 1  # two versions read it; one entry is written
    assert f"CHARTER-R002 models.yaml:{line}:" in run.out
    assert "loans: approvals[0].by victor is not backed" in run.out


WAIVER = """\
waivers:
  - id: W-1
    rule: PERF-001
    target: credit@*
    justification: A challenger is being validated this quarter.
    approved_by: victor
    expires: 2027-01-31
"""


def test_a_waiver_written_in_the_change_needs_its_approvers_review(claim: GitRepo,
                                                                  tmp_path: Path) -> None:
    claim.write("policies/waivers.yaml", "charter: 1\n" + WAIVER)
    head = claim.commit("waive PERF-001 for credit")
    run = check(claim, "--base", "main", "--reviews", reviews_file(tmp_path, head))
    assert run.code == 1, run.out + run.err
    assert ("CHARTER-R002 policies/waivers.yaml:3:1  waiver W-1: approved_by victor is not "
            "backed by the pull request's reviews: victor has not approved this pull request"
            ) in run.out
    document = json.loads(check(claim, "--base", "main", "--reviews",
                                reviews_file(tmp_path, head), "--format", "json").out)
    [waiver] = [f for f in document["findings"] if f["rule"] == "CHARTER-R002"]
    # the line ends come from the head's policies/, where the waiver is written
    assert (waiver["end_line"], waiver["end_column"]) == (3, len("  - id: W-1") + 1)
    backed = check(claim, "--base", "main", "--reviews",
                   reviews_file(tmp_path, head, review("victor", "APPROVED", head, 1)))
    assert backed.code == 0, backed.out + backed.err
    claim.git("checkout", "-q", "main")
    claim.git("merge", "-q", "--ff-only", "feature")
    claim.git("checkout", "-q", "feature")
    claim.write("policies/waivers.yaml", "charter: 1\n# reviewed\n" + WAIVER)
    head = claim.commit("a comment above the waiver")
    moved = check(claim, "--base", "main", "--reviews", reviews_file(tmp_path, head))
    assert moved.code == 0, moved.out + moved.err  # the same waiver, on another line
    claim.write("policies/waivers.yaml", "charter: 1\n" + WAIVER.replace("2027-01-31",
                                                                         "2027-12-31"))
    head = claim.commit("a longer waiver")
    extended = check(claim, "--base", "main", "--reviews", reviews_file(tmp_path, head))
    assert extended.code == 1 and "waiver W-1: approved_by victor is not backed" in extended.out


def test_the_approval_rule_explains_itself(claim: GitRepo) -> None:
    run = claim.charter("explain", "CHARTER-R002")
    assert run.code == 0
    assert "Approval not backed by an approving review" in run.out


def test_an_approval_in_a_models_own_file_is_found_there(repo: GitRepo, tmp_path: Path) -> None:
    from scenarios import split_inventory, write_files

    inventory = BASIC_INVENTORY.replace("members: [vera, victor]",
                                        "members: [vera, victor, ravi]")
    write_files(repo, split_inventory(inventory, models=["credit"], datasets=[]))
    repo.write("policies/rules.yaml", "charter: 1\nrules: {}\n")
    repo.commit("split inventory")
    repo.git("checkout", "-q", "-b", "feature")
    text = (repo.root / "models/credit.yaml").read_text()
    repo.write("models/credit.yaml", text.replace(
        "risk_tier: high\n", "risk_tier: low\napprovals:\n- {by: vera, date: 2026-11-20}\n"))
    head = repo.commit("credit is low risk")
    run = check(repo, "--base", "main", "--reviews", reviews_file(tmp_path, head))
    assert run.code == 1, run.out + run.err
    line = next(i for i, row in enumerate((repo.root / "models/credit.yaml").read_text()
                                          .splitlines(), 1) if "{by: vera" in row)
    assert f"CHARTER-R002 models/credit.yaml:{line}:" in run.out


def test_a_validation_kept_while_what_it_validated_changes_needs_the_validators_review(
        claim: GitRepo, tmp_path: Path) -> None:
    """vera validated credit@1.1.0 as it was on main; the change swaps its artifact, its
    metrics or its data and keeps her sign-off: the sign-off now covers what she never saw."""
    claim.git("checkout", "-q", "main")
    propose(claim, "vera")
    claim.git("checkout", "-q", "feature")
    claim.git("merge", "-q", "--ff-only", "main")
    validated = (claim.root / "models.yaml").read_text()
    edits = {
        "the metrics": ("roc_auc: 0.84}}\n        validation",
                        "roc_auc: 0.91}}\n        validation"),
        "the evaluation data": ("evaluation: {dataset: loans@2024-06, target: defaulted, "
                                "metrics: {roc_auc: 0.84}}",
                                "evaluation: {dataset: loans@2024-09, target: defaulted, "
                                "metrics: {roc_auc: 0.84}}"),
        "the training data": ("stage: development\n        training_data: [loans@2024-06]",
                              "stage: development\n        training_data: [loans@2024-09]"),
        "the artifact": ("stage: development\n",
                         "stage: development\n        artifact: {path: models/new.skops}\n"),
        "the data behind its dataset version": ("{path: data/loans.csv, created: 2024-06-30}",
                                                "{path: data/loans-v2.csv, created: 2024-06-30}"),
    }
    for what, (old, new) in edits.items():
        assert validated.count(old) == 1, what
        claim.write("models.yaml", validated.replace(old, new))
        head = claim.commit(f"change {what}")
        run = check(claim, "--base", "main", "--reviews", reviews_file(tmp_path, head))
        assert run.code == 1, what + run.out + run.err
        assert ("credit@1.1.0: validation.by vera is not backed by the pull request's reviews: "
                "vera has not approved this pull request") in run.out, what
        backed = check(claim, "--base", "main", "--reviews",
                       reviews_file(tmp_path, head, review("vera", "APPROVED", head, 1)))
        assert "CHARTER-R001" not in backed.out, what + backed.out  # (LC-005 may remain)
    claim.write("models.yaml", validated.replace("title: Credit default\n",
                                                 "title: Credit default risk\n"))
    head = claim.commit("a model-level edit leaves the version's validation as it was")
    run = check(claim, "--base", "main", "--reviews", reviews_file(tmp_path, head))
    assert run.code == 0, run.out + run.err


def test_a_validator_who_wrote_commits_of_the_change_cannot_sign_it(claim: GitRepo,
                                                                    tmp_path: Path) -> None:
    """vera pushes a commit to the pull request (or is its co-author) and then approves it:
    GitHub only stops the pull request's author from approving."""
    head, _, _ = propose(claim, "vera")
    text = (claim.root / "models.yaml").read_text()
    claim.write("models.yaml", text.replace("roc_auc: 0.84", "roc_auc: 0.86"))
    head = claim.commit("a better AUC", author="Vera Validator <vera@example.com>")
    run = check(claim, "--base", "main", "--reviews",
                reviews_file(tmp_path, head, review("vera", "APPROVED", head, 1)))
    assert run.code == 1, run.out + run.err
    # the AUC she declared is part of what the version is: she is one of its authors too
    assert ("credit@1.1.0: validation.by vera is not backed by the pull request's reviews: "
            "vera is the author of credit@1.1.0; "
            "vera wrote commits of this pull request (as Vera Validator <vera@example.com>) "
            "and cannot sign it") in run.out
    claim.git("reset", "-q", "--hard", "HEAD~1")  # the same edit, co-written instead
    claim.write("models.yaml", text.replace("roc_auc: 0.84", "roc_auc: 0.85"))
    head = claim.commit("an AUC\n\nCo-authored-by: V. <v.validator@bank.example>")
    mapped = (claim.root / "models.yaml").read_text().replace(
        "members: [vera, victor, ravi]",
        "members: [{id: vera, emails: [v.validator@bank.example]}, victor, ravi]")
    claim.write("models.yaml", mapped)
    head = claim.commit("vera's address")
    run = check(claim, "--base", "main", "--reviews",
                reviews_file(tmp_path, head, review("vera", "APPROVED", head, 1)))
    assert run.code == 1, run.out + run.err
    assert "vera wrote commits of this pull request (as V. <v.validator@bank.example>)" in run.out
    victor = check(claim, "--base", "main", "--reviews",
                   reviews_file(tmp_path, head, review("victor", "APPROVED", head, 1)))
    assert "victor wrote commits" not in victor.out


def test_a_waivers_approver_who_wrote_commits_of_the_change_cannot_approve_it(
        claim: GitRepo, tmp_path: Path) -> None:
    """victor co-writes the pull request that adds his waiver, then approves it on GitHub."""
    claim.write("policies/waivers.yaml", "charter: 1\n" + WAIVER)
    head = claim.commit("waive PERF-001 for credit\n\nCo-authored-by: Vera <vera@example.com>")
    approved = reviews_file(tmp_path, head, review("victor", "APPROVED", head, 1))
    other = check(claim, "--base", "main", "--reviews", approved)
    assert other.code == 0, other.out + other.err  # a co-author who is not the approver
    claim.write("policies/waivers.yaml", "charter: 1\n# co-written\n" + WAIVER)
    head = claim.commit("a note\n\nCo-authored-by: Victor V. <victor@example.com>")
    run = check(claim, "--base", "main", "--reviews",
                reviews_file(tmp_path, head, review("victor", "APPROVED", head, 1)))
    assert run.code == 1, run.out + run.err
    assert ("CHARTER-R002 policies/waivers.yaml:4:1  waiver W-1: approved_by victor is not "
            "backed by the pull request's reviews: victor wrote commits of this pull request "
            "(as Victor V. <victor@example.com>) and cannot sign it") in run.out
    claim.git("reset", "-q", "--hard", "HEAD~1")  # the same note, pushed by victor himself
    claim.write("policies/waivers.yaml", "charter: 1\n# co-written\n" + WAIVER)
    head = claim.commit("a note", author="Victor V. <victor@example.com>")
    pushed = check(claim, "--base", "main", "--reviews",
                   reviews_file(tmp_path, head, review("victor", "APPROVED", head, 1)))
    assert pushed.code == 1, pushed.out + pushed.err
    assert "victor wrote commits of this pull request" in pushed.out


def test_a_teams_approval_is_a_claim_until_the_approver_reviews(claim: GitRepo,
                                                                tmp_path: Path) -> None:
    """A team's `approvals` entry clears CHARTER-C003 (a member's past deleted): like every
    other `approvals` entry, it counts only with that person's review of the head."""
    text = (claim.root / "models.yaml").read_text()
    claim.write("models.yaml", text.replace(
        "  risk-analytics: {members: [dana, ravi]}\n",
        "  risk-analytics:\n    members: [ravi]\n    approvals: [{by: vera, date: 2026-11-25}]\n"))
    head = claim.commit("dana was never in risk-analytics")
    assert check(claim, "--base", "main").code == 0  # the claim alone clears CHARTER-C003
    run = check(claim, "--base", "main", "--reviews", reviews_file(tmp_path, head))
    assert run.code == 1, run.out + run.err
    assert ("CHARTER-R002 models.yaml:5:18  teams.risk-analytics: approvals[0].by vera is not "
            "backed by the pull request's reviews: vera has not approved this pull request"
            ) in run.out
    backed = check(claim, "--base", "main", "--reviews",
                   reviews_file(tmp_path, head, review("vera", "APPROVED", head, 1)))
    assert backed.code == 0, backed.out + backed.err
