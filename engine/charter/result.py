"""The result of a gate run: what every reporter renders."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from charter import __version__
from charter.findings import Counts, Finding, verdict_of
from charter.inventory.diff import Change
from charter.policy.evaluate import RuleResult
from charter.policy.rules import Rule

RESULT_FORMAT = 1


@dataclass(frozen=True)
class ImpactItem:
    rule: str
    entity: str
    before: str  # status under the base rules: pass | fail | skip | waived | absent
    after: str  # status under the proposed rules


@dataclass(frozen=True)
class Impact:
    """What a change to policies/ would do to every entity."""

    newly_failing: tuple[ImpactItem, ...]
    newly_passing: tuple[ImpactItem, ...]
    rules_added: tuple[str, ...]
    rules_removed: tuple[str, ...]
    rules_modified: tuple[str, ...]


@dataclass(frozen=True)
class RevisionInfo:
    label: str
    commit: str | None

    def as_dict(self) -> dict[str, Any]:
        return {"label": self.label, "commit": self.commit}


@dataclass(frozen=True)
class CheckResult:
    findings: tuple[Finding, ...]
    rules: Mapping[str, Rule]
    head: RevisionInfo
    base: RevisionInfo | None
    policies_from: str  # base | head
    policy_digest: str
    today: dt.date
    scope: str  # changed | all
    entities_evaluated: int
    change: Change = field(default_factory=Change)
    impact: Impact | None = None
    notes: tuple[str, ...] = ()
    disabled_rules: Mapping[str, str] = field(default_factory=dict)
    evidence: Mapping[str, Any] = field(default_factory=dict)
    reports: tuple[str, ...] = ()  # paths of files written for this run
    results: tuple[RuleResult, ...] = ()  # every rule judged on every entity, passes included
    links: Mapping[str, str] = field(default_factory=dict)  # repository, run, pull_request URLs
    seconds: float = 0.0  # wall time of the gate; not in the JSON, which is reproducible

    @property
    def verdict(self) -> str:
        return verdict_of(self.findings)

    @property
    def counts(self) -> Counts:
        return Counts.of(self.findings)

    @property
    def exit_code(self) -> int:
        return 1 if self.verdict == "fail" else 0

    def as_dict(self) -> dict[str, Any]:
        counts = self.counts
        return {
            "charter_result": RESULT_FORMAT,
            "engine_version": __version__,
            "verdict": self.verdict,
            "exit_code": self.exit_code,
            "today": self.today.isoformat(),
            "scope": self.scope,
            "head": self.head.as_dict(),
            "base": self.base.as_dict() if self.base else None,
            "policies": {"from": self.policies_from, "digest": self.policy_digest,
                         "rules": sorted(self.rules), "disabled": dict(self.disabled_rules)},
            "counts": {"blocking": counts.blocking, "errors": counts.errors,
                       "warnings": counts.warnings, "info": counts.info,
                       "waived": counts.waived},
            "entities_evaluated": self.entities_evaluated,
            "change": self.change.summary(),
            "findings": [f.as_dict() for f in self.findings],
            "impact": _impact_dict(self.impact),
            "notes": list(self.notes),
            "evidence": dict(self.evidence),
            "reports": list(self.reports),
            "links": dict(self.links),
        }


def _impact_dict(impact: Impact | None) -> dict[str, Any] | None:
    if impact is None:
        return None
    return {"newly_failing": [_impact_item(i) for i in impact.newly_failing],
            "newly_passing": [_impact_item(i) for i in impact.newly_passing],
            "rules_added": list(impact.rules_added),
            "rules_removed": list(impact.rules_removed),
            "rules_modified": list(impact.rules_modified)}


def _impact_item(i: ImpactItem) -> dict[str, str]:
    return {"rule": i.rule, "entity": i.entity, "before": i.before, "after": i.after}
