"""Fields that classify risk, judged at the stricter of base and head.

A pull request that lowers a model's `risk_tier`, clears a dataset's `contains_pii` or drops a
regulatory tag must not make the rules that applied yesterday vanish in the same pull
request. Rules therefore see such fields at the stricter of the base and head values (and,
for fields without an order, at each of them), and lowering one is a change of its own that
needs an approval from someone who may approve it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from charter.findings import Finding
from charter.inventory.diff import Change
from charter.inventory.entities import dataset_record, datasets, models, split_ref, teams
from charter.inventory.membership import team_members as members_of
from charter.source.yamlsource import KeyPath, SourceMap

# The built-in classification fields, per record kind, and how they order.
RISK_TIERS = ("low", "medium", "high")
BUILT_IN: dict[str, dict[str, str]] = {
    "model": {"risk_tier": "tier", "regulation": "set", "task": "value"},
    "dataset": {"contains_pii": "flag", "pii_columns": "set"},
}


@dataclass(frozen=True)
class Lowering:
    """A classification field whose head value is less strict than the base's."""

    field: str
    old: Any
    new: Any

    def describe(self) -> str:
        if isinstance(self.old, list) and isinstance(self.new, list | None):
            gone = [item for item in self.old if item not in (self.new or [])]
            return f"{self.field} lost {', '.join(map(str, gone))}"
        return f"{self.field} lowered from {_show(self.old)} to {_show(self.new)}"


def classification_fields(kind: str, *settings: Mapping[str, Any] | None) -> dict[str, str]:
    """The fields that classify `kind` (model | dataset): built in, plus those named in the
    `settings.classification` of any given revision (base and head: a PR cannot drop one)."""
    fields = dict(BUILT_IN.get(kind, {}))
    for found in settings:
        extra = (found or {}).get("classification")
        named = extra.get(kind) if isinstance(extra, Mapping) else None
        for name in named if isinstance(named, list) else []:
            if isinstance(name, str):
                fields.setdefault(name, "infer")
    return fields


def _kind_of(declared: str, old: Any, new: Any) -> str:
    if declared != "infer":
        return declared
    if isinstance(old, bool) or isinstance(new, bool):
        return "flag"
    if isinstance(old, list) or isinstance(new, list):
        return "set"
    return "value"


def _rank(value: Any) -> int | None:
    return RISK_TIERS.index(value) if value in RISK_TIERS else None


def stricter(declared: str, old: Any, new: Any) -> tuple[Any, ...]:
    """The values a rule must be judged at: the stricter one, or both when unordered."""
    kind = _kind_of(declared, old, new)
    if old == new or old is None:
        return (new,)
    if kind == "tier" and _rank(old) is not None and _rank(new) is not None:
        return (old if _rank(old) > _rank(new) else new,)  # type: ignore[operator]
    if kind == "flag" and isinstance(old, bool) and isinstance(new, bool | None):
        return (old or bool(new),)
    if kind == "set" and isinstance(old, list) and isinstance(new, list | None):
        head = list(new or [])
        return ([*head, *(item for item in old if item not in head)],)
    return (new, old)


def lowered(declared: str, old: Any, new: Any) -> bool:
    """True when `new` is less strict than `old` (an unordered change counts as lowering)."""
    if old == new or old is None:
        return False
    kind = _kind_of(declared, old, new)
    if kind == "tier" and _rank(old) is not None and _rank(new) is not None:
        return _rank(new) < _rank(old)  # type: ignore[operator]
    if kind == "flag" and isinstance(old, bool):
        return old and new is not True
    if kind == "set" and isinstance(old, list):
        return any(item not in (new if isinstance(new, list) else []) for item in old)
    return True


def lowerings(fields: Mapping[str, str], old: Mapping[str, Any],
              new: Mapping[str, Any]) -> list[Lowering]:
    return [Lowering(name, old.get(name), new.get(name)) for name, declared in fields.items()
            if lowered(declared, old.get(name), new.get(name))]


def strict_views(fields: Mapping[str, str], old: Mapping[str, Any] | None,
                 new: Mapping[str, Any]) -> list[dict[str, Any]]:
    """`new` with its classification fields at the stricter of `old` and `new`.

    One view when every changed field has an order; otherwise one with the head's value and
    one with the base's for the unordered fields. An empty list: nothing changed, `new`
    stands as it is.
    """
    if old is None:
        return []
    choices = {name: stricter(declared, old.get(name), new.get(name))
               for name, declared in fields.items() if old.get(name) != new.get(name)}
    if not choices:
        return []
    return [_with(new, picked) for picked in _combinations(choices)]


