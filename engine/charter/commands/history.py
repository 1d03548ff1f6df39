"""`charter history`: the audit trail of the inventory, replayed from git."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

import click

from charter.errors import EXIT_BLOCKED, EXIT_PASS
from charter.history import Timeline, TimelineEvent, build_timeline


@dataclass(frozen=True)
class HistoryOptions:
    root: Path
    model: str | None = None
    since: dt.date | None = None
    ref: str = "HEAD"
    output_format: str = "text"
    in_production_on: dt.date | None = None
    ever_in_production: bool = False
    fail_on_violations: bool = False
    use_cache: bool = True


def run_history(options: HistoryOptions) -> int:
    timeline = build_timeline(options.root, options.model, options.since, options.ref,
                              use_cache=options.use_cache)
    if options.output_format == "json":
        click.echo(json.dumps(_document(timeline, options), indent=2))
    elif options.in_production_on is not None:
        click.echo(_production_on_text(timeline, options.in_production_on), nl=False)
    elif options.ever_in_production:
        click.echo(_ever_text(timeline), nl=False)
    else:
        click.echo(render_text(timeline), nl=False)
    if options.fail_on_violations and timeline.violations():
        return EXIT_BLOCKED
    return EXIT_PASS


def _document(timeline: Timeline, options: HistoryOptions) -> dict[str, object]:
    document = timeline.as_dict()
    if options.in_production_on is not None:
        document["in_production_on"] = {
            "date": options.in_production_on.isoformat(),
            "versions": timeline.in_production_on(options.in_production_on)}
    return document


def render_text(timeline: Timeline) -> str:
    scope = f" of {timeline.model}" if timeline.model else ""
    since = f" since {timeline.since.isoformat()}" if timeline.since else ""
    violations = timeline.violations()
    lines = [f"History{scope} on {timeline.ref} ({(timeline.head or '')[:10]}){since}: "
             f"{len(timeline.events)} events, {sum(len(e.violations) for e in violations)} "
             "rule breaks found after the fact", ""]
    for event in timeline.events:
        lines += _event_lines(event)
    if timeline.unreadable:
        lines += ["", "Commits that could not be read:"]
        lines += [f"  {u.commit[:10]} {u.date[:10]}  {u.reason}" for u in timeline.unreadable]
    lines += ["", f"Ever in production: {', '.join(timeline.ever_in_production()) or 'none'}"]
    lines += [f"note: {n}" for n in timeline.notes]
    return "\n".join(lines) + "\n"


def _event_lines(event: TimelineEvent) -> list[str]:
    pr = f"#{event.pr}" if event.pr is not None else "-"
    verdict = event.verdict.upper()
    head = (f"{event.date[:10]}  {event.commit[:8]}  {pr:>6}  {event.author:<16.16}  "
            f"{event.kind:<15} {event.detail}  [{verdict}]")
    lines = [head]
    lines += [f"{'':>12}! {v}" for v in event.violations]
    if event.verdict == "fail":
        lines += [f"{'':>12}✗ {f}" for f in event.findings[:5]]
    return lines


def _production_on_text(timeline: Timeline, day: dt.date) -> str:
    versions = timeline.in_production_on(day)
    lines = [f"In production on {day.isoformat()} ({timeline.ref}):"]
    lines += [f"  {v}" for v in versions] or ["  nothing"]
    return "\n".join(lines) + "\n"


def _ever_text(timeline: Timeline) -> str:
    periods = timeline.production_periods()
    lines = [f"Ever in production ({timeline.ref}):"]
    for version in timeline.ever_in_production():
        spans = ", ".join(f"{a[:10]} → {b[:10] if b else 'now'}"
                          for a, b in periods.get(version, [])) or (
            "deployed before this history begins (see its deployments)")
        lines.append(f"  {version:<32} {spans}")
    if len(lines) == 1:
        lines.append("  nothing")
    return "\n".join(lines) + "\n"
