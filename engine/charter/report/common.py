"""Pieces every report shares: the cover, policy results as rows, ids safe for URLs."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

from charter.findings import Finding
from charter.policy.evaluate import RuleResult
from charter.policy.loader import PolicySet
from charter.report.facts import ReportFacts, plain

STAGE_ORDER = {"production": 0, "staging": 1, "development": 2, "retired": 3}


def slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-") or "x"


def sha256_json(data: Any) -> str:
    text = json.dumps(plain(data), sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def finding_row(finding: Finding) -> dict[str, Any]:
    row: dict[str, Any] = plain(finding)
    return row


def result_row(result: RuleResult, policies: PolicySet) -> dict[str, Any]:
    rule = policies.rules.get(result.rule)
    finding = result.finding
    detail = ""
    if finding is not None:
        detail = finding.message
        if finding.waived_by:
            detail += (f" — waived by {finding.waived_by} (approved by "
                       f"{finding.waiver_approved_by}, expires {finding.waiver_expires}): "
                       f"{finding.waiver_justification}")
    return {
        "rule": result.rule,
        "title": rule.title if rule else "",
        "severity": rule.severity if rule else "",
        "entity": result.entity,
        "kind": result.kind,
        "status": result.status,
        "detail": detail,
        "references": list(rule.references) if rule else [],
        "origin": rule.origin if rule else "",
    }


def verdict_of_results(results: Iterable[RuleResult]) -> str:
    blocking = [r for r in results if r.status == "fail" and r.finding is not None
                and r.finding.blocking]
    return "fail" if blocking else "pass"


def open_findings(results: Iterable[RuleResult]) -> list[dict[str, Any]]:
    found = [r.finding for r in results if r.status == "fail" and r.finding is not None]
    return [finding_row(f) for f in sorted(found, key=Finding.sort_key)]


def cover(kind: str, title: str, subtitle: str, rows: list[tuple[str, Any]],
          verdict: str | None = None) -> dict[str, Any]:
    labels = {"pass": "PASS: no blocking finding", "fail": "FAIL: blocking findings open"}
    return {"kind": kind, "title": title, "subtitle": subtitle,
            "verdict": labels.get(verdict or "", verdict or ""),
            "verdict_class": verdict if verdict in ("pass", "fail") else "unknown",
            "rows": [(label, _text(value)) for label, value in rows]}


def _text(value: Any) -> str:
    from charter.report.pdf import format_value

    return format_value(value)


def stage_of(model: Mapping[str, Any]) -> str:
    versions = model.get("versions") or {}
    live = sorted(v for v, r in versions.items() if (r or {}).get("stage") == "production")
    if live:
        return f"production ({', '.join(live)})"
    stages = sorted({str((r or {}).get("stage")) for r in versions.values()},
                    key=lambda s: STAGE_ORDER.get(s, 9))
    return stages[0] if stages else "no versions"


def as_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def common_attachment(facts: ReportFacts) -> dict[str, Any]:
    return {"today": facts.today.isoformat(), "policy_digest": facts.policies.digest,
            "engine_version": facts.engine_version}
