"""Who opened and who merged pull requests, read from GitHub's REST API on request."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from charter.errors import CharterError

_REPOSITORY = re.compile(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+")


@dataclass(frozen=True)
class PullRequestPeople:
    author: str | None  # the login that opened it
    merged_by: str | None  # the login that merged it


def pull_request_people(numbers: Iterable[int], repository: str | None, api_url: str | None,
                        env: Mapping[str, str] | None = None) -> dict[int, PullRequestPeople]:
    """GET /repos/{repository}/pulls/{n} for each number; any failure is exit 2."""
    from charter.github.api import DEFAULT_API_URL, GitHubAPI

    env = os.environ if env is None else env
    repository = repository or env.get("GITHUB_REPOSITORY")
    if not repository or not _REPOSITORY.fullmatch(repository):
        raise CharterError.at(f"no valid repository ({repository or 'unset'}): set "
                              "GITHUB_REPOSITORY or pass --repository OWNER/NAME")
    api = GitHubAPI(api_url or env.get("GITHUB_API_URL") or DEFAULT_API_URL,
                    env.get("GITHUB_TOKEN", ""))
    found = {}
    for number in sorted(set(numbers)):
        pr = api.get(f"/repos/{repository}/pulls/{number}")
        pr = pr if isinstance(pr, Mapping) else {}
        found[number] = PullRequestPeople(_login(pr.get("user")), _login(pr.get("merged_by")))
    return found


def _login(user: Any) -> str | None:
    login = user.get("login") if isinstance(user, Mapping) else None
    return login if isinstance(login, str) and login else None
