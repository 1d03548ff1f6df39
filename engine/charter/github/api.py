"""A minimal client for GitHub's REST API over the standard library, used only on request.

Every failure is a CharterError (exit 2) that says what went wrong: a gate that cannot read
the reviews must not pass. The token is sent only to the configured API host.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from charter import __version__
from charter.errors import CharterError

DEFAULT_API_URL = "https://api.github.com"
MAX_PAGES = 100
TIMEOUT_SECONDS = 30
_NEXT = re.compile(r'<([^>]+)>\s*;\s*rel="?next"?')
_LOOPBACK = {"127.0.0.1", "localhost", "::1"}


class GitHubAPI:
    def __init__(self, base_url: str, token: str) -> None:
        parts = urllib.parse.urlsplit(base_url.rstrip("/"))
        if parts.scheme not in ("https", "http") or not parts.netloc:
            raise CharterError.at(f"GitHub API URL {base_url!r} is not an http(s) URL")
        if parts.scheme == "http" and parts.hostname not in _LOOPBACK:
            raise CharterError.at(f"GitHub API URL {base_url!r} must use https: the token "
                                  "would travel in clear text")
        if not token:
            raise CharterError.at("GITHUB_TOKEN is not set: reading the pull request's reviews "
                                  "needs a token with pull-requests: read")
        self.base = base_url.rstrip("/")
        self._origin = (parts.scheme, parts.netloc)
        self._token = token

    def get(self, path: str) -> Any:
        data, _ = self._request(f"{self.base}{path}")
        return data

    def send(self, method: str, path: str, body: Any) -> Any:
        """POST or PATCH `body` as JSON; returns the answer."""
        data, _ = self._request(f"{self.base}{path}", method, json.dumps(body).encode())
        return data

    def get_all(self, path: str) -> list[Any]:
        """Every item of a paginated list, following the `Link: rel="next"` header."""
        url: str | None = f"{self.base}{path}"
        items: list[Any] = []
        for _ in range(MAX_PAGES):
            if url is None:
                return items
            data, next_url = self._request(url)
            if not isinstance(data, list):
                raise CharterError.at(f"GitHub API {path}: expected a list, got "
                                      f"{type(data).__name__}")
            items += data
            url = next_url
        raise CharterError.at(f"GitHub API {path}: more than {MAX_PAGES} pages")

    def _request(self, url: str, method: str = "GET", body: bytes | None = None
                 ) -> tuple[Any, str | None]:
        parts = urllib.parse.urlsplit(url)
        if (parts.scheme, parts.netloc) != self._origin:
            raise CharterError.at(f"GitHub API pointed to another host ({parts.netloc}); "
                                  "refusing to send the token there")
        request = urllib.request.Request(url, headers={
            "Accept": "application/vnd.github+json",
            "Authorization": f"Bearer {self._token}",
            "X-GitHub-Api-Version": "2022-11-28",
            "User-Agent": f"charter/{__version__}",
            **({"Content-Type": "application/json"} if body is not None else {}),
        }, data=body, method=method)
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
                body = response.read()
                link = response.headers.get("Link", "")
        except urllib.error.HTTPError as exc:
            raise CharterError.at(f"GitHub API {_path(url)} answered {exc.code} "
                                  f"{exc.reason}: {_api_message(exc)}",
                                  hint=_hint(exc.code, method)) from None
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise CharterError.at(f"cannot reach the GitHub API at {self.base}: {reason}"
                                  ) from None
        try:
            data = json.loads(body)
        except ValueError:
            raise CharterError.at(f"GitHub API {_path(url)} did not answer with JSON") from None
        match = _NEXT.search(link)
        return data, match.group(1) if match else None


def _path(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _api_message(error: urllib.error.HTTPError) -> str:
    try:
        data = json.loads(error.read() or b"{}")
    except (ValueError, OSError):
        return "no details"
    return str(data.get("message", "no details")) if isinstance(data, dict) else "no details"


def _hint(status: int, method: str = "GET") -> str:
    if status == 401:
        return "the token is missing, expired or wrong"
    if status in (403, 404) and method != "GET":
        return "the token needs write permission for this (issues: write for issues)"
    if status in (403, 404):
        return "the token needs `pull-requests: read` on this repository"
    return ""
