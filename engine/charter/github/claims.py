"""Sign-offs a change writes, held against the pull request's real reviews.

A pull request can write anyone's name. Three kinds of sign-off count for something in the
gate, so each one the change adds or alters must be backed by that person's approval of the
head commit:
- a version's `validation.by` (CHARTER-R001), whose validator must also be independent;
- an entry of `approvals` on a model, a version, a dataset, a dataset version or a team
  (CHARTER-R002): the sign-off that clears a lowered classification (CHARTER-C001), a relaxed
  declaration (CHARTER-C002), a rewritten team membership (CHARTER-C003), rewritten
  deployments (CHARTER-C020), or a rule counting approvals;
- a waiver's `approved_by` (CHARTER-R002), added or changed in `policies/`, which takes
  effect once merged.
An entry that the base already holds, unchanged at the same place, is not asked again; a
validation is asked again when the change alters what it validated (the version's artifact,
data, evaluation or any field but its stage, deployments, monitoring and notes, or the data
behind a dataset version it names). Nobody who authored or co-authored (`Co-authored-by:`)
a commit of the pull request signs it: GitHub stops only the pull request's author from
approving, and a second account, or a validator who pushed a fix, is not independent.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any

from charter.findings import Finding
from charter.github.reviews import PullRequest, review_reasons, unbacked_reasons
from charter.inventory.diff import Change, EntityChange
from charter.inventory.entities import (
    dataset_refs,
    find_entity,
    iter_entities,
    split_ref,
    teams,
)
from charter.inventory.independence import Independence, login_of
from charter.inventory.integrity import validators
from charter.inventory.membership import everyone
from charter.policy.classification import new_approvals
from charter.policy.evaluate import ENGINE_RULES
from charter.policy.rules import Waiver
from charter.source.yamlsource import KeyPath, SourceMap

VALIDATION_RULE = "CHARTER-R001"
APPROVAL_RULE = "CHARTER-R002"


def claim_findings(pr: PullRequest, change: Change, head: Mapping[str, Any],
                   base: Mapping[str, Any] | None, source: SourceMap, today: dt.date,
                   authors: Mapping[str, tuple[str, ...]] | None = None,
                   wrote: Mapping[str, str] | None = None) -> list[Finding]:
    """A blocking finding for every changed `validation.by` claim and every added
    `approvals` entry the pull request does not back. `wrote`: the team members who
    authored or co-authored the pull request's commits (`writers`); none of them signs it."""
    return [*_validation_findings(pr, change, head, base, source, today, authors or {},
                                  wrote or {}),
            *_approval_findings(pr, change, head, base or {}, source, wrote or {})]


def writers(contributors: Collection[str], head: Mapping[str, Any],
            base: Mapping[str, Any] | None) -> dict[str, str]:
    """login -> git identity, for each team member (of the base or the head) among the
    authors and co-authors of the pull request's commits."""
    people = [m for i in (base if base is not None else head, head) for m in everyone(i)]
    return {login: identity for identity in sorted(contributors)
            if (login := login_of(identity, people)) is not None}


def _wrote_reasons(login: str, wrote: Mapping[str, str]) -> list[str]:
    identity = next((i for who, i in wrote.items() if who.casefold() == login.casefold()),
                    None)
    return [] if identity is None else [
        f"{login} wrote commits of this pull request (as {identity}) and cannot sign it"]


def waiver_findings(pr: PullRequest, old: Iterable[Waiver], new: Iterable[Waiver],
                    wrote: Mapping[str, str] | None = None) -> list[Finding]:
    """A blocking finding for every waiver the head adds or alters whose `approved_by` did
    not approve the pull request at its head commit, or wrote one of its commits."""
    before = {_terms(w) for w in old}
    findings = []
    for waiver in new:
        if _terms(waiver) in before:
            continue
        reasons = [*_wrote_reasons(waiver.approved_by, wrote or {}),
                   *review_reasons(waiver.approved_by, pr)]
        if reasons:
            findings.append(_approval_finding(
                waiver.id, "waiver", None, f"waiver {waiver.id}: approved_by", waiver.approved_by,
                pr, reasons, waiver.file, waiver.line, 1, "approved_by"))
    return findings


