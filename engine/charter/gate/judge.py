"""The gate: judge the change from a base revision to the head against the policies."""

from __future__ import annotations

import fnmatch
import os
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from charter.errors import CharterError
from charter.findings import Finding
from charter.gate.base import base_revision
from charter.gate.ledger import LedgerView, ledger_facts
from charter.gate.policies import policies_in_force, policy_impact
from charter.gate.request import CheckOptions
from charter.inventory.diff import (
    Change,
    EntityKey,
    affected_entities,
    diff_inventories,
    measured_entities,
)
from charter.inventory.entities import (
    Entity,
    datasets,
    find_entity,
    iter_entities,
    models,
    split_ref,
)
from charter.inventory.independence import DECIDED_FIELDS
from charter.inventory.snapshot import Snapshot, load_snapshot, validation_problems
from charter.policy.evaluate import Subject, evaluate_policies
from charter.policy.loader import PolicySet
from charter.policy.parallel import in_parallel
from charter.policy.rules import Waiver
from charter.regions import with_line_ends
from charter.result import CheckResult, Impact, RevisionInfo
from charter.vcs.cache import Cache
from charter.vcs.revisions import INVENTORY_FILE, POLICY_DIR, Revision

if TYPE_CHECKING:
    from charter.github.reviews import PullRequest


def gate(options: CheckOptions) -> CheckResult:
    notes: list[str] = []
    head_rev = Revision.at(options.root, options.head) if options.head else Revision.worktree(
        options.root)
    base_rev = base_revision(options.root, options.base, notes, options.default_base)
    return judge_revisions(options, base_rev, head_rev, notes)


def judge_revisions(options: CheckOptions, base_rev: Revision | None, head_rev: Revision,
                    notes: list[str]) -> CheckResult:
    """The gate on two revisions already resolved (None: an empty base)."""
    if base_rev is not None:  # git looks at the working tree while the rules are read
        head_rev.start_inventory_scan(base_rev)
    in_force: tuple[PolicySet, PolicySet | None, PolicySet | None, bool] | CharterError
    try:
        in_force = policies_in_force(base_rev, head_rev, options.policies_from, notes)
    except CharterError as error:
        in_force = error  # told after a missing models.yaml, as it always was
    cache = Cache.for_repo(options.root, options.use_cache)
    base = load_snapshot(base_rev, cache, lazy=True) if base_rev else None
    head = load_snapshot(head_rev, cache, lazy=True, donor=base)
    if not head.present:
        raise CharterError.at("models.yaml not found at the head revision",
                              file=str(options.root / "models.yaml"), hint="" if options.head
                              else "`charter init` scaffolds a governance repository here")
    if isinstance(in_force, CharterError):
        raise in_force
    policies, current, proposed, changed = in_force
    base_inventory = base.inventory if base and base.present else None
    change = diff_inventories(base_inventory or {}, head.inventory,
                              initial=base_inventory is None, policies_changed=changed)
    scope = None if options.scope_all else affected_entities(head.inventory, change,
                                                                    base_inventory)
    if scope is None and not options.scope_all:
        notes.append(f"every entity is judged: {', '.join(change.unattributed)} changed, "
                     "and no single entity accounts for it")
    subject = Subject(head.inventory, head.source, base_inventory, change)
    waiver_inventory = _waiver_inventory(base, head, options.policies_from)
    pull_request = _pull_request(options)
    ledger = _ledger(options, base_rev, head_rev, head, base_inventory, pull_request)
    inventory_scope = scope  # evidence reads no ledger file: what it measures is unchanged
    if scope is not None:  # runs and KPI files changed beside models.yaml are judged too
        if ledger.facts.unattributed:
            notes.append("every entity is judged: monitoring/ changed in ways no version or "
                         "model accounts for")
            scope = None
        else:
            scope = scope | ledger.facts.touched
    problems = validation_problems(head, scope, share=in_parallel if scope is None else None)
    if problems:
        raise CharterError(problems, summary=f"models.yaml ({head_rev.label}) is invalid")
    if scope is None:
        ledger.list_all()
    measured = None if inventory_scope is None else measured_entities(head.inventory, change)
    evidence = _evidence(options, head, base, measured, notes)
    if scope is not None:  # versions whose files changed behind models.yaml's back
        scope = scope | {("version", v) for v in evidence}
    authors = _authors(options, head_rev, subject, policies, scope)
    impact: Impact | None = None
    newly_failing: set[EntityKey] = set()
    added = _added_names(base_inventory, change)
    if changed and proposed is not None and current is not None:
        impact, newly_failing = policy_impact(subject, _patterns_kept(current, added),
                                              _patterns_kept(proposed, added), options.today,
                                              evidence, waiver_inventory, authors, ledger)
    if scope is not None and policies is proposed and newly_failing:
        # the head's rules judge: what they newly fail is part of the change, wherever it is
        scope = scope | newly_failing
    evaluation = evaluate_policies(subject, _patterns_kept(policies, added), options.today,
                                   scope, evidence, waiver_inventory, authors, ledger=ledger,
                                   line_ends=True)
    findings = evaluation.findings
    from charter.gate.pinned import rewritten_files  # pinned files evidence did not hash

    findings += tuple(rewritten_files(head, base, evidence))
    if base_inventory is not None and base_rev is not None:
        from charter.gate.served import deleted_after_service  # reads git only on deletions

        findings += tuple(deleted_after_service(options.root, base_rev.commit, change,
                                                base_inventory, head.source))
    if pull_request is not None:
        wrote = _writers(options, base_rev, head, base_inventory)
        findings += tuple(_unbacked_claims(pull_request, options, change, head, base_inventory,
                                           authors, wrote))
    if pull_request is not None and changed and proposed is not None:
        # waivers written by this change: their lines are in the head's policies/
        findings += with_line_ends(_unbacked_waivers(pull_request, current, proposed, wrote),
                                   head_rev.read)
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


