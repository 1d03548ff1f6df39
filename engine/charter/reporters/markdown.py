"""A Markdown summary for people: the verdict first, then what blocks, what warns, what is waived.

It is written to fit GitHub's step summary (1 MiB per step) however many findings there are:
tables are cut at a row limit and a byte budget, and the tail is summarised by rule.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from urllib.parse import quote

from charter.findings import Finding
from charter.result import CheckResult, Impact, ImpactItem
from charter.wording import plural

SUMMARY_LIMIT = 1024 * 1024  # GitHub's limit for one step's summary, in bytes
MAX_ROWS = 100
MAX_CELL = 600
_MARKUP = re.compile(r"([\\`*_\[\]|~#])")


def render(result: CheckResult, limit: int = SUMMARY_LIMIT) -> str:
    budget = _Budget(limit - 16 * 1024)  # headroom for the reports and the closing lines
    parts = [_verdict(result), _overview(result)]
    parts += [f"> **Note:** {cell(note)}\n" for note in result.notes]
    active = sorted((f for f in result.findings if not f.waived), key=Finding.sort_key)
    blocking = [f for f in active if f.blocking]
    others = [f for f in active if not f.blocking]
    waived = sorted((f for f in result.findings if f.waived), key=Finding.sort_key)
    link = _linker(result)
    if blocking:
        parts.append(_table(f"Blocking findings ({len(blocking)})",
                            ["Rule", "Entity", "Where", "Finding"], blocking,
                            lambda f: [code(f.rule), code(f.entity), link(f), _what(f)], budget))
    if others:
        parts.append(_table(f"Warnings and notes ({len(others)})",
                            ["Severity", "Rule", "Entity", "Where", "Finding"], others,
                            lambda f: [f.severity, code(f.rule), code(f.entity), link(f),
                                       _what(f)], budget))
    if waived:
        parts.append(_table(f"Waivers in use ({len(waived)})",
                            ["Waiver", "Rule", "Entity", "Approved by", "Expires",
                             "Justification"], waived,
                            lambda f: [code(f.waived_by or ""), code(f.rule), code(f.entity),
                                       cell(f.waiver_approved_by), f.waiver_expires,
                                       cell(f.waiver_justification)], budget))
    if result.impact is not None:
        parts.append(_impact(result.impact, result.policies_from, budget))
    if result.disabled_rules:
        parts.append(_disabled(result.disabled_rules, budget))
    parts.append(_reports(result))
    return "\n".join(parts)


def _disabled(disabled: Mapping[str, str], budget: _Budget) -> str:
    lines = [f"### Pack rules disabled ({len(disabled)})", "", "| Rule | Justification |",
             "|---|---|"]
    for rule, why in sorted(disabled.items()):
        row = f"| {code(rule)} | {cell(why)} |"
        if not budget.take(row):
            lines.append(f"| … | {len(disabled)} in all |")
            break
        lines.append(row)
    return "\n".join(lines) + "\n"


class _Budget:
    def __init__(self, limit: int) -> None:
        self.left = limit

    def take(self, text: str) -> bool:
        size = len(text.encode())
        if size > self.left:
            return False
        self.left -= size
        return True


def cell(text: str) -> str:
    """Text from the checked repository, made inert inside a table cell."""
    if len(text) > MAX_CELL:
        text = text[:MAX_CELL] + "…"
    text = _MARKUP.sub(r"\\\1", html.escape(text, quote=False))
    return text.replace("\r", "").replace("\n", "<br>")


def code(text: str) -> str:
    return f"`{text}`" if "`" not in text and "|" not in text and text else cell(text)


def _verdict(result: CheckResult) -> str:
    counts = result.counts
    if result.verdict == "pass":
        return "## ✅ Charter: pass\n"
    noun = "finding" if counts.blocking == 1 else "findings"
    return f"## ❌ Charter: fail — {counts.blocking} blocking {noun}\n"


def _overview(result: CheckResult) -> str:
    counts = result.counts
    base = result.base.label if result.base else "none"
    scope = "every entity" if result.scope == "all" else "the changed entities and what reads them"
    warnings, rules = plural(counts.warnings, "warning"), plural(len(result.rules), "rule")
    return (f"**{counts.blocking} blocking** · {warnings} · {counts.info} info · "
            f"{counts.waived} waived\n\n{cell(result.head.label)} against {cell(base)}; "
            f"{rules} from the {result.policies_from} revision; {scope} "
            f"({result.entities_evaluated}); evaluated on {result.today.isoformat()}.\n")


def _what(finding: Finding) -> str:
    text = cell(finding.message)
    if finding.remediation:
        text += f"<br>**Fix:** {cell(finding.remediation)}"
    return text


def _linker(result: CheckResult) -> Callable[[Finding], str]:
    blob = result.links.get("blob")

    def where(finding: Finding) -> str:
        label = f"{finding.file}:{finding.line}"
        if not blob or not finding.file or finding.file.startswith("<"):
            return code(label)
        return f"[{cell(label)}]({blob}/{quote(finding.file)}#L{finding.line})"

    return where


def _table(title: str, header: list[str], items: Sequence[Finding],
           row: Callable[[Finding], list[str]], budget: _Budget) -> str:
    lines = [f"### {title}", "", "| " + " | ".join(header) + " |",
             "|" + "---|" * len(header)]
    budget.take("\n".join(lines))
    shown = 0
    for item in items[:MAX_ROWS]:
        line = "| " + " | ".join(row(item)) + " |"
        if not budget.take(line + "\n"):
            break
        lines.append(line)
        shown += 1
    rest = items[shown:]
    if rest:
        lines += ["", _tail(rest)]
    return "\n".join(lines) + "\n"


def _tail(rest: Sequence[Finding]) -> str:
    by_rule = Counter(f.rule for f in rest).most_common()
    listed = ", ".join(f"{code(rule)} ×{n}" for rule, n in by_rule[:10])
    more = f" and {len(by_rule) - 10} more rules" if len(by_rule) > 10 else ""
    return (f"… and {len(rest)} more not shown here ({listed}{more}); the SARIF, JUnit and "
            "JSON reports list every finding.")


def _impact(impact: Impact, policies_from: str, budget: _Budget) -> str:
    lines = ["### Policy impact", "",
             f"This change edits `policies/`. The rules of the {policies_from} "
             "revision judged it; under the proposed rules:", ""]
    for label, rules in (("Rules added", impact.rules_added),
                         ("Rules removed", impact.rules_removed),
                         ("Rules modified", impact.rules_modified)):
        if rules:
            lines.append(f"- {label}: {', '.join(code(r) for r in rules)}")
    for label, items in (("Newly failing", impact.newly_failing),
                         ("Newly passing", impact.newly_passing)):
        lines.append(f"- {label}: {len(items)}")
        lines += _impact_items(items, budget)
    return "\n".join(lines) + "\n"


def _impact_items(items: Sequence[ImpactItem], budget: _Budget) -> list[str]:
    lines = []
    for item in items[:MAX_ROWS]:
        line = f"  - {code(item.rule)} {code(item.entity)} ({item.before} → {item.after})"
        if not budget.take(line + "\n"):
            break
        lines.append(line)
    if len(items) > len(lines):
        lines.append(f"  - … and {len(items) - len(lines)} more")
    return lines


def _reports(result: CheckResult) -> str:
    lines = ["### Reports", ""]
    run = result.links.get("run")
    if result.reports:
        where = f" (attached to [this run]({run}) as artifacts)" if run else ""
        lines.append(f"Written by this check{where}:")
        lines.append("")
        lines += [f"- {code(path)}" for path in result.reports]
    else:
        lines.append("No report files were written by this check (`--format NAME=PATH`).")
    scanning = result.links.get("code_scanning")
    if scanning:
        lines += ["", f"Findings in code scanning: [{cell(scanning)}]({scanning})"]
    return "\n".join(lines) + "\n"
