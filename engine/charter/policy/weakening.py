"""Monitoring declarations weakened in a pull request, judged like a lowered classification.

The monitoring rules judge a production version by what its `monitoring` declares (the
cadence, the bands a run is coloured by, the reference it is compared with) and a model by
its `kpi` target. A pull request that relaxes those declarations would escape the rules in
the same breath: a cadence of ten years ends "overdue", a red band at PSI 5 ends "red drift",
a reference drawn from the live data ends drift altogether. So relaxing them is a change of
its own: CHARTER-C002 until the record gains a new entry in its `approvals` by a validator
outside the owning team. Only what is provably stricter or equal passes without one; any
change Charter cannot order (another reference, another live source, another metric, a
check removed) counts as a relaxation. `monitoring.current`, the data of the latest period,
moves every period and is judged by its own rules (LC-018, LC-033, LC-034).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from charter.findings import Finding
from charter.inventory.diff import Change
from charter.inventory.entities import find_entity, models
from charter.inventory.monitoring import drift_bands
from charter.policy.classification import approves, new_approvals, team_members
from charter.source.yamlsource import KeyPath, SourceMap

WEAKENING_RULE_ID = "CHARTER-C002"
WEAKENING_RULE = (
    "error", "Monitoring or KPI declarations relaxed without an approval",
    "Relaxing the monitoring of a released version (a longer cadence or grace, milder bands, "
    "fewer drift features, a longer label delay, another reference, live source or metric, a "
    "check removed) or a model's KPI (a milder target, more breach periods, another owner) "
    "changes what the monitoring rules can find. It needs a new entry in the record's "
    "`approvals` ({by, date}) by a member of a validating team on the base revision who is "
    "not in the owning team.")
RELEASED = ("staging", "production")
# Numbers where a larger value is the milder one (+1) or the stricter one (-1), by where
# they sit under `monitoring`; a missing one counts as its default, None: no default.
ORDERED: dict[tuple[str, ...], tuple[int, float | None]] = {
    ("every_days",): (1, None),
    ("grace_days",): (1, 0.0),
    ("live", "label_delay_days"): (1, 0.0),
    ("checks", "drift", "psi", "amber"): (1, None),
    ("checks", "drift", "psi", "red"): (1, None),
    ("checks", "drift", "ks", "amber"): (1, None),
    ("checks", "drift", "ks", "red"): (1, None),
    ("checks", "drift", "chi2_p", "amber"): (-1, None),
    ("checks", "drift", "chi2_p", "red"): (-1, None),
    ("checks", "performance", "decay", "amber"): (1, None),
    ("checks", "performance", "decay", "red"): (1, None),
}
MOVES_EVERY_PERIOD = {("current",)}
DEFAULT_BREACH_PERIODS = 3.0


@dataclass(frozen=True)
class Relaxed:
    """One declaration the head makes milder than the base."""

    field: str
    old: Any
    new: Any

    def describe(self) -> str:
        if self.new is None:
            return f"{self.field} removed (was {self.old})"
        if self.old is None:
            return f"{self.field} added ({self.new}), which may narrow what is checked"
        return f"{self.field} relaxed from {self.old} to {self.new}"


def monitoring_relaxations(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[Relaxed]:
    """Where the head's `monitoring` of a version is milder than the base's."""
    if old == new:
        return []
    before, after = _leaves(_effective(old)), _leaves(_effective(new))
    found = []
    for path in sorted(set(before) | set(after)):
        if path in MOVES_EVERY_PERIOD:
            continue
        a, b = before.get(path), after.get(path)
        if a == b:
            continue
        name = ".".join(("monitoring", *path))
        if path in ORDERED:
            sign, default = ORDERED[path]
            if _milder(a, b, sign, default):
                found.append(Relaxed(name, a, b))
        elif path == ("checks", "drift", "features"):
            if _fewer_features(a, b):
                found.append(Relaxed(name, a, b))
        elif a is not None or not _adds_a_check(path, before):
            found.append(Relaxed(name, a, b))
    return found


def _fewer_features(old: Any, new: Any) -> bool:
    """Without a list every feature of the model is checked."""
    if new is None:
        return False
    if old is None or not isinstance(old, list) or not isinstance(new, list):
        return True
    return bool(set(map(str, old)) - set(map(str, new)))


def kpi_relaxations(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[Relaxed]:
    """Where the head's `kpi` of a model is milder than the base's."""
    if old == new:
        return []
    found = []
    direction = old.get("direction")
    for key in sorted(set(old) | set(new)):
        a, b = old.get(key), new.get(key)
        if a == b:
            continue
        name = f"kpi.{key}"
        if key == "target" and new.get("direction") == direction and direction in (
                "higher_is_better", "lower_is_better"):
            if _milder(a, b, 1 if direction == "lower_is_better" else -1, None):
                found.append(Relaxed(name, a, b))
        elif key == "breach_periods":
            if _milder(a, b, 1, DEFAULT_BREACH_PERIODS):
                found.append(Relaxed(name, a, b))
        else:
            found.append(Relaxed(name, a, b))
    return found


def weakening_findings(base: Mapping[str, Any], head: Mapping[str, Any], source: SourceMap,
                       change: Change, approvers: set[str], today: dt.date) -> list[Finding]:
    """CHARTER-C002 for each released version whose monitoring, and each model whose KPI,
    the change relaxes without a new approval by a validator outside the owning team; a
    version added with the artifact of a released one it replaces counts as that one."""
    findings = []
    for (kind, entity_id), entry in sorted(change.entities.items()):
        if entry.status == "modified" and kind in ("version", "model"):
            pairs = [(entity_id, entity_id)]
        elif entry.status == "added" and kind == "version":
            # a version added with the artifact of one the change removes is that version
            pairs = [(twin, entity_id) for twin in change.twins.get((kind, entity_id), ())]
        else:
            continue
        for was, now in pairs:
            finding = _unapproved(base, head, source, kind, was, now, approvers, today)
            if finding is not None:
                findings.append(finding)
                break
    return findings


def _unapproved(base: Mapping[str, Any], head: Mapping[str, Any], source: SourceMap,
                kind: str, was: str, now: str, approvers: set[str], today: dt.date
                ) -> Finding | None:
    found, old, new, path = _relaxed(base, head, kind, was, now)
    if not found or old is None or new is None:
        return None
    old_model = _mapping(models(base).get(was.partition("@")[0]))
    new_model = _mapping(models(head).get(now.partition("@")[0]))
    owners = (team_members(base, old_model.get("owner"))
              | team_members(head, new_model.get("owner")))
    added = new_approvals(old.get("approvals"), new.get("approvals"))
    if any(approves(a, approvers, owners, today) for a in added):
        return None
    teams = {t for t in (old_model.get("owner"), new_model.get("owner")) if isinstance(t, str)}
    finding = _finding(kind, now, path, found, source, teams)
    if was == now:
        return finding
    return replace(finding, message=f"{now}: ships the artifact of {was}, which it replaces, "
                   f"so {finding.message.removeprefix(now + ': ')}")


def _relaxed(base: Mapping[str, Any], head: Mapping[str, Any], kind: str, was: str,
             now: str) -> tuple[list[Relaxed], Mapping[str, Any] | None,
                                Mapping[str, Any] | None, KeyPath]:
    if kind == "model":
        old, new = models(base).get(was), models(head).get(now)
        if not isinstance(old, Mapping) or not isinstance(new, Mapping) or "kpi" not in old:
            return [], None, None, ()
        return (kpi_relaxations(_mapping(old.get("kpi")), _mapping(new.get("kpi"))), old, new,
                ("models", now, "kpi") if "kpi" in new else ("models", now))
    before = find_entity(base, "version", was)
    if before is None or before.record.get("stage") not in RELEASED or (
            "monitoring" not in before.record):
        return [], None, None, ()  # the head is read only for a released, monitored version
    after = find_entity(head, "version", now)
    if after is None:
        return [], None, None, ()
    found = monitoring_relaxations(_mapping(before.record.get("monitoring")),
                                   _mapping(after.record.get("monitoring")))
    where = after.path + (("monitoring",) if "monitoring" in after.record else ())
    return found, before.record, after.record, where


def _effective(monitoring: Mapping[str, Any]) -> dict[str, Any]:
    """`monitoring` with the drift bands a run is coloured by (the usual PSI bands when the
    version declares none), so dropping every declared band is seen as the change it is."""
    out = dict(monitoring)
    checks = dict(_mapping(out.get("checks")))
    drift = dict(_mapping(checks.get("drift")))
    drift.update(drift_bands(drift))
    checks["drift"] = drift
    out["checks"] = checks
    return out


def _leaves(node: Any, path: tuple[str, ...] = ()) -> dict[tuple[str, ...], Any]:
    if isinstance(node, Mapping) and path != ("checks", "drift", "features"):
        out: dict[tuple[str, ...], Any] = {}
        for key, value in node.items():
            out.update(_leaves(value, (*path, str(key))))
        return out
    return {path: node}


def _adds_a_check(path: tuple[str, ...], before: Mapping[tuple[str, ...], Any]) -> bool:
    """Part of a check the base did not run at all (performance, say): a check added.
    Anything else added (a target column, a format, an extension key) may narrow one."""
    return len(path) > 2 and path[0] == "checks" and not any(
        key[:2] == path[:2] for key in before)


def _milder(old: Any, new: Any, sign: int, default: float | None) -> bool:
    old = default if old is None else old
    new = default if new is None else new
    if old is None:
        return False  # nothing was required
    if not _number(old) or not _number(new):
        return True  # removed, or not a number: nothing shows it is as strict
    return sign * (float(new) - float(old)) > 0


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _finding(kind: str, entity_id: str, path: KeyPath, found: list[Relaxed],
             source: SourceMap, teams: set[str]) -> Finding:
    severity, title, remediation = WEAKENING_RULE
    owned = f" outside {' and '.join(sorted(teams))}" if teams else ""
    where = "the version" if kind == "version" else "the model"
    message = (f"{entity_id}: {'; '.join(item.describe() for item in found)} without an "
               f"approval: add to {where}'s `approvals` an entry {{by, date}} by a validator"
               f"{owned}")
    mark = source.locate(path)
    return Finding(rule=WEAKENING_RULE_ID, severity=severity, entity=entity_id,
                   entity_kind=kind, message=message, file=source.file_of(path),
                   line=mark.line, column=mark.column, title=title,
                   model=entity_id.partition("@")[0], field=found[0].field, remediation=remediation)


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}
