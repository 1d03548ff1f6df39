"""Findings for people: grouped by model, with severity, rule, file:line, message and fix."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from itertools import groupby

from charter.findings import Finding
from charter.result import CheckResult
from charter.wording import plural

_COLOURS = {"error": "31", "warning": "33", "info": "36", "waived": "35", "pass": "32",
            "fail": "31"}


def _paint(text: str, key: str) -> str:
    return f"\033[{_COLOURS[key]}m{text}\033[0m"


def _plain(text: str, key: str) -> str:
    return text


def render(result: CheckResult, colour: bool = False) -> str:
    """`colour`: the caller knows where the text goes and whether it may carry ANSI codes."""
    paint = _paint if colour else _plain
    lines = [_header(result)]
    lines += [f"note: {note}" for note in result.notes]
    lines += [f"disabled: {rule_id}: {reason}"
              for rule_id, reason in sorted(result.disabled_rules.items())]
    for group, items in groupby(sorted(result.findings, key=_group_key), key=_group):
        lines.append("")
        lines.append(group)
        for finding in items:
            lines += _finding(finding, paint)
    if result.impact is not None:
        lines += ["", *_impact(result)]
    lines += ["", verdict_line(result, colour)]
    return "\n".join(lines) + "\n"


def _group(finding: Finding) -> str:
    if finding.entity_kind == "waiver":
        return "waivers"
    if finding.entity_kind == "dataset":
        return f"dataset {finding.entity.split('@')[0]}"
    if finding.entity_kind == "change":
        return "the change as a whole"
    return f"model {finding.model}"


def _group_key(finding: Finding) -> tuple[str, tuple[object, ...]]:
    return (_group(finding), finding.sort_key())


def _finding(finding: Finding, paint: Callable[[str, str], str]) -> list[str]:
    label = "waived" if finding.waived else finding.severity
    where = f"{finding.file}:{finding.line}:{finding.column}"
    head = f"  {paint(f'{label:<7}', label)} {finding.rule:<12} {where}  {finding.message}"
    out = [head]
    indent = " " * 10
    if finding.waived:
        out.append(f"{indent}waived by {finding.waived_by} (approved by "
                   f"{finding.waiver_approved_by}, expires {finding.waiver_expires}): "
                   f"{finding.waiver_justification}")
    elif finding.remediation:
        out += textwrap.wrap(f"fix: {finding.remediation}", 96, initial_indent=indent,
                             subsequent_indent=indent + "     ")
    return out


def _header(result: CheckResult) -> str:
    base = result.base.label if result.base else "none"
    scope = "every entity" if result.scope == "all" else "the changed entities and what reads them"
    rules = plural(len(result.rules), "rule")
    return (f"charter check: {result.head.label} against {base}; {rules} "
            f"from the {result.policies_from} revision; {scope} ({result.entities_evaluated})")


def _impact(result: CheckResult) -> list[str]:
    impact = result.impact
    assert impact is not None
    judge = "the head's" if result.policies_from == "head" else "the base"
    lines = [f"policy impact (this change edits policies/; {judge} rules judged it):"]
    for label, rules in (("added", impact.rules_added), ("removed", impact.rules_removed),
                         ("modified", impact.rules_modified)):
        if rules:
            lines.append(f"  rules {label}: {', '.join(rules)}")
    for label, items in (("newly failing", impact.newly_failing),
                         ("newly passing", impact.newly_passing)):
        lines.append(f"  {label} under the proposed rules: {len(items)}")
        lines += [f"    {i.rule} {i.entity} ({i.before} → {i.after})" for i in items[:50]]
        if len(items) > 50:
            lines.append(f"    … and {len(items) - 50} more")
    return lines


def verdict_line(result: CheckResult, colour: bool = False) -> str:
    """`PASS: 0 blocking, 1 warning, 0 info, 0 waived`."""
    counts = result.counts
    parts = [f"{counts.blocking} blocking", plural(counts.warnings, "warning"),
             f"{counts.info} info", f"{counts.waived} waived"]
    word = "PASS" if result.verdict == "pass" else "FAIL"
    return f"{(_paint if colour else _plain)(word, result.verdict)}: {', '.join(parts)}"
