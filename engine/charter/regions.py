"""Where a located entry ends: findings point at a key, reports highlight the key's line."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace

from charter.findings import Finding

Read = Callable[[str], bytes | None]


def line_ends(data: bytes) -> list[int]:
    """For each line of the file, the column one past its last character (trailing blanks
    left out)."""
    return [len(line.rstrip()) + 1 for line in data.decode("utf-8", "replace").splitlines()]


def with_line_ends(findings: Iterable[Finding], read: Read) -> tuple[Finding, ...]:
    """Each finding with `end_line`/`end_column` set to the end of the line it points at
    (a finding that has them already keeps them)."""
    ends: dict[str, list[int] | None] = {}
    out = []
    for finding in findings:
        if finding.end_line:
            out.append(finding)
            continue
        if finding.file not in ends:
            data = read(finding.file) if finding.file else None
            ends[finding.file] = None if data is None else line_ends(data)
        found = ends[finding.file]
        if found is None or not 0 < finding.line <= len(found):
            out.append(finding)
            continue
        out.append(ended(finding, found[finding.line - 1]))
    return tuple(out)


def ended(finding: Finding, end: int) -> Finding:
    """The finding with its line's end, `end` (at least its own column)."""
    return replace(finding, end_line=finding.line, end_column=max(end, finding.column))
