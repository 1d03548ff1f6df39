"""What a dossier concludes from the results and the inventory: the rule partition, the
verdict banner, the findings register, the monitoring data's age and the upstream data."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from charter.findings import SEVERITY_ORDER
from charter.inventory.entities import dataset_record
from charter.inventory.membership import team_members
from charter.policy.evaluate import RuleResult
from charter.policy.loader import PolicySet
from charter.report.common import as_date
from charter.report.facts import upstream
from charter.wording import plural

NOT_RECORDED = "not recorded in models.yaml"
OUTCOMES = ("failed", "waived", "passed", "not applicable")
OUTCOME_OF_STATUS = {"fail": "failed", "waived": "waived", "pass": "passed",
                     "skip": "not applicable"}
STATUS_ORDER = {"fail": 0, "waived": 1, "pass": 2, "skip": 3}


def rule_partition(results: Iterable[RuleResult], rule_ids: Iterable[str]
                   ) -> dict[str, list[str]]:
    """Each rule in exactly one outcome: its worst result on the model's entities; a rule
    with no result that passed, failed or was waived does not apply."""
    worst: dict[str, str] = {rule: "skip" for rule in rule_ids}
    for r in results:
        now = worst.get(r.rule, "skip")
        worst[r.rule] = r.status if STATUS_ORDER.get(r.status, 3) < STATUS_ORDER[now] else now
    out: dict[str, list[str]] = {o: [] for o in OUTCOMES}
    for rule, status in sorted(worst.items()):
        out[OUTCOME_OF_STATUS.get(status, "not applicable")].append(rule)
    return out


def ordered_results(rows: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Failures first, then waived, then passed; heavier rules first within each."""
    return sorted(rows, key=lambda r: (STATUS_ORDER.get(r["status"], 9),
                                       SEVERITY_ORDER.get(r["severity"], 9),
                                       r["rule"], r["entity"]))


