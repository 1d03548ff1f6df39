"""`charter check`: judge the change from a base revision to the head against the policies."""

from __future__ import annotations

import datetime as dt
import fnmatch
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from charter import git
from charter.cache import Cache
from charter.diff import (
    Change,
    EntityKey,
    affected_entities,
    diff_inventories,
    measured_entities,
)
from charter.errors import CharterError
from charter.findings import Finding
from charter.github import ActionsRun
from charter.inventory import find_entity, iter_entities
from charter.policy.evaluate import Evaluation, Subject, evaluate_policies
from charter.policy.loader import PolicySet, load_policies
from charter.regions import with_line_ends
from charter.reporters import OutputSpec, write_outputs
from charter.result import CheckResult, Impact, ImpactItem, RevisionInfo
from charter.reviews import ReviewOptions
from charter.revisions import POLICY_DIR, Revision
from charter.snapshot import Snapshot, load_snapshot, validation_problems

EMPTY_BASE = "none"


@dataclass(frozen=True)
class CheckOptions:
    root: Path
    base: str | None = None  # a ref, "none" for an empty base, None for the default
    head: str | None = None  # a ref, or None for the working tree
    policies_from: str = "base"
    today: dt.date = field(default_factory=lambda: dt.datetime.now(dt.UTC).date())
    scope_all: bool = False
    outputs: tuple[OutputSpec, ...] = ()
    use_cache: bool = True
    evidence: str = "auto"
    reports_dir: str | None = None  # write the change report PDF and its manifest here
    reviews: ReviewOptions | None = None  # check validation.by claims against PR reviews
    github: bool = True  # in GitHub Actions: annotations, step summary and step outputs


def run_check(options: CheckOptions) -> int:
    actions = ActionsRun.detect(os.environ) if options.github else None
    try:
        result = gate(options)
    except CharterError as error:
        if actions:
            actions.publish_error(error)
        raise
    result = replace(result, reports=tuple(s.path for s in options.outputs if s.path),
                     links=actions.links(result.head.commit) if actions else {})
    if options.reports_dir:
        result = _change_report(result, options)
    if actions is None:
        write_outputs(result, options.outputs, options.root)
        return result.exit_code
    actions.publish(result, options.outputs)
    with actions.commands_stopped(options.outputs):
        write_outputs(result, options.outputs, options.root)
    return result.exit_code


def _change_report(result: CheckResult, options: CheckOptions) -> CheckResult:
    from charter.report.change import write_change_report

    assert options.reports_dir is not None
    before = set(result.reports)
    result = write_change_report(result, options.root, Path(options.reports_dir))
    for path in result.reports:
        if path not in before:
            sys.stderr.write(f"charter: wrote {path}\n")  # stdout may carry a JSON result
    return result


def gate(options: CheckOptions) -> CheckResult:
    notes: list[str] = []
    head_rev = Revision.at(options.root, options.head) if options.head else Revision.worktree(
        options.root)
    base_rev = _base_revision(options.root, options.base, notes)
    return judge_revisions(options, base_rev, head_rev, notes)


