"""The change report of a pull request: what changed, the verdict, findings, waivers used,
the policy impact when rules changed, and the evidence of the changed versions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from charter.report.common import cover, finding_row
from charter.report.facts import plain
from charter.report.pdf import RenderJob
from charter.result import CheckResult
from charter.vcs import git

SECTIONS = [("verdict", "1. Verdict"), ("changes", "2. What changed"),
            ("findings", "3. Findings"), ("waivers", "4. Waivers used"),
            ("impact", "5. Policy impact"), ("evidence", "6. Evidence of the changed versions"),
            ("notes", "7. Notes")]


def change_job(result: CheckResult, committed: dt.datetime, page_size: str = "a4"
               ) -> RenderJob:
    findings = [finding_row(f) for f in result.findings]
    active = [f for f in findings if not f["waived_by"]]
    waived = [f for f in findings if f["waived_by"]]
    counts = result.counts
    head = result.head.commit or "working tree (uncommitted)"
    context = {
        "cover": cover("Change report", "Pull request check", f"{result.head.label} against "
                       f"{result.base.label if result.base else 'an empty base'}", [
                           ("Head", result.head.label), ("Base", result.base.label
                                                         if result.base else "empty base"),
                           ("Rules from", result.policies_from),
                           ("Policy set (sha256)", result.policy_digest),
                           ("Evaluation date", result.today.isoformat())], result.verdict),
        "toc": [{"id": i, "title": t, "sub": False} for i, t in SECTIONS],
        "verdict": result.verdict,
        "counts": plain(counts),
        "head": result.head.as_dict(),
        "base": result.base.as_dict() if result.base else None,
        "policies_from": result.policies_from,
        "policy_digest": result.policy_digest,
        "scope": result.scope,
        "entities_evaluated": result.entities_evaluated,
        "today": result.today.isoformat(),
        "changes": _changes(result),
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
        doc_id=f"Change report · {result.head.label}", commit=head,
        committed=committed.isoformat(), page_size=page_size, context=context,
        attachments={"result.json": result.as_dict()})


def head_date(result: CheckResult, root: Path) -> dt.datetime:
    """The head commit's date; for a working tree, the evaluation date (reproducible too)."""
    if result.head.commit:
        stamp = git.commit_info(root, result.head.commit)["committed"]
        return dt.datetime.fromisoformat(stamp).astimezone(dt.UTC)
    return dt.datetime.combine(result.today, dt.time(), dt.UTC)


def _changes(result: CheckResult) -> list[dict[str, Any]]:
    rows = []
    for (kind, entity_id), change in sorted(result.change.entities.items()):
        rows.append({"kind": kind, "id": entity_id, "status": change.status,
                     "paths": list(change.paths)})
    return rows


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
                            "champion": against, "delta": delta})
        rows.append({"id": version_id, "metrics": metrics,
                     "champion": (champion or {}).get("id"),
                     "problems": plain(list(data.get("problems") or []))})
    return rows


def write_change_report(result: CheckResult, root: Path, out: Path,
                        page_size: str = "a4") -> CheckResult:
    """Render the change report into `out` (with manifest.json); the result lists the files."""
    from charter.report.build import MANIFEST, build_reports

    folder = out if out.is_absolute() else root / out
    job = change_job(result, head_date(result, root), page_size)
    written = build_reports([job], folder, job.commit)
    paths = [str(folder / w.path) for w in written] + [str(folder / MANIFEST)]
    return replace(result, reports=(*result.reports, *paths))