@dataclass(frozen=True)
class _PatternKept(Waiver):
    """A waiver whose target's pattern covers the models and datasets it could name when it
    was granted: a name the change adds is covered only when the target spells it out.
    Otherwise a pull request could name a new model `credit-shadow` to fall under a waiver
    for `credit*` that nobody granted it."""

    added: frozenset[str] = frozenset()

    def covers(self, rule_id: str, entity_id: str) -> bool:
        name = entity_id.partition("@")[0]
        return super().covers(rule_id, entity_id) and (
            name not in self.added or self.target.partition("@")[0] == name)


def _added_names(base: Mapping[str, Any] | None, change: Change) -> frozenset[str]:
    """Models and datasets the head names and a base does not (none without a base).

    Read from the change, which holds every entity the head adds: going through the names
    of both revisions would read every entity file of a split inventory."""
    if base is None:
        return frozenset()
    found = set()
    for (kind, entity_id), entity in change.entities.items():
        if entity.status == "added":
            name = split_ref(entity_id)[0]
            if name not in (datasets(base) if kind == "dataset" else models(base)):
                found.add(name)
    return frozenset(found)


def _patterns_kept(policies: PolicySet, added: frozenset[str]) -> PolicySet:
    if not added or not any(any(c in w.target for c in "*?[") for w in policies.waivers):
        return policies
    return replace(policies, waivers=tuple(_PatternKept(**{
        f.name: getattr(w, f.name) for f in fields(Waiver)}, added=added)
        for w in policies.waivers))


def _pull_request(options: CheckOptions) -> PullRequest | None:
    if options.reviews is None:
        return None
    from charter.github.reviews import load_pull_request

    return load_pull_request(options.reviews, os.environ, options.root)