def _terms(waiver: Waiver) -> tuple[Any, ...]:
    """What the approver vouches for; where the waiver is written is not part of it."""
    return (waiver.id, waiver.rule, waiver.target, waiver.justification, waiver.approved_by,
            waiver.expires, waiver.granted)


def _validation_findings(pr: PullRequest, change: Change, head: Mapping[str, Any],
                         base: Mapping[str, Any] | None, source: SourceMap, today: dt.date,
                         authors: Mapping[str, tuple[str, ...]],
                         wrote: Mapping[str, str]) -> list[Finding]:
    trusted = base if base is not None else head
    facts = Independence(tuple(i for i in (trusted, head) if i is not None), authors)
    validating = validators(trusted, today)
    findings = []
    claimed = {entity_id for (kind, entity_id), entity_change in change.entities.items()
               if kind == "version" and _claim_changed(entity_change)}
    for entity_id in sorted(claimed | _versions_on_changed_data(change, head)):
        kind = "version"
        entity = find_entity(head, kind, entity_id)
        validation = entity.record.get("validation") if entity else None
        by = validation.get("by") if isinstance(validation, Mapping) else None
        if entity is None or not isinstance(by, str):
            continue
        date = validation.get("date") if isinstance(validation, Mapping) else None
        days = [today.isoformat(), *([str(date)] if date is not None else [])]
        reasons = unbacked_reasons(by, pr, validating, today,
                                   [*facts.conflicts(by, kind, entity.id, days),
                                    *_wrote_reasons(by, wrote)])
        if reasons:
            findings.append(_validation_finding(entity.id, entity.parent or "", entity.path, by,
                                                pr, reasons, source))
    return findings


# Fields of a version beside what its validation vouches for; a change to any other field
# (an unknown one too) leaves a validation that saw something else.
_BESIDE_VALIDATION = frozenset({"stage", "description", "approvals", "deployments",
                                "monitoring", "supersedes", "retired", "documentation"})
# Fields of a dataset version that say which data it is.
_DATA_FIELDS = frozenset({"path", "uri", "sha256", "columns", "format", "rows", "created",
                          "target", "sensitive_features", "derived_from"})


def _claim_changed(change: EntityChange) -> bool:
    """The version's validation is new, rewritten, or kept while what it validated changed."""
    if change.status == "added":
        return True
    return change.status == "modified" and any(
        p.split(".", 1)[0] not in _BESIDE_VALIDATION for p in change.paths)


def _versions_on_changed_data(change: Change, head: Mapping[str, Any]) -> set[str]:
    """Versions of the head that name a dataset version whose data the change redefined:
    their validations were given on other data."""
    redefined = {entity_id for (kind, entity_id), c in change.entities.items()
                 if kind == "dataset" and c.status == "modified"
                 and any(p.split(".", 1)[0] in _DATA_FIELDS for p in c.paths)}
    if not redefined:
        return set()
    return {e.id for e in iter_entities(head) if e.kind == "version"
            and any(ref in redefined for ref, _ in dataset_refs(e.record))}


def _approval_findings(pr: PullRequest, change: Change, head: Mapping[str, Any],
                       base: Mapping[str, Any], source: SourceMap,
                       wrote: Mapping[str, str]) -> list[Finding]:
    findings: list[Finding] = []
    for record_path, subject, subject_kind, model in _approval_records(change, head):
        old, new = _approvals(base, record_path), _approvals(head, record_path)
        added = {id(a) for a in new_approvals(old, new)}
        for index, approval in enumerate(new):
            if id(approval) not in added or not isinstance(approval.get("by"), str):
                continue
            reasons = [*_wrote_reasons(approval["by"], wrote),
                       *review_reasons(approval["by"], pr)]
            if not reasons:
                continue
            where = (*record_path, "approvals", index, "by")
            mark = source.locate(where)
            findings.append(_approval_finding(
                subject, subject_kind, model, f"{subject}: approvals[{index}].by",
                approval["by"], pr, reasons, source.file_of(where), mark.line, mark.column,
                f"approvals[{index}].by"))
    return findings


