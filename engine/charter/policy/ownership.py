"""A model or dataset handed to another team: a change that needs an independent sign-off.

Independence is judged against the owning team (LC-031, waiver approvals, CHARTER-C001..C003
approvals), and the owner a record names has no dates. Within one pull request both owners
count; but a pull request that only moves `credit` from risk-analytics to another team
makes risk-analytics' members independent of it from the next one on: they validate their
own team's work, dated before the move. So a change of owner is CHARTER-C021 until the
record gains a new entry in its `approvals` by a validator on the base who is in neither
team.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from charter.findings import Finding
from charter.inventory.diff import Change
from charter.inventory.entities import datasets, models, split_ref
from charter.policy.classification import approves, new_approvals, team_members
from charter.source.yamlsource import KeyPath, SourceMap

OWNER_RULE_ID = "CHARTER-C021"
OWNER_RULE = (
    "error", "Owning team changed without an approval",
    "Validations, waivers and approvals count only from people outside the team that owns "
    "the model or dataset, and the owner a record names has no dates: handing a model to "
    "another team would make its developers independent of it from then on, and their "
    "validations dated before the move would pass. Moving a model or a dataset to another "
    "team needs a new entry in its `approvals` ({by, date}) by a member of a validating team "
    "on the base revision who is in neither the old nor the new owning team.")


def owner_findings(base: Mapping[str, Any], head: Mapping[str, Any], source: SourceMap,
                   change: Change, approvers: set[str], today: dt.date) -> list[Finding]:
    """CHARTER-C021 for each model or dataset the change keeps (or renames: a model through
    its versions' artifacts, a dataset through its versions' data) under another owner
    without a new approval by a validator outside both teams."""
    pairs: dict[tuple[str, str], set[str]] = {}
    for (kind, entity_id), entry in change.entities.items():
        if kind == "model" and entry.status == "modified":
            pairs.setdefault(("models", entity_id), set()).add(entity_id)
        elif kind == "model" and entry.status == "added":
            for twin in change.twins.get((kind, entity_id), ()):
                pairs.setdefault(("models", entity_id), set()).add(twin)
        elif kind == "dataset" and entry.status == "modified":
            name = split_ref(entity_id)[0]
            pairs.setdefault(("datasets", name), set()).add(name)
        elif kind == "dataset" and entry.status == "added":
            # renamed: the same data under a new name, its base record gone (a copy another
            # team registers while the original stays where it was hands nothing over)
            name = split_ref(entity_id)[0]
            for twin in change.twins.get((kind, entity_id), ()):
                gone = change.entities.get((kind, twin))
                if gone is not None and gone.status == "removed":
                    pairs.setdefault(("datasets", name), set()).add(split_ref(twin)[0])
    findings = []
    for (section, now), olds in sorted(pairs.items()):
        records = models if section == "models" else datasets
        new = _mapping(records(head).get(now))
        for was in sorted(olds):
            old = _mapping(records(base).get(was))
            finding = _moved(section, was, now, old, new, base, head, source, approvers, today)
            if finding is not None:
                findings.append(finding)
                break
    return findings


def _moved(section: str, was: str, now: str, old: Mapping[str, Any], new: Mapping[str, Any],
           base: Mapping[str, Any], head: Mapping[str, Any], source: SourceMap,
           approvers: set[str], today: dt.date) -> Finding | None:
    before, after = old.get("owner"), new.get("owner")
    if not old or not new or before == after:
        return None
    owners = team_members(base, before) | team_members(head, before) | team_members(
        head, after) | team_members(base, after)
    added = new_approvals(old.get("approvals"), new.get("approvals"))
    if any(approves(a, approvers, owners, today) for a in added):
        return None
    path: KeyPath = (section, now, "owner") if "owner" in new else (section, now)
    teams = sorted({str(t) for t in (before, after) if t is not None})
    what = "model" if section == "models" else "dataset"
    renamed = f" (as {was} on the base)" if was != now else ""
    message = (f"{now}: owner moved from {before} to {after}{renamed} without an approval: "
               f"add to the {what}'s `approvals` an entry {{by, date}} by a validator outside "
               f"{' and '.join(teams)}")
    severity, title, remediation = OWNER_RULE
    mark = source.locate(path)
    return Finding(rule=OWNER_RULE_ID, severity=severity, entity=now,
                   entity_kind="model" if section == "models" else "dataset", message=message,
                   file=source.file_of(path), line=mark.line, column=mark.column, title=title,
                   model=now if section == "models" else None, field="owner",
                   remediation=remediation)


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}