def _combinations(choices: Mapping[str, tuple[Any, ...]]) -> Iterator[dict[str, Any]]:
    widest = max(len(values) for values in choices.values())
    for i in range(widest):  # head values, then base values, of the unordered fields
        yield {name: values[min(i, len(values) - 1)] for name, values in choices.items()}


def _with(record: Mapping[str, Any], values: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(record)
    for name, value in values.items():
        if value is None:
            out.pop(name, None)
        else:
            out[name] = value
    return out


def new_approvals(old: Iterable[Any] | None, new: Iterable[Any] | None) -> list[Mapping[str, Any]]:
    """Approval entries the head adds to a record's `approvals`."""
    before = [a for a in old or [] if isinstance(a, Mapping)]
    return [a for a in new or [] if isinstance(a, Mapping) and a not in before]


def _show(value: Any) -> str:
    return "nothing" if value is None else str(value)



def lowering_findings(base: Mapping[str, Any], head: Mapping[str, Any], source: SourceMap,
                      change: Change, approvers: set[str], today: dt.date) -> list[Finding]:
    """CHARTER-C001 for each model or dataset whose classification the change lowers
    without a new approval by a validator outside the owning team; and for each added model,
    dataset version or version that continues a base one (the same bytes) at a lower one."""
    settings = (_mapping(base.get("settings")), _mapping(head.get("settings")))
    findings: dict[KeyPath, Finding] = {}
    for (kind, entity_id), entry in sorted(change.entities.items()):
        if entry.status == "modified" and kind != "version":
            pairs = [(entity_id, entity_id)]
        elif entry.status == "added" and (kind, entity_id) in change.twins and not (
                kind == "version" and ("model", split_ref(entity_id)[0]) in change.twins):
            pairs = [(twin, entity_id) for twin in change.twins[(kind, entity_id)]]
        else:
            continue
        for was, now in pairs:
            found = _lowered_pair(base, head, kind, was, now, settings, approvers, today)
            if found is not None:
                path = _location(kind, now, found[0][0].field, head)
                findings.setdefault(path, _finding(now, kind, path, *found, source,
                                                   was if was != now else None))
    return list(findings.values())


def _lowered_pair(base: Mapping[str, Any], head: Mapping[str, Any], kind: str, was: str,
                  now: str, settings: tuple[Mapping[str, Any], ...], approvers: set[str],
                  today: dt.date) -> tuple[list[Lowering], set[str]] | None:
    """What `now` on the head lowers of `was` on the base, and the owners, when no new
    approval covers it (a version is judged by its model's classification)."""
    judged = "model" if kind == "version" else kind
    old = _record(base, judged, split_ref(was)[0] if kind == "version" else was)
    new = _record(head, judged, split_ref(now)[0] if kind == "version" else now)
    if old is None or new is None:
        return None
    found = lowerings(classification_fields(judged, *settings), old, new)
    if not found:
        return None
    owners = team_members(base, old.get("owner")) | team_members(head, new.get("owner"))
    added = [a for old_list, new_list in _approval_lists(base, head, kind, was, now)
             for a in new_approvals(old_list, new_list)]
    if any(approves(a, approvers, owners, today) for a in added):
        return None
    return found, owners


def strict_records(base: Mapping[str, Any], head: Mapping[str, Any], change: Change,
                   kind: str, entity_id: str, version: str | None = None
                   ) -> list[dict[str, Any]]:
    """The head's record of a model or dataset version with its classifications at the
    stricter of the head and what it was on the base: itself when the change modified it,
    what it continues when it is new (`Change.twins`). For a model seen from one of its
    versions (`version`), also the models of what that version continues."""
    records = []
    if change.status((kind, entity_id)) == "modified":
        records.append(_record(base, kind, entity_id))
    records += [_record(base, kind, twin) for twin in change.twins.get((kind, entity_id), ())]
    if version is not None:
        records += [_record(base, "model", split_ref(twin)[0])
                    for twin in change.twins.get(("version", version), ())]
    if not any(old is not None for old in records):
        return []  # nothing on the base to be stricter than (most entities): no look-up
    new = _record(head, kind, entity_id)
    if new is None:
        return []
    fields = classification_fields(kind, _mapping(base.get("settings")),
                                   _mapping(head.get("settings")))
    return [{k: v for k, v in view.items() if k != "versions"}
            for old in records if old is not None for view in strict_views(fields, old, new)]


def _record(inventory: Mapping[str, Any], kind: str, entity_id: str) -> Mapping[str, Any] | None:
    found = models(inventory).get(entity_id) if kind == "model" else dataset_record(
        inventory, entity_id)
    return found if isinstance(found, Mapping) else None


def _approval_lists(base: Mapping[str, Any], head: Mapping[str, Any], kind: str,
                    was: str, now: str) -> list[tuple[Any, Any]]:
    """(base, head) `approvals` of the record, and of a dataset version's dataset, or of a
    version's model."""
    def approvals(inventory: Mapping[str, Any], *path: str) -> Any:
        node: Any = inventory
        for key in path:
            node = _mapping(node).get(key)
        return _mapping(node).get("approvals")

    def paths(entity_id: str) -> list[tuple[str, ...]]:
        name, version = split_ref(entity_id)
        if kind == "model":
            return [("models", entity_id)]
        section = "datasets" if kind == "dataset" else "models"
        return [(section, name), (section, name, "versions", version)]

    return [(approvals(base, *a), approvals(head, *b))
            for a, b in zip(paths(was), paths(now), strict=True)]


def approves(approval: Mapping[str, Any], approvers: set[str], owners: set[str],
              today: dt.date) -> bool:
    by, date = approval.get("by"), approval.get("date")
    when = date if isinstance(date, dt.date) else _parse_date(date)
    return (isinstance(by, str) and by in approvers and by not in owners
            and when is not None and when <= today)


def _parse_date(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def team_members(inventory: Mapping[str, Any], team: Any) -> set[str]:
    record = teams(inventory).get(team) if isinstance(team, str) else None
    members = _mapping(record).get("members")
    return {m if isinstance(m, str) else str(_mapping(m).get("id"))
            for m in members if isinstance(m, str | Mapping)} if isinstance(
        members, list) else set()


def _location(kind: str, entity_id: str, name: str, head: Mapping[str, Any]) -> KeyPath:
    """Where the lowered field is written: a dataset's shared field, or the record's own."""
    if kind == "model":
        return ("models", entity_id, name)
    if kind == "version":  # the version's model holds the field
        return ("models", split_ref(entity_id)[0], name)
    dataset, version = split_ref(entity_id)
    own = _mapping(_mapping(_mapping(datasets(head).get(dataset)).get("versions")).get(version))
    if name in own:
        return ("datasets", dataset, "versions", version, name)
    return ("datasets", dataset, name)


def _finding(entity_id: str, kind: str, path: KeyPath, found: list[Lowering],
             owners: set[str], source: SourceMap, twin: str | None) -> Finding:
    severity, title, remediation = LOWERING_RULE
    subject = entity_id if kind in ("model", "version") else (
        entity_id if len(path) > 3 or twin else split_ref(entity_id)[0])
    where = "the dataset" if kind == "dataset" else "the model"
    owned = f" outside {', '.join(sorted(owners))}" if owners else ""
    was = f" holds {_CONTINUES[kind]} as {twin} on the base, so" if twin else ""
    message = (f"{subject}:{was} {'; '.join(item.describe() for item in found)} without an "
               f"approval: add to {where}'s `approvals` an entry {{by, date}} by a "
               f"validator{owned}")
    mark = source.locate(path)
    return Finding(rule=LOWERING_RULE_ID, severity=severity, entity=subject,
                   entity_kind=kind if kind != "dataset" else "dataset", message=message,
                   file=source.file_of(path), line=mark.line, column=mark.column, title=title,
                   model=split_ref(entity_id)[0] if kind != "dataset" else None,
                   field=found[0].field, remediation=remediation)


_CONTINUES = {"dataset": "the same data", "version": "the same artifact",
              "model": "the same artifacts"}


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


LOWERING_RULE_ID = "CHARTER-C001"
LOWERING_RULE = (
    "error", "Risk classification lowered without an approval",
    "Lowering a model's risk tier, removing a regulatory tag, changing its task, or clearing "
    "a dataset's PII facts changes which rules apply. So does giving the same data, or the "
    "same model artifact, a new name with lower ones: a renamed or copied record continues "
    "what it was. In the pull request that does it, "
    "rules still judge at the stricter of the old and new values, and the change needs a new "
    "entry in the record's `approvals` ({by, date}) by a member of a validating team on the "
    "base revision who is not in the owning team.")


# Team membership is history: validations and approvals are judged against the teams as they
# were on their dates, so a change must not shrink the membership of days already past.
MEMBERSHIP_RULE_ID = "CHARTER-C003"
MEMBERSHIP_RULE = (
    "error", "Past team membership rewritten without an approval",
    "Independence is judged against the teams as they were on each validation's and "
    "approval's date: a person who leaves a team keeps their past membership (`until: DATE`). "
    "Deleting a member, renaming their login (a look-alike spelling, an invisible character: "
    "another login to Charter, the same to a reviewer), giving them a later `since` or an "
    "earlier recorded `until`, or deleting a team would rewrite who "
    "was independent of what, and leave no trace. Set `until` to their last day instead; "
    "correcting a wrong entry needs a new entry in the team's `approvals` ({by, date}) by a "
    "member of a validating team on the base revision who is not in the team.")


def membership_findings(base: Mapping[str, Any], head: Mapping[str, Any], source: SourceMap,
                        approvers: set[str], today: dt.date) -> list[Finding]:
    """CHARTER-C003 for each team whose membership of a past day the change removes."""
    old_teams, new_teams = teams(base), teams(head)
    if old_teams == new_teams:
        return []
    findings = []
    for name, old in sorted(old_teams.items()):
        new = new_teams.get(name)
        if new == old:
            continue
        lost = _lost_days(old, new, today)
        if not lost:
            continue
        members = team_members(base, name) | team_members(head, name)
        added = new_approvals(_mapping(old).get("approvals"), _mapping(new).get("approvals"))
        if any(approves(a, approvers, members, today) for a in added):
            continue
        findings.append(_membership_finding(name, lost, new is not None, source))
    return findings


def _lost_days(old: Any, new: Any, today: dt.date) -> list[str]:
    """The logins whose membership of a day up to `today` the head no longer records: one
    that vanishes or is spelt anew, and one whose `since` moves later (or appears) or whose
    recorded `until` moves earlier, which would make a past validation independent. A
    leave recorded late (`until` set on an open membership) is a dated statement in the
    team's record, and passes."""
    before, after = members_of(old), members_of(new)
    lost = []
    for login in dict.fromkeys(m.login for m in before):
        mine = [m for m in before if m.login == login]
        kept = [m for m in after if m.login == login]
        gone = _minus(_days(mine, today), _days(kept, today))
        for left in _late_leaves(mine, kept, today):
            gone = _minus(gone, [left])
        if gone:
            lost.append(login)
    return lost


Days = list[tuple[dt.date, dt.date]]  # inclusive spans


def _days(members: list[Any], today: dt.date) -> Days:
    """The days up to `today` the entries of one login cover."""
    spans = []
    for member in members:
        start = _parse_date(member.since) if member.since else dt.date.min
        end = _parse_date(member.until) if member.until else today
        if start is None or end is None:
            continue  # not a date: the schema says so
        end = min(end, today)
        if start <= end:
            spans.append((start, end))
    return spans


def _minus(spans: Days, taken: Days) -> Days:
    """The days of `spans` that no span of `taken` covers."""
    left = list(spans)
    for low, high in taken:
        rest: Days = []
        for start, end in left:
            if end < low or start > high:
                rest.append((start, end))
                continue
            if start < low:
                rest.append((start, low - dt.timedelta(days=1)))
            if end > high:
                rest.append((high + dt.timedelta(days=1), end))
        left = rest
    return left


def _late_leaves(before: list[Any], after: list[Any], today: dt.date) -> Days:
    """The days after a leave the head records on a membership the base had open."""
    found = []
    for was in before:
        for now in after:
            end = _parse_date(now.until) if now.until else None
            if was.until is None and now.since == was.since and end is not None and end < today:
                found.append((end + dt.timedelta(days=1), today))
    return found


def _membership_finding(team: str, lost: list[str], kept: bool,
                        source: SourceMap) -> Finding:
    severity, title, remediation = MEMBERSHIP_RULE
    path: KeyPath = ("teams", team) if kept else ("teams",)
    what = "" if kept else " (the team was deleted)"
    message = (f"team {team}{what}: the change deletes the past membership of "
               f"{', '.join(map(repr, lost))} without an approval: set `until` to the last day "
               "instead, "
               "or add to the team's `approvals` an entry {by, date} by a validator outside it")
    mark = source.locate(path)
    return Finding(rule=MEMBERSHIP_RULE_ID, severity=severity, entity=f"teams.{team}",
                   entity_kind="change",
                   message=message, file=source.file_of(path), line=mark.line,
                   column=mark.column, title=title, remediation=remediation)
