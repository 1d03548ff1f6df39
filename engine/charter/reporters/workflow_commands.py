"""GitHub Actions workflow commands: one annotation per finding, most severe first.

GitHub shows at most ten annotations of each type per step, so the rest are counted in one
notice instead of being dropped silently. Values are escaped as the Actions toolkit does, so
text from the checked repository can neither end a command nor start a new one.
"""

from __future__ import annotations

from charter.findings import Finding
from charter.result import CheckResult
from charter.wording import plural

MAX_PER_TYPE = 10
_TYPES = ("error", "warning", "notice")
_TYPE_OF_SEVERITY = {"error": "error", "warning": "warning", "info": "notice"}


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(name: str, message: str, properties: dict[str, str | int] | None = None) -> str:
    props = ",".join(f"{key}={escape_property(str(value))}"
                     for key, value in (properties or {}).items() if value not in ("", 0))
    return f"::{name}{' ' + props if props else ''}::{escape_data(message)}"


def annotation_type(finding: Finding) -> str:
    return "notice" if finding.waived else _TYPE_OF_SEVERITY.get(finding.severity, "notice")


def annotate(finding: Finding) -> str:
    properties: dict[str, str | int] = {"file": finding.file, "line": finding.line,
                                        "endLine": finding.end_line or finding.line,
                                        "col": finding.column, "endColumn": finding.end_column,
                                        "title": _title(finding)}
    if finding.file.startswith("<"):
        properties = {"title": properties["title"]}
    return command(annotation_type(finding), _message(finding), properties)


def _title(finding: Finding) -> str:
    state = f"waived by {finding.waived_by}" if finding.waived else finding.severity
    return f"{finding.rule} ({state}): {finding.title or finding.entity}"


def _message(finding: Finding) -> str:
    lines = [finding.message]
    if finding.waived:
        lines.append(f"Waived by {finding.waived_by} (approved by {finding.waiver_approved_by}, "
                     f"expires {finding.waiver_expires}): {finding.waiver_justification}")
    elif finding.remediation:
        lines.append(f"Fix: {finding.remediation}")
    return "\n".join(lines)


def select(findings: tuple[Finding, ...]) -> tuple[list[Finding], list[Finding]]:
    """The findings to annotate, most severe first, and those left over."""
    buckets: dict[str, list[Finding]] = {t: [] for t in _TYPES}
    for finding in sorted(findings, key=Finding.sort_key):
        buckets[annotation_type(finding)].append(finding)
    overflow = any(len(items) > MAX_PER_TYPE for items in buckets.values())
    shown: list[Finding] = []
    hidden: list[Finding] = []
    for kind in _TYPES:
        # one notice slot is kept for the count of what is not shown
        room = MAX_PER_TYPE - 1 if kind == "notice" and overflow else MAX_PER_TYPE
        shown += buckets[kind][:room]
        hidden += buckets[kind][room:]
    return shown, hidden


def render(result: CheckResult) -> str:
    shown, hidden = select(result.findings)
    counts = result.counts
    lines = [f"::group::Charter: {result.verdict}, {counts.blocking} blocking, "
             f"{plural(counts.warnings, 'warning')}, {counts.info} info, {counts.waived} waived"]
    lines += [annotate(f) for f in shown]
    if hidden:
        kinds = {t: sum(annotation_type(f) == t for f in hidden) for t in _TYPES}
        detail = ", ".join(f"{n} {t}{'s' if n != 1 else ''}" for t, n in kinds.items() if n)
        lines.append(command("notice", f"{len(hidden)} more findings are not annotated "
                             f"({detail}): GitHub shows {MAX_PER_TYPE} annotations of each type "
                             "per step. The step summary and the reports list every finding.",
                             {"title": "Charter: more findings"}))
    lines.append("::endgroup::")
    return "\n".join(lines) + "\n"