def judge_revisions(options: CheckOptions, base_rev: Revision | None, head_rev: Revision,
                    notes: list[str]) -> CheckResult:
    """The gate on two revisions already resolved (None: an empty base)."""
    cache = Cache.for_repo(options.root, options.use_cache)
    base = load_snapshot(base_rev, cache, lazy=True) if base_rev else None
    head = load_snapshot(head_rev, cache, lazy=True, donor=base)
    if not head.present:
        raise CharterError.at("models.yaml not found at the head revision",
                              file=str(options.root / "models.yaml"))
    policies, current, proposed, changed = _policies(base_rev, head_rev, options.policies_from,
                                                     notes)
    base_inventory = base.inventory if base and base.present else None
    change = diff_inventories(base_inventory or {}, head.inventory,
                              initial=base_inventory is None, policies_changed=changed)
    scope = None if options.scope_all else affected_entities(head.inventory, change)
    if scope is None and not options.scope_all:
        notes.append(f"every entity is judged: {', '.join(change.unattributed)} changed, "
                     "and no single entity accounts for it")
    problems = validation_problems(head, scope)
    if problems:
        raise CharterError(problems, summary=f"models.yaml ({head_rev.label}) is invalid")
    subject = Subject(head.inventory, head.source, base_inventory, change)
    waiver_inventory = _waiver_inventory(base, head, options.policies_from)
    measured = None if scope is None else measured_entities(head.inventory, change)
    evidence = _evidence(options, head, base, measured, notes)
    if scope is not None:  # versions whose files changed behind models.yaml's back
        scope = scope | {("version", v) for v in evidence}
    authors = _authors(options, head_rev, subject, policies, scope)
    impact: Impact | None = None
    newly_failing: set[EntityKey] = set()
    if changed and proposed is not None and current is not None:
        impact, newly_failing = _impact(subject, current, proposed, options.today, evidence,
                                        waiver_inventory, authors)
    if scope is not None and policies is proposed and newly_failing:
        # the head's rules judge: what they newly fail is part of the change, wherever it is
        scope = scope | newly_failing
    evaluation = evaluate_policies(subject, policies, options.today, scope, evidence,
                                   waiver_inventory, authors)
    findings = evaluation.findings
    if options.reviews is not None:
        findings += tuple(_unbacked_claims(options, change, head, base_inventory, authors))
    policy_rev = head_rev if options.policies_from == "head" or base_rev is None else base_rev
    findings = with_line_ends(sorted(findings, key=Finding.sort_key), lambda path: (
        policy_rev if path.startswith(f"{POLICY_DIR}/") else head_rev).read(path))
    return CheckResult(
        findings=findings,
        rules=policies.rules,
        head=_info(head_rev),
        base=_info(base_rev) if base_rev else RevisionInfo("empty base", None),
        policies_from=options.policies_from if base_rev and policies is not proposed else "head",
        policy_digest=policies.digest,
        today=options.today,
        scope="all" if scope is None else "changed",
        entities_evaluated=evaluation.entities,
        change=change,
        impact=impact,
        notes=tuple(notes),
        disabled_rules=policies.disabled,
        evidence=evidence,
        results=evaluation.results,
    )


def _unbacked_claims(options: CheckOptions, change: Change, head: Snapshot,
                     base: Mapping[str, Any] | None, authors: Mapping[str, str]
                     ) -> list[Finding]:
    from charter.reviews import claim_findings, load_pull_request

    assert options.reviews is not None
    pull_request = load_pull_request(options.reviews, os.environ, options.root)
    return claim_findings(pull_request, change, head.inventory, base, head.source,
                          options.today, authors)


def _authors(options: CheckOptions, head_rev: Revision, subject: Subject,
             policies: PolicySet, scope: set[tuple[str, str]] | None) -> dict[str, str]:
    """Git authors of the versions whose independence is judged and whose records name no
    author: validated ones, and those a waiver may cover. Read only when there are some."""
    from charter.history.authors import version_authors
    from charter.independence import record_author

    targets = [w.target for w in policies.waivers]
    wanted = []
    for kind, entity_id in sorted(scope) if scope is not None else [
            e.key for e in iter_entities(subject.head)]:
        if kind != "version":
            continue
        records = [e.record for e in (find_entity(i, kind, entity_id) for i in (
            subject.head, subject.base or {})) if e is not None]
        if any(record_author(r) for r in records):
            continue
        claimed = any(isinstance(r.get("validation"), Mapping)
                      and r["validation"].get("by") for r in records)
        if claimed or any(fnmatch.fnmatchcase(entity_id, t) for t in targets):
            wanted.append(entity_id)
    if not wanted:
        return {}
    lines = {v: subject.source.locate(("models", *_version_path(v))).line for v in wanted
             if find_entity(subject.head, "version", v) is not None}
    return version_authors(options.root, head_rev.commit, lines)


def _version_path(version_id: str) -> tuple[str, str, str]:
    name, _, version = version_id.partition("@")
    return name, "versions", version


def _info(revision: Revision) -> RevisionInfo:
    return RevisionInfo(revision.label, revision.commit)


def default_base_ref(root: Path) -> tuple[str, str] | None:
    """The merge base with the PR's target in GitHub Actions, else origin/main, else main.

    Returns the commit to read and a label that names where it came from.
    """
    candidates = []
    target = os.environ.get("GITHUB_BASE_REF")
    if os.environ.get("GITHUB_ACTIONS") == "true" and target:
        candidates += [f"origin/{target}", target]
    candidates += ["origin/main", "main"]
    for ref in candidates:
        if git.resolve_commit(root, ref):
            head = git.resolve_commit(root, "HEAD")
            fork = git.merge_base(root, "HEAD", ref) if head else None
            return (fork, f"merge base with {ref} ({fork[:10]})") if fork else (ref, ref)
    return None


