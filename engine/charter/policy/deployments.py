"""A version's deployments are its service record: the gate keeps them append-only.

`LC-003` (a version that served production is retired, never deleted) reads the base's
`stage` and `deployments`. A pull request that retires a production version and drops its
deployments, or drops them from a retired one, leaves nothing on the record that says the
version ever served; the next pull request deletes it and `LC-003` passes. Re-dating a
deployment likewise hides one that began before the validation (`LC-011`). So removing a
recorded deployment, or changing when it started or ended, is a change of its own:
CHARTER-C020 until the version gains a new entry in its `approvals` by a validator outside
the owning team. Adding a deployment, closing an open one (`until`) and moving traffic are
the ordinary life of a version and pass.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from charter.findings import Finding
from charter.inventory.diff import Change
from charter.inventory.entities import find_entity, models, split_ref
from charter.policy.classification import approves, new_approvals, team_members
from charter.source.yamlsource import KeyPath, SourceMap

DEPLOYMENTS_RULE_ID = "CHARTER-C020"
DEPLOYMENTS_RULE = (
    "error", "Recorded deployments removed or re-dated without an approval",
    "A version's deployments record when it served and where. Removing one, or changing its "
    "target, start or a recorded end, rewrites that record: the next pull request could "
    "delete a version that served production (LC-003 reads the base's deployments) or hide a "
    "deployment that began before the validation (LC-011). Add deployments, set `until` on "
    "an open one, or change its traffic instead; correcting a wrong entry needs a new entry "
    "in the version's `approvals` ({by, date}) by a member of a validating team on the base "
    "revision who is not in the owning team.")

# Raised by charter.gate.served, which reads the base's git history.
SERVED_RULE_ID = "CHARTER-C022"
SERVED_RULE = (
    "error", "A version that served production deleted after its retirement",
    "A version that was in production is retired and kept, never deleted (LC-003): the "
    "inventory is the record of every model that was in use. LC-003 reads the base's record, "
    "which for a retired version does not say where it was retired from, so the gate looks "
    "in the base's git history: a deleted version that was ever in production there blocks. "
    "Restore the version (`stage: retired`, `retired: {date, reason}`).")
DELETED_RULE_ID = "CHARTER-C024"
DELETED_RULE = (
    "error", "A released version deleted",
    "A version that reached staging or production is a record (LC-002 keeps what it is): it "
    "is retired and kept, never deleted. Deleting it would also free its id, so that a later "
    "pull request could add it again, in development, with another artifact and the old "
    "validation. The gate reads the base's record and, for a version in development or "
    "retired there, the base's git history. Restore the version (`stage: retired`, "
    "`retired: {date, reason}`).")
DEMOTED_RULE_ID = "CHARTER-C023"
DEMOTED_RULE = (
    "error", "A released version changed in place after a move back to development",
    "A version that reached staging or production is a record (LC-002): its artifact, data, "
    "algorithm, parameters, requirements, features and evaluation do not change. LC-002 reads "
    "the base's stage, and staging may move back to development, so the gate looks in the "
    "base's git history: a version in development that was ever in staging or production "
    "there may not change what LC-002 keeps. Add a new version with the change instead.")


def deployment_findings(base: Mapping[str, Any], head: Mapping[str, Any], source: SourceMap,
                        change: Change, approvers: set[str], today: dt.date) -> list[Finding]:
    """CHARTER-C020 for each version kept by the change whose recorded deployments it
    removes or re-dates without a new approval by a validator outside the owning team."""
    findings = []
    for (kind, entity_id), entry in sorted(change.entities.items()):
        if kind != "version" or entry.status != "modified":
            continue
        before = find_entity(base, kind, entity_id)
        if before is None or not _entries(before.record.get("deployments")):
            continue  # nothing recorded on the base, nothing to lose (most edits)
        after = find_entity(head, kind, entity_id)
        if after is None:
            continue
        lost = rewritten_deployments(before.record.get("deployments"),
                                     after.record.get("deployments"))
        if not lost:
            continue
        name = split_ref(entity_id)[0]
        owners = (team_members(base, _mapping(models(base).get(name)).get("owner"))
                  | team_members(head, _mapping(models(head).get(name)).get("owner")))
        added = new_approvals(before.record.get("approvals"), after.record.get("approvals"))
        if any(approves(a, approvers, owners, today) for a in added):
            continue
        path = after.path + (("deployments",) if "deployments" in after.record else ())
        findings.append(_finding(entity_id, path, lost, owners, source))
    return findings


def rewritten_deployments(old: Any, new: Any) -> list[str]:
    """Each base deployment the head no longer holds with its target, its start and, when
    one was recorded, its end; described for the message."""
    kept = {_key(d) for d in _entries(new)}
    starts = {_key(d)[:2] for d in _entries(new)}
    lost = []
    for entry in _entries(old):
        key = _key(entry)
        if key in kept or (entry.get("until") is None and key[:2] in starts):
            continue
        what = f"{key[0]} since {key[1]}" + (f" until {key[2]}" if key[2] else "")
        lost.append(what + (" (its end changed)" if key[:2] in starts else " removed"))
    return lost


def _entries(value: Any) -> list[Mapping[str, Any]]:
    return [d for d in value if isinstance(d, Mapping)] if isinstance(value, list) else []


def _key(entry: Mapping[str, Any]) -> tuple[str, str, str]:
    return _text(entry.get("target")), _text(entry.get("since")), _text(entry.get("until"))


def _text(value: Any) -> str:
    if value is None:
        return ""
    return value.isoformat() if isinstance(value, dt.date) else str(value)


def _finding(entity_id: str, path: KeyPath, lost: list[str], owners: set[str],
             source: SourceMap) -> Finding:
    severity, title, remediation = DEPLOYMENTS_RULE
    owned = f" outside {', '.join(sorted(owners))}" if owners else ""
    message = (f"{entity_id}: the recorded deployment {'; '.join(lost)} without an approval: "
               "keep each deployment as recorded (set `until` to end one), or add to the "
               f"version's `approvals` an entry {{by, date}} by a validator{owned}")
    mark = source.locate(path)
    return Finding(rule=DEPLOYMENTS_RULE_ID, severity=severity, entity=entity_id,
                   entity_kind="version", message=message, file=source.file_of(path),
                   line=mark.line, column=mark.column, title=title,
                   model=split_ref(entity_id)[0], field="deployments", remediation=remediation)


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}
