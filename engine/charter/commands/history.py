"""`charter history`: the audit trail of the inventory, replayed from git."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from pathlib import Path

import click

from charter.errors import EXIT_BLOCKED, EXIT_PASS, CharterError
from charter.gate.ledger import ledger_at
from charter.history import Timeline, TimelineEvent, build_timeline, require_since_in_history
from charter.history.timeline import RECORDS, Period
from charter.inventory.entities import datasets, models
from charter.inventory.snapshot import load_snapshot
from charter.reporters.indented_json import dumps_indented
from charter.suggest import did_you_mean
from charter.vcs import git
from charter.vcs.revisions import Revision


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
    authors_from: str | None = None  # "github": pull request authors and mergers from the API
    repository: str | None = None
    github_api: str | None = None


def run_history(options: HistoryOptions) -> int:
    _require_history(options.root, options.ref)
    everything = build_timeline(options.root, None, None, options.ref,
                                use_cache=options.use_cache, ledger_at=ledger_at(options.root))
    require_since_in_history(everything, options.since)
    if options.model is not None:
        _require_known(everything, options.root, options.model)
    timeline = everything.filtered(options.model, options.since)
    if options.authors_from == "github":
        timeline = _with_github_people(timeline, options)
    if options.output_format == "json":
        # the text json.dumps(..., indent=2) gives, written several times faster
        click.echo(dumps_indented(_document(timeline, options), indent=2, default=_unencodable))
    elif options.in_production_on is not None:
        click.echo(_production_on_text(timeline, options.in_production_on), nl=False)
    elif options.ever_in_production:
        click.echo(_ever_text(timeline), nl=False)
    else:
        click.echo(render_text(timeline), nl=False)
    if options.fail_on_violations and timeline.violations():
        return EXIT_BLOCKED
    return EXIT_PASS


def _unencodable(value: object) -> object:
    """What json.dumps does with a value it cannot encode (the document holds none)."""
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _with_github_people(timeline: Timeline, options: HistoryOptions) -> Timeline:
    """Events of merged pull requests credited to the logins GitHub names: who opened the
    pull request, and who merged it."""
    from charter.github.pulls import pull_request_people

    people = pull_request_people({e.pr for e in timeline.events if e.pr is not None},
                                 options.repository, options.github_api)
    events = []
    for event in timeline.events:
        found = people.get(event.pr) if event.pr is not None else None
        if found is not None:
            event = replace(event, author=found.author or event.author,
                            merged_by=found.merged_by or event.merged_by)
        events.append(event)
    return replace(timeline, events=tuple(events))


def _require_history(root: Path, ref: str) -> None:
    if git.find_root(root) is None:
        raise CharterError.at(f"{root} is not in a git repository: the history is read from "
                              "git", hint="run it inside the repository that holds "
                              "models.yaml, or `git init` and commit models.yaml first")
    if ref == "HEAD" and git.resolve_commit(root, ref) is None:
        raise CharterError.at("the repository has no commits yet: the history is read from "
                              "git", hint="commit models.yaml first")


def _require_known(timeline: Timeline, root: Path, model: str) -> None:
    known = {e.model for e in timeline.events if e.model} | {
        v.partition("@")[0] for v in timeline.ever_in_production()}
    if model in known:
        return
    if timeline.head is not None:  # unchanged since a shallow clone's first commit
        inventory = load_snapshot(Revision.at(root, timeline.head)).inventory
        known |= {*models(inventory), *datasets(inventory)}
        if model in known:
            return
    hint = did_you_mean(model, known)
    raise CharterError.at(f"no model or dataset {model!r} in the history of {timeline.ref}",
                          hint=hint or "`charter history` lists every event")


def _document(timeline: Timeline, options: HistoryOptions) -> dict[str, object]:
    document = timeline.as_dict()
    if options.in_production_on is not None:
        versions, source = timeline.production_on(options.in_production_on)
        document["in_production_on"] = {
            "date": options.in_production_on.isoformat(), "versions": versions,
            "source": source}
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
    if event.merged_by and event.merged_by != event.author:
        lines.append(f"{'':>12}  merged by {event.merged_by}")
    lines += [f"{'':>12}! {v}" for v in event.violations]
    if event.verdict == "fail":
        lines += [f"{'':>12}✗ {f}" for f in event.findings[:5]]
    return lines


def _production_on_text(timeline: Timeline, day: dt.date) -> str:
    versions, source = timeline.production_on(day)
    where = f"from {source}"
    if source == RECORDS:
        begins = f"begins on {timeline.begins}" if timeline.begins else "is empty"
        where += f": the git history {begins}, so the deployments models.yaml records answer"
    lines = [f"In production on {day.isoformat()} ({timeline.ref}), {where}:"]
    lines += [f"  {v}" for v in versions] or ["  nothing"]
    return "\n".join(lines) + "\n"


def _ever_text(timeline: Timeline) -> str:
    periods = timeline.periods()
    lines = [f"Ever in production ({timeline.ref}):"]
    for version in timeline.ever_in_production():
        spans = ", ".join(_period_text(p) for p in periods.get(version, [])) or (
            "deployed before this history begins (its records give no dates)")
        lines.append(f"  {version:<32} {spans}")
    if len(lines) == 1:
        lines.append("  nothing")
    if any(p.start_source == RECORDS for ps in periods.values() for p in ps):
        lines += ["", f"* from the deployments recorded in models.yaml: the git history begins "
                      f"on {timeline.begins}" if timeline.begins else
                  "* from the deployments recorded in models.yaml"]
    return "\n".join(lines) + "\n"


def _period_text(period: Period) -> str:
    start = period.start[:10] + ("*" if period.start_source == RECORDS else "")
    until = period.until[:10] if period.until else "now"
    return f"{start} → {until}" + ("*" if period.until and period.until_source == RECORDS
                                   else "")
