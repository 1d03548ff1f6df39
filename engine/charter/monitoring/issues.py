"""One GitHub issue per monitoring breach: opened or updated while the latest run of a
version is amber or red, closed when it is green again (or the version is no longer
monitored). Issues are found by a label and a marker in their body, so running this twice
changes nothing the second time."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from charter.errors import CharterError
from charter.monitoring.due import recorded_runs
from charter.monitoring.ledger import read_run
from charter.monitoring.run import Target
from charter.wording import plural

LABEL = "charter-monitoring"
_MARKER = re.compile(r"<!-- charter-monitor: (?P<id>[^ ]+) -->")
_REPOSITORY = re.compile(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+")


def marker(version_id: str) -> str:
    return f"<!-- charter-monitor: {version_id} -->"


def sync_issues(root: Path, targets: Sequence[Target], repository: str | None,
                env: Mapping[str, str] | None = None) -> str:
    """Bring the breach issues in line with the latest runs; returns a one-line summary."""
    from charter.github.api import DEFAULT_API_URL, GitHubAPI

    env = os.environ if env is None else env
    repository = repository or env.get("GITHUB_REPOSITORY")
    if not repository or not _REPOSITORY.fullmatch(repository):
        raise CharterError.at(f"no valid repository ({repository or 'unset'}): set "
                              "GITHUB_REPOSITORY or pass --repository OWNER/NAME")
    api = GitHubAPI(env.get("GITHUB_API_URL") or DEFAULT_API_URL, env.get("GITHUB_TOKEN", ""))
    issues = f"/repos/{repository}/issues"
    open_issues = _open_issues(api.get_all(f"{issues}?labels={LABEL}&state=open&per_page=100"))
    latest = _latest_runs(root, targets)
    opened = updated = closed = 0
    for version_id, (path, record) in sorted(latest.items()):
        found = open_issues.pop(version_id, None)
        if record["verdict"] == "green":
            if found is not None:
                _close(api, issues, found, f"The latest run ({path}) is green: closing.")
                closed += 1
            continue
        title, body = _text(version_id, path, record)
        if found is None:
            api.send("POST", issues, {"title": title, "body": body, "labels": [LABEL]})
            opened += 1
        elif (found.get("title"), found.get("body")) != (title, body):
            api.send("PATCH", f"{issues}/{found['number']}", {"title": title, "body": body})
            updated += 1
    for version_id, found in sorted(open_issues.items()):
        if version_id not in latest:
            _close(api, issues, found, f"{version_id} is no longer monitored: closing.")
            closed += 1
    return (f"charter monitor: GitHub issues in {repository}: {opened} opened, "
            f"{updated} updated, {closed} closed, {plural(len(latest), 'version')} with runs")


def _open_issues(items: list[Any]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for item in items:
        if not isinstance(item, dict) or "pull_request" in item:
            continue
        match = _MARKER.search(str(item.get("body") or ""))
        if match and match["id"] not in found:
            found[match["id"]] = item
    return found


def _latest_runs(root: Path, targets: Sequence[Target]
                 ) -> dict[str, tuple[str, dict[str, Any]]]:
    runs = recorded_runs(root)
    out = {}
    for target in targets:
        recorded = runs.get(target.id)
        if recorded:
            path = recorded[-1].path
            out[target.id] = (path, read_run(path, (root / path).read_bytes()))
    return out


def _close(api: Any, issues: str, found: Mapping[str, Any], comment: str) -> None:
    api.send("POST", f"{issues}/{found['number']}/comments", {"body": comment})
    api.send("PATCH", f"{issues}/{found['number']}", {"state": "closed",
                                                      "state_reason": "completed"})


def _text(version_id: str, path: str, record: Mapping[str, Any]) -> tuple[str, str]:
    verdict = record["verdict"]
    results = record.get("results") or {}
    lines = [marker(version_id), "",
             f"The latest monitoring run of **{version_id}** (as of {record['as_of']}) is "
             f"**{verdict}**: `{path}`.", ""]
    drift = results.get("drift") or {}
    breached = {name: row for name, row in (drift.get("features") or {}).items()
                if row.get("band") != "green"}
    if breached:
        lines += ["| feature | band | PSI | KS | chi² p |", "|---|---|---|---|---|"]
        lines += [f"| {name} | {row['band']} | {_num(row.get('psi'))} | {_num(row.get('ks'))} "
                  f"| {_num(row.get('chi2_p'))} |" for name, row in sorted(breached.items())]
        lines.append("")
    performance = results.get("performance")
    if performance and performance.get("band") != "green":
        lines.append(f"Performance: {performance['metric']} {_num(performance.get('live'))} "
                     f"against {_num(performance.get('validated'))} validated (decay "
                     f"{_num(performance.get('decay'))}): **{performance['band']}**.")
        lines.append("")
    lines.append("Opened and kept up to date by `charter monitor --github-issues`; it closes "
                 "this issue when a run is green again.")
    return f"Monitoring: {version_id} is {verdict}", "\n".join(lines) + "\n"


def _num(value: Any) -> str:
    return "-" if value is None else f"{value:.4g}"