def _base_revision(root: Path, ref: str | None, notes: list[str]) -> Revision | None:
    if ref == EMPTY_BASE:
        notes.append("compared with an empty base: every entity counts as new")
        return None
    if ref is not None:
        return Revision.at(root, ref)
    found = default_base_ref(root)
    if found is None:
        if git.find_root(root) is None:
            notes.append("not a git repository: compared with an empty base, so every "
                         "entity counts as new")
            return None
        if git.resolve_commit(root, "HEAD") is None:
            notes.append("the repository has no commits yet: compared with an empty base")
            return None
        raise CharterError.at("no base revision: there is no origin/main or main; pass "
                              "--base REF (or --base none to treat everything as new)")
    return Revision.at(root, *found)


def _policy_ids(revision: Revision) -> dict[str, str | None]:
    return {p: revision.content_id(p) for p in revision.policy_files()}


def _policies(base: Revision | None, head: Revision, policies_from: str, notes: list[str]
              ) -> tuple[PolicySet, PolicySet | None, PolicySet | None, bool]:
    """The rules in force; the base's and the proposed ones when policies/ changed (for the
    impact report, whichever judges); and whether it did."""
    base_ids = _policy_ids(base) if base else {}
    head_ids = _policy_ids(head)
    changed = base_ids != head_ids
    proposed = load_policies(head) if changed or policies_from == "head" or not base_ids else None
    current = load_policies(base) if base is not None and base_ids and (
        changed or policies_from == "base") else None
    if policies_from == "head":
        notes.append("rules and waivers come from the head revision (--policies-from head): "
                     "this change could weaken the rules that judge it")
        assert proposed is not None
        return proposed, current, proposed, changed
    if not base_ids:
        if head_ids:
            notes.append("the base revision has no policies/: the head's rules apply")
        assert proposed is not None
        return proposed, None, proposed, changed
    assert current is not None
    return current, current, proposed, changed


def _waiver_inventory(base: Snapshot | None, head: Snapshot,
                      policies_from: str) -> Mapping[str, Any]:
    """Who may approve waivers is read where the waivers are: a PR cannot add an approver."""
    if policies_from == "base" and base is not None and base.present:
        return base.inventory
    return head.inventory


def _evidence(options: CheckOptions, head: Snapshot, base: Snapshot | None,
              scope: set[tuple[str, str]] | None, notes: list[str]) -> dict[str, Any]:
    if options.evidence == "none":
        return {}
    try:
        from charter.evidence.gate import evidence_for_check

        return evidence_for_check(options, head, base, scope, notes)
    except ImportError as exc:  # a gate that silently measures nothing would pass anything
        raise CharterError.at(f"evidence cannot be computed: {exc}; install Charter with its "
                              "evidence libraries (scikit-learn, skops, pandas), or pass "
                              "--evidence none to check without evidence") from None


def _impact(subject: Subject, current: PolicySet, proposed: PolicySet, today: dt.date,
            evidence: Mapping[str, Any], waiver_inventory: Mapping[str, Any],
            authors: Mapping[str, str]) -> tuple[Impact, set[EntityKey]]:
    """The impact of the proposed rules, and the entities they newly fail."""
    every = Change(subject.change.entities, subject.change.initial, True)
    full = Subject(subject.head, subject.source, subject.base, every)
    before = evaluate_policies(full, current, today, None, evidence, waiver_inventory, authors)
    after = evaluate_policies(full, proposed, today, None, evidence, subject.head, authors)
    impact = _compare(before, after, current, proposed)
    newly = {(item.rule, item.entity) for item in impact.newly_failing}
    return impact, {(r.kind, r.entity) for r in after.results if (r.rule, r.entity) in newly
                    and r.kind != "change"}


def _compare(before: Evaluation, after: Evaluation, current: PolicySet,
             proposed: PolicySet) -> Impact:
    old = before.status_map()
    new = after.status_map()
    failing = ("fail",)
    newly_failing, newly_passing = [], []
    for key in sorted(set(old) | set(new)):
        was, now = old.get(key, "absent"), new.get(key, "absent")
        if now in failing and was not in failing:
            newly_failing.append(ImpactItem(key[0], key[1], was, now))
        elif was in failing and now not in failing:
            newly_passing.append(ImpactItem(key[0], key[1], was, now))
    modified = sorted(r for r in set(current.rules) & set(proposed.rules)
                      if current.rules[r].raw != proposed.rules[r].raw)
    return Impact(tuple(newly_failing), tuple(newly_passing),
                  tuple(sorted(set(proposed.rules) - set(current.rules))),
                  tuple(sorted(set(current.rules) - set(proposed.rules))), tuple(modified))
