"""Where a located entry ends: findings point at a key, reports highlight the key's line."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace

from charter.findings import Finding

Read = Callable[[str], bytes | None]


def with_line_ends(findings: Iterable[Finding], read: Read) -> tuple[Finding, ...]:
    """Each finding with `end_line`/`end_column` set to the end of the line it points at."""
    lines: dict[str, list[str] | None] = {}
    out = []
    for finding in findings:
        if finding.file not in lines:
            data = read(finding.file) if finding.file else None
            lines[finding.file] = None if data is None else data.decode(
                "utf-8", "replace").splitlines()
        text = lines[finding.file]
        if text is None or not 0 < finding.line <= len(text):
            out.append(finding)
            continue
        end = len(text[finding.line - 1].rstrip()) + 1
        out.append(replace(finding, end_line=finding.line,
                           end_column=max(end, finding.column)))
    return tuple(out)