def _ledger(options: CheckOptions, base_rev: Revision | None, head_rev: Revision,
            head: Snapshot, base_inventory: Mapping[str, Any] | None,
            pull_request: PullRequest | None) -> LedgerView:
    """The monitoring ledger at the head, with what the change did to it. Trust (which
    storage may be read to verify inputs) comes from the base, as for evidence."""
    trust = base_inventory if base_inventory is not None else head.inventory
    facts = ledger_facts(options.root, base_rev, head_rev, head.inventory, base_inventory,
                         trust, options.today, pull_request.author if pull_request else None)
    return LedgerView(head_rev, facts)


def _writers(options: CheckOptions, base_rev: Revision | None, head: Snapshot,
             base: Mapping[str, Any] | None) -> dict[str, str]:
    """Team members who authored or co-authored a commit of the pull request (one git log)."""
    from charter.github.claims import writers
    from charter.vcs import git

    contributors = git.change_identities(options.root, base_rev.commit, head.revision.commit
                                         ) if base_rev is not None and base_rev.commit else ()
    return writers(contributors, head.inventory, base)


def _unbacked_claims(pull_request: PullRequest, options: CheckOptions, change: Change,
                     head: Snapshot, base: Mapping[str, Any] | None,
                     authors: Mapping[str, tuple[str, ...]],
                     wrote: Mapping[str, str]) -> list[Finding]:
    from charter.github.claims import claim_findings

    return claim_findings(pull_request, change, head.inventory, base, head.source,
                          options.today, authors, wrote)


def _unbacked_waivers(pull_request: PullRequest, current: PolicySet | None,
                      proposed: PolicySet, wrote: Mapping[str, str]) -> list[Finding]:
    """Waivers the head adds or alters (every waiver, where the base had no policies/); their
    approvers may not have written a commit of the pull request."""
    from charter.github.claims import waiver_findings

    return waiver_findings(pull_request, current.waivers if current else (), proposed.waivers,
                           wrote)


def _authors(options: CheckOptions, head_rev: Revision, subject: Subject,
             policies: PolicySet, scope: set[tuple[str, str]] | None
             ) -> dict[str, tuple[str, ...]]:
    """Git authors of the versions whose independence is judged: validated ones, and those a
    waiver may cover, also when their records name an author (a claim in the record cannot
    hide who wrote the version). For each, who wrote its key line, then who last wrote a
    line of what it is (a validator who edits a version's artifact or data has made it).
    Read only when there are some."""
    targeted = _matcher([w.target for w in policies.waivers])
    base = subject.base or {}
    wanted = []
    in_head: set[str] = set()  # the wanted versions the head holds
    for entity_id, entity in _head_versions(subject.head, scope):
        records = [e.record for e in (entity, find_entity(base, "version", entity_id))
                   if e is not None]
        claimed = any(isinstance(r.get("validation"), Mapping)
                      and r["validation"].get("by") for r in records)
        if claimed or targeted(entity_id):
            wanted.append(entity_id)
            if entity is not None:
                in_head.add(entity_id)
    if not wanted:
        return {}
    by_file: dict[str, list[str]] = {}
    for version in wanted:
        if version in in_head:
            path = ("models", *_version_path(version))
            by_file.setdefault(subject.source.file_of(path), []).append(version)
    found: dict[str, tuple[str, ...]] = {}
    inline = by_file.pop(INVENTORY_FILE, None)
    if inline:
        from charter.history.authors import version_authors

        found.update(version_authors(options.root, head_rev.commit,
                                     _lines(subject, head_rev, INVENTORY_FILE, inline)))
    # a few files (a pull request's) are blamed; many (--all) are answered by one git log
    # a linked file's lines are its target's: blamed there, never taken from the link's log
    held = {file: head_rev.real_path(file) for file in by_file}
    whole = _whole_file_authors(options.root, head_rev.commit, [
        f for f in by_file if held[f] == f]) if len(by_file) > _BLAME_AT_MOST else {}
    for file, versions in sorted(by_file.items()):
        author = whole.get(file)
        if author is not None:  # one commit wrote every line of the file
            found.update(dict.fromkeys(versions, (author,)))
        else:
            found.update(_file_authors(options.root, head_rev.commit, held[file],
                                       _lines(subject, head_rev, file, versions)))
    return found