def _approval_records(change: Change, head: Mapping[str, Any]
                      ) -> list[tuple[KeyPath, str, str, str | None]]:
    """Every record whose `approvals` the change may have written: (path, subject, its kind,
    its model). Teams too: their `approvals` clear a rewritten membership (CHARTER-C003)."""
    found: dict[KeyPath, tuple[KeyPath, str, str, str | None]] = {}
    for (kind, entity_id), entity_change in sorted(change.entities.items()):
        if entity_change.status == "removed":
            continue
        model = entity_id.partition("@")[0] if kind != "dataset" else None
        for record_path, subject, subject_kind in _records(kind, entity_id):
            # a dataset's shared `approvals` is read by each version: asked once
            found.setdefault(record_path, (record_path, subject, subject_kind, model))
    for team in sorted(teams(head)):
        path: KeyPath = ("teams", team)
        found.setdefault(path, (path, f"teams.{team}", "change", None))
    return list(found.values())


def _records(kind: str, entity_id: str) -> list[tuple[KeyPath, str, str]]:
    """Where the entity's `approvals` can be written: (path, subject, subject's kind). A
    dataset version also reads its dataset's shared `approvals`."""
    name, version = split_ref(entity_id)
    if kind == "model":
        return [(("models", entity_id), entity_id, "model")]
    if kind == "version":
        return [(("models", name, "versions", version), entity_id, "version")]
    return [(("datasets", name), name, "dataset"),
            (("datasets", name, "versions", version), entity_id, "dataset")]


def _approvals(inventory: Mapping[str, Any], path: KeyPath) -> list[Mapping[str, Any]]:
    node: Any = inventory
    for key in path:
        node = node.get(key) if isinstance(node, Mapping) else None
    entries = node.get("approvals") if isinstance(node, Mapping) else None
    return [a for a in entries if isinstance(a, Mapping)] if isinstance(entries, list) else []


def _validation_finding(entity_id: str, model: str, path: Sequence[str | int], by: str,
                        pr: PullRequest, reasons: list[str], source: SourceMap) -> Finding:
    _, title, remediation = ENGINE_RULES[VALIDATION_RULE]
    where = (*path, "validation", "by")
    mark = source.locate(where)
    return Finding(
        rule=VALIDATION_RULE, severity="error", entity=entity_id, entity_kind="version",
        message=f"{entity_id}: validation.by {by} is not backed by the pull request's "
                f"reviews: {'; '.join(reasons)}",
        file=source.file_of(where), line=mark.line, column=mark.column, title=title,
        model=model,
        field="validation.by",
        requirement=f"an approval by {by} of the head commit {pr.head_sha[:10]}, from a "
                    "validating team, independent of the pull request's and the version's "
                    "author and of the owning team",
        found="; ".join(reasons), remediation=remediation,
    )


def _approval_finding(entity: str, kind: str, model: str | None, what: str, by: str,
                      pr: PullRequest, reasons: list[str], file: str, line: int, column: int,
                      field: str) -> Finding:
    _, title, remediation = ENGINE_RULES[APPROVAL_RULE]
    return Finding(
        rule=APPROVAL_RULE, severity="error", entity=entity, entity_kind=kind,
        message=f"{what} {by} is not backed by the pull request's reviews: "
                f"{'; '.join(reasons)}",
        file=file, line=line, column=column, title=title, model=model, field=field,
        requirement=f"an approval by {by} of the head commit {pr.head_sha[:10]}, by someone "
                    "other than the pull request's author and its commits' authors",
        found="; ".join(reasons), remediation=remediation,
    )
