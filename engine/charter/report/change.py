"""The change report of a pull request: where it comes from, what changed value by value,
who made and approved it, the verdict, findings, waivers used, the policy impact when rules
changed, and the evidence of the changed versions."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from charter.report.change_origin import (
    HeadState,
    change_commits,
    head_state,
    pull_request,
)
from charter.report.change_values import (
    approval_rows,
    champion_rows,
    field_rows,
    load_sides,
    signed,
    traffic_rows,
)
from charter.report.common import cover, finding_row
from charter.report.facts import plain
from charter.report.metrics import direction, judgement
from charter.report.pdf import RenderJob
from charter.result import CheckResult

MAX_FILES = 20
SECTIONS = [("verdict", "1. Verdict"), ("origin", "2. Author, commits and approvals"),
            ("changes", "3. What changed"), ("champion", "4. Against the champion"),
            ("traffic", "5. Traffic"), ("findings", "6. Findings"),
            ("waivers", "7. Waivers used"), ("impact", "8. Policy impact"),
            ("evidence", "9. Evidence of the changed versions"), ("notes", "10. Notes")]


@dataclass(frozen=True)
class ChangeFacts:
    """What the report adds to the gate's result: where it comes from, the values."""

    state: HeadState
    origin: dict[str, Any]
    fields: list[dict[str, Any]]
    approvals: list[dict[str, Any]]
    champion: list[dict[str, Any]]
    traffic: list[dict[str, Any]]


def change_facts(result: CheckResult, root: Path, reviews_checked: bool = False,
                 env: Mapping[str, str] | None = None) -> ChangeFacts:
    state = head_state(root, result.head.commit, result.today, result.reports)
    base_commit = result.base.commit if result.base else None
    base, head = load_sides(root, base_commit, result.head.commit)
    commits, total = change_commits(root, base_commit, state.sha)
    pull = pull_request(env or {}, commits)
    origin = {
        "commits": [vars(c) for c in commits], "total_commits": total,
        "authors": sorted({c.author for c in commits}),
        "pull_request": vars(pull) if pull else None,
        "uncommitted": state.uncommitted,
        "uncommitted_files": list(state.changed_files[:MAX_FILES]),
        "more_files": max(len(state.changed_files) - MAX_FILES, 0),
        "dated_by": state.dated_by, "sha": state.sha,
    }
    return ChangeFacts(state, origin, field_rows(result.change, base, head),
                       approval_rows(result.change, base, head, result.findings,
                                     reviews_checked),
                       champion_rows(result.change, base, head),
                       traffic_rows(result.change, base, head, result.today))


def change_job(result: CheckResult, facts: ChangeFacts, page_size: str = "a4") -> RenderJob:
    findings = [finding_row(f) for f in result.findings]
    active = [f for f in findings if not f["waived_by"]]
    waived = [f for f in findings if f["waived_by"]]
    state = facts.state
    head_label = _head_label(result, state)
    context = {
        "cover": cover("Change report", "Pull request check", f"{head_label} against "
                       f"{result.base.label if result.base else 'an empty base'}", [
                           ("Head", head_label), ("Base", result.base.label
                                                  if result.base else "empty base"),
                           ("Rules from", result.policies_from),
                           ("Policy set (sha256)", result.policy_digest),
                           ("Evaluation date", result.today.isoformat())], result.verdict),
        "toc": [{"id": i, "title": t, "sub": False} for i, t in SECTIONS],
        "verdict": result.verdict,
        "counts": plain(result.counts),
        "head": {"label": head_label, "commit": state.sha},
        "base": result.base.as_dict() if result.base else None,
        "policies_from": result.policies_from,
        "policy_digest": result.policy_digest,
        "scope": result.scope,
        "entities_evaluated": result.entities_evaluated,
        "today": result.today.isoformat(),
        "changes": facts.fields,
        "origin": facts.origin,
        "approvals": facts.approvals,
        "champion": facts.champion,
        "traffic": facts.traffic,
        "initial": result.change.initial,
        "policies_changed": result.change.policies_changed,
        "active": active,
        "waived": waived,
        "impact": plain(result.impact) if result.impact else None,
        "evidence": _evidence_deltas(result.evidence),
        "notes": list(result.notes),
    }
    return RenderJob(
        filename="change-report.pdf", template="change.html", title="Change report",
        doc_id=f"Change report · {head_label}", commit=state.commit,
        committed=state.committed.isoformat(), page_size=page_size, context=context,
        attachments={"result.json": result.as_dict()})


def _head_label(result: CheckResult, state: HeadState) -> str:
    if result.head.commit or state.sha is None:
        return result.head.label
    if state.uncommitted:
        return f"working tree with uncommitted changes on HEAD ({state.sha[:10]})"
    return f"HEAD ({state.sha[:10]}; the working tree is clean)"


def _evidence_deltas(evidence: Mapping[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for version_id, data in sorted(evidence.items()):
        if not isinstance(data, Mapping):
            continue
        champion = data.get("champion") if isinstance(data.get("champion"), Mapping) else None
        champion_metrics = (champion or {}).get("metrics") or {}
        metrics = []
        for name, diff in sorted((data.get("metric_diffs") or {}).items()):
            diff = diff if isinstance(diff, Mapping) else {"measured": diff}
            measured = diff.get("measured")
            against = champion_metrics.get(name)
            delta = measured - against if isinstance(measured, int | float) and isinstance(
                against, int | float) else None
            metrics.append({"name": name, "claimed": diff.get("claimed"), "measured": measured,
                            "diff": diff.get("diff"), "ok": diff.get("ok"),
                            "champion": against, "delta": delta, "delta_text": signed(delta),
                            "direction": direction(name), "verdict": judgement(name, delta)})
        rows.append({"id": version_id, "metrics": metrics,
                     "champion": (champion or {}).get("id"),
                     "problems": plain(list(data.get("problems") or []))})
    return rows


def write_change_report(result: CheckResult, root: Path, out: Path, page_size: str = "a4",
                        reviews_checked: bool = False,
                        env: Mapping[str, str] | None = None) -> CheckResult:
    """Render the change report into `out` (with manifest.json); the result lists the files.
    `reviews_checked`: the gate checked validation claims against the pull request's
    reviews. `env`: the environment, for the GitHub event that names the pull request."""
    from charter.report.build import MANIFEST, build_reports

    folder = out if out.is_absolute() else root / out
    outputs = replace(result, reports=(*result.reports, str(folder)))
    job = change_job(result, change_facts(outputs, root, reviews_checked, env), page_size)
    written = build_reports([job], folder, job.commit)
    paths = [str(folder / w.path) for w in written] + [str(folder / MANIFEST)]
    return replace(result, reports=(*result.reports, *paths))