def grouped_results(rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The ordered rows with one row per rule where its entities share the same outcome and
    nothing is said of any one of them (a passed rule says only its title and references):
    the entities are listed together rather than the same text repeated for each. A row
    with a message of its own (every failed or waived one) stays a row of its own."""
    grouped: list[dict[str, Any]] = []
    for row in ordered_results(rows):
        same = {k: v for k, v in row.items() if k != "entity"}
        last = grouped[-1] if grouped else None
        if (last is not None and not row.get("detail") and last["same"] == same):
            last["entities"].append(row["entity"])
        else:
            grouped.append({**row, "entities": [row["entity"]], "same": same})
    for group in grouped:
        del group["same"]
    return grouped


def banner(results: Iterable[RuleResult]) -> dict[str, Any]:
    """The verdict in words with its counts and names; anything short of clean is not green."""
    blocking, warnings, waived = [], [], []
    for r in results:
        finding = r.finding
        if finding is None or r.status not in ("fail", "waived"):
            continue
        name = f"{r.rule} ({r.entity})"
        if r.status == "waived":
            waived.append(f"{name} under {finding.waived_by}")
        elif finding.blocking:
            blocking.append(name)
        else:
            warnings.append(f"{name}, {finding.severity}")
    if blocking:
        label, css = f"FAIL: {plural(len(blocking), 'blocking finding')} open", "fail"
    elif warnings or waived:
        parts = [plural(len(warnings), "warning")] if warnings else []
        parts += [plural(len(waived), "waived finding")] if waived else []
        label, css = f"PASS with {' and '.join(parts)}", "warn"
    else:
        label, css = "PASS: no finding is open and nothing is waived", "pass"
    return {"label": label, "class": css, "blocking": blocking, "warnings": warnings,
            "waivers": waived}


def register(results: Iterable[RuleResult], policies: PolicySet, inventory: Mapping[str, Any],
             model: Mapping[str, Any], review_due: str | None,
             events: Sequence[Mapping[str, Any]] | None) -> list[dict[str, Any]]:
    """Each open finding (failed or waived): since when, whose, due when, under which rule."""
    rows = []
    for r in results:
        finding = r.finding
        if finding is None or r.status not in ("fail", "waived"):
            continue
        rule = policies.rules.get(r.rule)
        waiver = next((w for w in policies.waivers if w.id == finding.waived_by), None)
        due = (f"{waiver.expires.isoformat()} (waiver {waiver.id} expires)" if waiver
               else f"{review_due} (next periodic review)" if review_due
               else "no due date: no waiver and no periodic review recorded")
        rows.append({
            "rule": r.rule, "entity": r.entity, "status": r.status,
            "severity": finding.severity, "message": finding.message,
            "first_seen": first_seen(events, r.rule, r.entity),
            "owner": _owner(inventory, model, r),
            "due": due,
            "references": "; ".join(rule.references) if rule and rule.references
            else "no reference recorded for the rule",
            "where": f"{finding.file}:{finding.line}"})
    return sorted(rows, key=lambda row: (STATUS_ORDER[row["status"]],
                                         SEVERITY_ORDER.get(row["severity"], 9),
                                         row["rule"], row["entity"]))


def first_seen(events: Sequence[Mapping[str, Any]] | None, rule: str, entity: str) -> str:
    """The date of the first commit whose blocking findings name this rule on this entity,
    as the history replay recorded them."""
    if events is None:
        return "history not available in this run"
    for event in events:  # oldest first
        model, version = event.get("model"), event.get("version")
        if (f"{model}@{version}" if version else model) == entity and any(
                str(f).startswith(f"{rule}:") for f in event.get("findings") or ()):
            return str(event.get("date") or "")[:10]
    return "never blocking in the history"


def _owner(inventory: Mapping[str, Any], model: Mapping[str, Any], result: RuleResult) -> str:
    if result.kind == "dataset":
        record = dataset_record(inventory, result.entity) or {}
        return str(record.get("owner") or NOT_RECORDED)
    return str(model.get("owner") or NOT_RECORDED)


def monitoring_status(inventory: Mapping[str, Any], monitoring: Mapping[str, Any],
                      today: dt.date) -> dict[str, Any]:
    """How old the monitored data is against its cadence, and whether the "current" data is
    only the reference's own source."""
    current, reference = monitoring.get("current"), monitoring.get("reference")
    every = monitoring.get("every_days")
    record = dataset_record(inventory, str(current)) if current else None
    created = as_date((record or {}).get("created"))
    age = (today - created).days if created else None
    stale = bool(age is not None and isinstance(every, int) and age > every)
    flags = []
    if current and record is None:
        flags.append(f"the current data {current} is not in models.yaml")
    elif current and created is None:
        flags.append(f"the current data {current} records no creation date: its age is unknown")
    if stale:
        flags.append(f"STALE: the current data {current} is {age} days old ({_months(age)}), "
                     f"against a cadence of {every} days")
    sources = _sources(inventory, str(reference)) if reference else set()
    if current and (current == reference or current in sources):
        flags.append(f"NOT CURRENT DATA: {current} is the reference's own "
                     f"{'data' if current == reference else 'source'}, not production data")
    return {"current": current, "reference": reference, "every_days": every,
            "created": created.isoformat() if created else None, "age_days": age,
            "stale": stale, "flags": flags}


def _months(days: int | None) -> str:
    return f"about {round((days or 0) / 30.44)} months"


def _sources(inventory: Mapping[str, Any], ref: str) -> set[str]:
    return {s for s in upstream(inventory, [ref]) if s != ref}


def independence(inventory: Mapping[str, Any], model: Mapping[str, Any],
                 validator: Any, author: Any) -> str:
    """Whether the validator is in a validating team and outside the owning team."""
    if not validator:
        return "no validator recorded"
    teams = inventory.get("teams") or {}
    validating = [n for n, t in teams.items() if isinstance(t, Mapping) and t.get("validates")
                  and validator in {m.login for m in team_members(t)}]
    owning = {m.login for m in team_members(teams.get(model.get("owner")) or {})}
    if validator in owning or validator == author:
        return "not independent: the validator belongs to the owning team or wrote the version"
    if not validating:
        return "not shown: the validator is in no validating team"
    return f"independent ({validating[0]}, outside the owning team)"


def days_left(expires: Any, today: dt.date) -> str:
    day = as_date(expires)
    if day is None:
        return "no expiry recorded"
    left = (day - today).days
    return f"{left} days left" if left >= 0 else f"expired {-left} days ago"
