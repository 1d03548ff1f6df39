"""`charter monitor --github-issues` against a local HTTP server playing GitHub's issues API."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from conftest import GitRepo
from monitor_helpers import build, partition

ISSUES = "/repos/acme/models/issues"


@dataclass
class IssueTracker:
    """GitHub's issues of one repository, in memory; every write is remembered."""

    url: str = ""
    issues: dict[int, dict[str, Any]] = field(default_factory=dict)
    writes: list[tuple[str, str, Any]] = field(default_factory=list)
    tokens: set[str] = field(default_factory=set)

    def listed(self, query: dict[str, list[str]]) -> list[dict[str, Any]]:
        labels = set(query.get("labels", [""])[0].split(",")) - {""}
        state = query.get("state", ["open"])[0]
        return [i for i in self.issues.values() if i["state"] == state
                and labels <= {label["name"] for label in i["labels"]}]

    def write(self, method: str, path: str, body: Any) -> tuple[int, Any]:
        self.writes.append((method, path, body))
        if method == "POST" and path == ISSUES:
            number = len(self.issues) + 1
            self.issues[number] = {"number": number, "state": "open", "title": body["title"],
                                   "body": body["body"], "comments": [],
                                   "labels": [{"name": n} for n in body.get("labels", [])]}
            return 201, self.issues[number]
        parts = path[len(ISSUES) + 1:].split("/")
        issue = self.issues.get(int(parts[0])) if parts[0].isdigit() else None
        if issue is None:
            return 404, {"message": "Not Found"}
        if method == "POST" and parts[1:] == ["comments"]:
            issue["comments"].append(body["body"])
            return 201, {"body": body["body"]}
        if method == "PATCH" and len(parts) == 1:
            issue.update({k: v for k, v in body.items() if k in ("title", "body", "state")})
            return 200, issue
        return 404, {"message": "Not Found"}


@pytest.fixture
def tracker() -> Iterator[IssueTracker]:
    fake = IssueTracker()

    class Handler(BaseHTTPRequestHandler):
        def _answer(self, status: int, body: Any) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            fake.tokens.add(self.headers.get("Authorization", ""))
            parts = urlsplit(self.path)
            if parts.path != ISSUES:
                return self._answer(404, {"message": "Not Found"})
            self._answer(200, fake.listed(parse_qs(parts.query)))

        def _write(self) -> None:
            fake.tokens.add(self.headers.get("Authorization", ""))
            length = int(self.headers.get("Content-Length", "0"))
            body = json.loads(self.rfile.read(length) or b"null")
            self._answer(*fake.write(self.command, self.path, body))

        do_POST = do_PATCH = _write

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


def issues(repo: GitRepo, tracker: IssueTracker, as_of: str) -> str:
    env = {"GITHUB_API_URL": tracker.url, "GITHUB_TOKEN": "t0ken",
           "GITHUB_REPOSITORY": "acme/models"}
    run = repo.charter("monitor", "--as-of", as_of, "--github-issues", env=env)
    assert run.code == 0, run.err
    return run.err


def test_one_issue_per_breach_updated_in_place_and_closed_when_it_clears(
        repo: GitRepo, tracker: IssueTracker) -> None:
    build(repo, checks="")
    said = issues(repo, tracker, "2026-06-30")  # debt has drifted: red
    assert "1 opened, 0 updated, 0 closed" in said
    [issue] = tracker.issues.values()
    assert issue["title"] == "Monitoring: scorer@1.0.0 is red"
    assert issue["body"].startswith("<!-- charter-monitor: scorer@1.0.0 -->")
    assert "| debt | red |" in issue["body"] and "monitoring/scorer/1.0.0/2026-06-30-" in \
        issue["body"]
    assert [label["name"] for label in issue["labels"]] == ["charter-monitoring"]
    assert tracker.tokens == {"Bearer t0ken"}

    writes = len(tracker.writes)
    assert "0 opened, 0 updated, 0 closed" in issues(repo, tracker, "2026-06-30")
    assert len(tracker.writes) == writes  # idempotent: nothing to change, nothing sent

    partition(1).to_csv(repo.root / "data/live/loans-2026-07.csv", index=False)  # drift gone
    said = issues(repo, tracker, "2026-07-31")
    assert "0 opened, 0 updated, 1 closed" in said
    assert issue["state"] == "closed"
    assert "is green: closing" in issue["comments"][0]
    assert len(tracker.issues) == 1


def test_an_open_issue_is_updated_not_duplicated(repo: GitRepo,
                                                 tracker: IssueTracker) -> None:
    build(repo, checks="")
    issues(repo, tracker, "2026-06-30")
    tracker.issues[1]["body"] += "edited by hand\n"
    said = issues(repo, tracker, "2026-06-30")
    assert "0 opened, 1 updated, 0 closed" in said
    assert len(tracker.issues) == 1 and "edited by hand" not in tracker.issues[1]["body"]


def test_issues_need_a_repository_and_fail_closed_on_api_errors(
        repo: GitRepo, tracker: IssueTracker) -> None:
    monitored = build(repo)
    run = monitored.charter("monitor", "--as-of", "2026-06-30", "--github-issues",
                            env={"GITHUB_API_URL": tracker.url, "GITHUB_TOKEN": "t"})
    assert run.code == 2 and "GITHUB_REPOSITORY" in run.err
    run = monitored.charter("monitor", "--as-of", "2026-06-30", "--github-issues",
                            env={"GITHUB_API_URL": tracker.url, "GITHUB_TOKEN": "t",
                                 "GITHUB_REPOSITORY": "acme/other"})
    assert run.code == 2 and "answered 404" in run.err and "Traceback" not in run.err
