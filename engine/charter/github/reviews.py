"""A pull request's reviews, and why a sign-off is or is not backed by them.

A validation claim the change adds or modifies is backed when that login approved the pull
request at its head commit, belongs to a validating team today (on the trusted revision), and
is neither the pull request's author, nor the version's author, nor a member of the team that
owns the model (today or on the validation date, on either revision); any other sign-off
(an `approvals` entry, a waiver's `approved_by`) when that login, not the pull request's
author, approved the head commit. `charter.github.claims` finds the sign-offs a change writes.
Reviews come from GitHub's REST API (`--reviews-from github`) or from a file in the same JSON
shape (`--reviews FILE`), for other CI systems.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from charter.errors import CharterError
from charter.github.actions import load_event, pull_request_of
from charter.github.jsonfile import read_json

GITHUB = "github"
_DECISIVE = {"APPROVED", "CHANGES_REQUESTED", "DISMISSED"}
_REPOSITORY = re.compile(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+")


@dataclass(frozen=True)
class ReviewOptions:
    source: str  # "github", or the path of a JSON file
    pull_request: int | None = None
    repository: str | None = None
    head_sha: str | None = None
    api_url: str | None = None


@dataclass(frozen=True)
class Review:
    login: str
    state: str  # APPROVED | CHANGES_REQUESTED | COMMENTED | DISMISSED | PENDING
    commit_id: str


@dataclass(frozen=True)
class PullRequest:
    author: str
    head_sha: str
    reviews: tuple[Review, ...]

    def decision(self, login: str) -> Review | None:
        """The reviewer's standing decision: their latest approval, change request or dismissal."""
        mine = [r for r in self.reviews if _same(r.login, login) and r.state in _DECISIVE]
        return mine[-1] if mine else None


def _same(a: str, b: str) -> bool:
    return a.casefold() == b.casefold()  # GitHub logins are case-insensitive


def load_pull_request(options: ReviewOptions, env: Mapping[str, str],
                      root: Path) -> PullRequest:
    event = load_event(env)
    pull = pull_request_of(event)
    head = options.head_sha or _text(_get(pull, "head", "sha"))
    author = _text(_get(pull, "user", "login"))
    if options.source == GITHUB:
        raw_reviews, pr = _fetch(options, env, event, need_pr=not (head and author))
    else:
        raw_reviews, pr = _read_file(root, options.source)
    head = head or _text(_get(pr, "head", "sha"))
    author = author or _text(_get(pr, "user", "login"))
    if not head:
        raise CharterError.at("the pull request's head commit is unknown: run on a "
                              "pull_request event or pass --pr-head SHA")
    if not author:
        raise CharterError.at("the pull request's author is unknown: run on a pull_request "
                              "event, or give `pull_request.user.login` in the reviews file")
    return PullRequest(author, head, tuple(_reviews(raw_reviews, options.source)))


def _fetch(options: ReviewOptions, env: Mapping[str, str], event: Mapping[str, Any],
           need_pr: bool) -> tuple[Any, Mapping[str, Any]]:
    from charter.github.api import DEFAULT_API_URL, GitHubAPI

    number = options.pull_request or _get(event, "pull_request", "number") or event.get("number")
    if not isinstance(number, int) or number <= 0:
        raise CharterError.at("no pull request number: run on a pull_request event "
                              "(GITHUB_EVENT_PATH) or pass --pull-request N")
    repository = (options.repository or env.get("GITHUB_REPOSITORY")
                  or _text(_get(event, "repository", "full_name")))
    if not repository or not _REPOSITORY.fullmatch(repository):
        raise CharterError.at(f"no valid repository ({repository or 'unset'}): set "
                              "GITHUB_REPOSITORY or pass --repository OWNER/NAME")
    api = GitHubAPI(options.api_url or env.get("GITHUB_API_URL") or DEFAULT_API_URL,
                    env.get("GITHUB_TOKEN", ""))
    pr = api.get(f"/repos/{repository}/pulls/{number}") if need_pr else {}
    reviews = api.get_all(f"/repos/{repository}/pulls/{number}/reviews?per_page=100")
    return reviews, pr if isinstance(pr, Mapping) else {}


def _read_file(root: Path, name: str) -> tuple[Any, Mapping[str, Any]]:
    path = Path(name) if Path(name).is_absolute() else root / name
    data = read_json(path, "the reviews file", shown_as=name)
    if isinstance(data, Mapping):
        pr = data.get("pull_request")
        return data.get("reviews"), pr if isinstance(pr, Mapping) else {}
    return data, {}


def _reviews(raw: Any, source: str) -> list[Review]:
    where = "GitHub's reviews" if source == GITHUB else source
    if not isinstance(raw, list):
        raise CharterError.at(f"{where}: expected a list of reviews")
    reviews = []
    for i, item in enumerate(raw):
        if not isinstance(item, Mapping) or not isinstance(item.get("state"), str):
            raise CharterError.at(f"{where}: review {i} has no `state`")
        login = _text(_get(item, "user", "login"))
        if login:  # a review by a deleted account has no user and backs nothing
            reviews.append(Review(login, item["state"].upper(), _text(item.get("commit_id"))))
    return reviews


def _get(data: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(data, Mapping):
            return None
        data = data.get(key)
    return data


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def unbacked_reasons(login: str, pr: PullRequest, validating: set[str], today: dt.date,
                     conflicts: Sequence[str]) -> list[str]:
    """Why a validation claim by `login` does not count: not a validator, not independent,
    or not backed by the login's approval of the head commit."""
    reasons = []
    if not any(_same(login, v) for v in validating):
        reasons.append(f"{login} is not in a validating team on the base revision "
                       f"(as of {today.isoformat()})")
    if _same(login, pr.author):
        reasons.append(f"{login} opened this pull request and cannot validate it")
    return [*reasons, *conflicts, *_decision_reasons(login, pr)]


def review_reasons(login: str, pr: PullRequest) -> list[str]:
    """Why a sign-off by `login` is not backed by the pull request's reviews (none: it is)."""
    reasons = []
    if _same(login, pr.author):
        reasons.append(f"{login} opened this pull request and cannot approve it")
    return [*reasons, *_decision_reasons(login, pr)]


def _decision_reasons(login: str, pr: PullRequest) -> list[str]:
    decision = pr.decision(login)
    if decision is None:
        return [f"{login} has not approved this pull request"]
    if decision.state != "APPROVED":
        state = "dismissed" if decision.state == "DISMISSED" else "changes requested"
        return [f"{login}'s latest review is {state}, not an approval"]
    if decision.commit_id != pr.head_sha:
        return [f"{login} approved commit {decision.commit_id[:10] or 'unknown'}, not the head "
                f"{pr.head_sha[:10]}: approve the latest commit"]
    return []