_BLAME_AT_MOST = 20


def _head_versions(head: Mapping[str, Any], scope: set[tuple[str, str]] | None
                   ) -> Iterator[tuple[str, Entity | None]]:
    """Each version in `scope` (every version of the head when None), sorted as the scope
    is, with the head's entity (None: the head does not hold it). Every version of a full
    check is read as the head lists it, not looked up one by one."""
    if scope is None:
        yield from ((e.id, e) for e in iter_entities(head) if e.kind == "version")
        return
    for kind, entity_id in sorted(scope):
        if kind == "version":
            yield entity_id, find_entity(head, kind, entity_id)


def _matcher(patterns: list[str]) -> Callable[[str], bool]:
    """Whether a name matches any of the shell patterns, as `fnmatch.fnmatchcase` of each
    says: their translations joined into one expression, compiled once."""
    if not patterns:
        return lambda name: False
    match = re.compile("|".join(f"(?:{fnmatch.translate(p)})" for p in patterns)).match
    return lambda name: match(name) is not None


def _lines(subject: Subject, head_rev: Revision, file: str,
           versions: list[str]) -> dict[str, list[int]]:
    """The lines to blame for each version of `file`: its key's line, then the lines of its
    record that say what it is (not what was decided about it: `DECIDED_FIELDS`)."""
    from charter.source.recordlines import content_lines, parser_lines

    data = head_rev.read(file)
    text, on_git = parser_lines(data.decode("utf-8-sig", errors="replace") if data else "")

    def in_git(line: int) -> int:  # the parser's line number as git numbers it
        return on_git[line - 1] if 0 < line <= len(on_git) else line

    found: dict[str, list[int]] = {}
    for version in versions:
        path = ("models", *_version_path(version))
        key_line = subject.source.locate(path).line
        entity = find_entity(subject.head, "version", version)
        fields_at = {str(key): subject.source.locate((*path, key)).line
                     for key in (entity.record if entity is not None else {})}
        content = content_lines(text, key_line, fields_at, DECIDED_FIELDS)
        found[version] = list(dict.fromkeys(in_git(line) for line in [key_line, *content]))
    return found


def _whole_file_authors(root: Path, commit: str | None, files: list[str]) -> dict[str, str]:
    """The author of each file that one commit wrote whole and nothing changed since: what
    `git blame` says of each of its lines, from one `git log` for every file."""
    from charter.vcs import git

    if not files or git.resolve_commit(root, "HEAD") is None:
        return {}
    folders = sorted({f.split("/")[0] for f in files})
    edited = git.changed_paths(root, "HEAD", None, folders) if commit is None else set()
    written = git.sole_authors(root, commit or "HEAD", folders)
    return {f: written[f] for f in files if f in written and f not in edited}


def _file_authors(root: Path, commit: str | None, file: str,
                  lines: Mapping[str, list[int]]) -> dict[str, tuple[str, ...]]:
    """As version_authors, for versions kept in a model's own file."""
    from charter.history.authors import blamed_authors
    from charter.vcs import git

    if commit is None:  # a file no commit holds yet has no author but whoever commits it
        known = git.run_git(root, ["cat-file", "-e", f"HEAD:{file}"], check=False).returncode == 0
    else:
        known = True
    return blamed_authors(root, commit, file, lines, known)


def _version_path(version_id: str) -> tuple[str, str, str]:
    name, _, version = version_id.partition("@")
    return name, "versions", version


def _info(revision: Revision) -> RevisionInfo:
    return RevisionInfo(revision.label, revision.commit)


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

        return evidence_for_check(options.root, options.evidence, options.use_cache, head,
                                  base, scope, notes)
    except ImportError as exc:  # a gate that silently measures nothing would pass anything
        raise CharterError.at(f"evidence cannot be computed: {exc}; install the evidence "
                              "extra with pip install 'charter[evidence]', or pass "
                              "--evidence none to check without evidence") from None
