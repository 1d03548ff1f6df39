"""Replay the history of models.yaml and policies/ on a branch, commit by commit.

One `git log` lists the commits and the blobs they changed; one `git cat-file --batch` reads
those blobs, a thread ahead of the replay. Each commit is compared with the one before it on
the branch (its first parent, as the gate compared the pull request with its base) and judged
under the rules in force when it landed: the policies of its first parent, or its own when
the parent had none.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from charter.errors import CharterError
from charter.history.events import Draft, drafts_for
from charter.history.merged import MergedInventory
from charter.history.timeline import CommitState, TimelineEvent, UnreadableCommit
from charter.history.validity import IncrementalValidator
from charter.inventory.diff import (
    ENTITY_SECTIONS,
    Change,
    EntityKey,
    affected_entities,
    diff_inventories,
)
from charter.inventory.entities import entity_index, models, versions_of
from charter.inventory.independence import DECIDED_FIELDS
from charter.inventory.membership import TeamFacts
from charter.layout import ENTITY_FOLDERS, LEDGER_FOLDER
from charter.policy.context import Ledger
from charter.policy.evaluate import Subject, evaluate_policies
from charter.policy.loader import PolicySet, load_policies
from charter.source.yamlsource import SourceMap
from charter.vcs import git
from charter.vcs.revisions import INVENTORY_FILE, POLICY_DIR, Revision, is_policy_file
from charter.vcs.stream import BlobStream

_PR_PATTERNS = (
    re.compile(r"^Merge pull request #(\d+)"),  # GitHub merge commits
    re.compile(r"\(#(\d+)\)\s*$"),  # GitHub squash merges: "Title (#12)"
    re.compile(r"See merge request \S+!(\d+)"),  # GitLab merge commits (in the body)
    re.compile(r"^Merged in \S+ \(pull request #(\d+)\)"),  # Bitbucket
)
_EMPTY_SOURCE = SourceMap(INVENTORY_FILE, {})
_Loaded = PolicySet | CharterError | None
_Verdict = tuple[str, tuple[str, ...]]  # pass | fail | unknown, and the blocking findings


def pr_number(subject: str, body: str) -> int | None:
    for pattern in _PR_PATTERNS:
        found = pattern.search(subject) or pattern.search(body)
        if found:
            return int(found.group(1))
    return None


class _StreamedRevision(Revision):
    """The policy files of one commit, read from blobs already streamed."""

    def __init__(self, root: Path, commit: str, blobs: Mapping[str, str],
                 contents: Mapping[str, bytes], links: set[str]) -> None:
        super().__init__(root, commit, commit[:10], dict(blobs))
        self._contents = contents
        self._link_blobs = links

    def read(self, path: str) -> bytes | None:
        blob = self._blobs.get(path)
        if blob in self._link_blobs:
            # its target may change in commits the replay does not read: refuse, loudly
            raise CharterError.at("a symbolic link, which the history cannot follow through "
                                  "time: keep policy files in policies/", file=path)
        return self._contents.get(blob) if blob else None


@dataclass
class _Policies:
    """Policy sets by the blobs of their files: each distinct set is loaded once."""

    root: Path
    contents: dict[str, bytes] = field(default_factory=dict)
    links: set[str] = field(default_factory=set)  # blobs of symbolic links
    sets: dict[frozenset[tuple[str, str]], PolicySet | CharterError] = field(
        default_factory=dict)

    def load(self, commit: str, blobs: Mapping[str, str]) -> PolicySet | CharterError | None:
        rules = {p: b for p, b in blobs.items() if is_policy_file(p)}
        if not rules:
            return None
        key = frozenset(rules.items())
        if key not in self.sets:
            try:
                self.sets[key] = load_policies(
                    _StreamedRevision(self.root, commit, rules, self.contents, self.links))
            except CharterError as exc:
                self.sets[key] = exc
        return self.sets[key]


@dataclass
class Replay:
    events: list[TimelineEvent] = field(default_factory=list)
    unreadable: list[UnreadableCommit] = field(default_factory=list)
    states: list[CommitState] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    served: set[str] = field(default_factory=set)
    # the inventory at the head as the replay read it; None when there is none, or when the
    # last commit that changed it could not be read (the replay then kept the one before)
    head: Mapping[str, Any] | None = None
    # sha -> the commits replayed as `git log` listed them (who wrote and who committed each)
    logged: dict[str, git.LogCommit] = field(default_factory=dict)


LedgerAt = Callable[[str], Ledger]  # the monitoring ledger as recorded at a commit


def replay(root: Path, head: str, judge_all: bool = False, plain: bool = False,
           ledger_at: LedgerAt | None = None) -> Replay:
    """The timeline of `head`'s first-parent history.

    `judge_all` evaluates the whole scope of each commit, not only the entities its events
    are about: the same timeline, slower (the tests compare the two). `plain` is the plain
    full computation the shortcuts are tested against: every commit's files parsed whole,
    its scope validated and judged afresh, nothing remembered from the commit before.
    `ledger_at` gives the monitoring ledger at a commit, read for the versions and models
    that held anything under `monitoring/` at some commit of the history (without it, rules
    see no runs).
    """
    out = Replay()
    ledger = _ScopedLedger.of(root, head, ledger_at, every=plain) if (
        ledger_at is not None) else None
    boundary = git.shallow_boundary(root)
    judge_all = judge_all or plain
    state = MergedInventory(whole=plain)
    inventory: Mapping[str, Any] | None = None  # None until models.yaml exists
    read = True  # whether the last inventory change could be read
    policy_blobs: dict[str, str] = {}
    ever_live: set[str] = set()
    live = _LiveVersions()
    first = True  # the next commit judged is the first after the starting point
    # version -> git identities: the commit that added it, then those that edited what it is
    added_by: dict[str, tuple[str, ...]] = {}
    facts = None if plain else TeamFacts()  # what the teams say, read once per teams text
    validator = IncrementalValidator(_EMPTY_SOURCE, facts)
    commits = list(git.log_first_parent(root, head, [INVENTORY_FILE, *ENTITY_FOLDERS.values(),
                                                     POLICY_DIR]))
    out.logged = {c.sha: c for c in commits}
    with BlobStream(root, [f.blob for c in commits for f in _governed(c) if f.blob]) as reader:
        policies = _Policies(root)
        in_force: PolicySet | CharterError | None = None
        for commit in commits:
            if plain:
                validator, live = IncrementalValidator(_EMPTY_SOURCE, plain=True), _LiveVersions()
            info = _CommitInfo.of(commit)
            base, base_policies = inventory, in_force
            policies_changed = inventory_changed = False
            for file in _governed(commit):
                data = reader.read_next() if file.blob else None
                if MergedInventory.follows(file.path):
                    state.apply(file.path, file.blob, data)
                    inventory_changed = True
                    continue
                policies_changed = True
                if file.blob is None:
                    policy_blobs.pop(file.path, None)
                else:
                    policy_blobs[file.path] = file.blob
                    policies.contents[file.blob] = data or b""
                    if file.mode == git.SYMLINK_MODE:
                        policies.links.add(file.blob)
            if inventory_changed:
                inventory, read = _read_inventory(state, info, out, base)
            if policies_changed:
                in_force = policies.load(commit.sha, policy_blobs)
            if commit.sha in boundary:
                out.unreadable.append(UnreadableCommit(
                    commit.sha, info.date, "the history before this commit is not in this "
                    "shallow clone (fetch with fetch-depth: 0): its state is the starting point"))
                out.notes.append(f"shallow clone: history starts at {commit.sha[:10]} "
                                 f"({info.date[:10]})")
                _record_state(out, info, live.update(inventory)[0], ever_live)
                first = True
                continue
            rules = base_policies if base_policies is not None else in_force
            policy_change = (base_policies, in_force) if policies_changed else None
            _judge_commit(out, info, base, inventory, rules, ever_live, policy_change, validator,
                          added_by, judge_all, ledger, facts)
            production, began = live.update(inventory)
            _record_state(out, info, production, ever_live)
            # every version served at a commit after the starting point (a shallow clone's
            # first commit is not one): those served at the first such commit, then those
            # that begin to be served
            out.served |= live.served() if first else began
            first = False
    out.head = inventory if read else None
    return out


@dataclass(frozen=True)
class _CommitInfo:
    sha: str
    author: str
    email: str
    date: str
    message: str
    pr: int | None

    @classmethod
    def of(cls, commit: git.LogCommit) -> _CommitInfo:
        return cls(commit.sha, commit.author, commit.email, commit.committed, commit.subject,
                   pr_number(commit.subject, commit.body))


def _governed(commit: git.LogCommit) -> list[git.FileChange]:
    return [f for f in commit.changes if MergedInventory.follows(f.path)
            or is_policy_file(f.path)]


def _read_inventory(state: MergedInventory, info: _CommitInfo, out: Replay,
                    base: Mapping[str, Any] | None) -> tuple[Mapping[str, Any] | None, bool]:
    """The inventory after the commit, and True; the one before it and False when it cannot
    be read."""
    inventory, problem = state.current()
    if problem is not None:
        out.unreadable.append(UnreadableCommit(info.sha, info.date, problem))
        return base, False
    return inventory, True


class _LiveVersions:
    """The versions in production, and those ever deployed, of successive inventories.

    Each model's share is kept with its parsed object (shared while unchanged); the union
    is updated with the shares of the models whose objects changed, came or went.
    """

    def __init__(self) -> None:
        self._section: Mapping[str, Any] = {}  # the models of the last inventory
        self._models: dict[str, _Share] = {}
        # how many models give each id (two can, in an inventory that is not valid:
        # model "a" version "b@c" and model "a@b" version "c")
        self._counts: tuple[dict[str, int], dict[str, int]] = ({}, {})
        self._live = frozenset[str]()

    def update(self, inventory: Mapping[str, Any] | None
               ) -> tuple[frozenset[str], set[str]]:
        """(versions in production, versions that began to list a deployment: none of
        the models gave them before this inventory)."""
        current = models(inventory or {})
        known = self._models
        changed, gone = entry_changes(self._section, current)  # known mirrors the last section
        self._section = current
        began: set[str] = set()
        if not changed and not gone:
            return self._live, began
        moved = False  # whether a version came into production or left it
        for name in [*changed, *gone]:
            before = known.pop(name, None)
            after = None
            if name in current:
                after = known[name] = (current[name], *_live_and_served(name, current[name]))
            moved = self._count(before, after, began) or moved
        if moved:  # the same set object while its members stay: callers compare by identity
            self._live = frozenset(self._counts[0])
        return self._live, began

    def served(self) -> frozenset[str]:
        """The versions whose records list a deployment, in the last inventory."""
        return frozenset(self._counts[1])

    def _count(self, before: _Share | None, after: _Share | None, began: set[str]) -> bool:
        """Count the ids a model gives now instead of those it gave (most stay the same);
        whether a version came into production or left it. `began` gets the versions that
        begin to be served."""
        moved = False
        for which, counts in enumerate(self._counts):
            old = before[which + 1] if before is not None else frozenset()
            new = after[which + 1] if after is not None else frozenset()
            if old == new:
                continue
            for version in old - new:
                counts[version] -= 1
                if not counts[version]:
                    del counts[version]
                    moved = moved or which == 0
            for version in new - old:
                counts[version] = counts.get(version, 0) + 1
                if counts[version] == 1:
                    moved = moved or which == 0
                    if which == 1:
                        began.add(version)
        return moved


_Share = tuple[Any, frozenset[str], frozenset[str]]  # a model, its versions live and served


def _live_and_served(name: str, model: Any) -> tuple[frozenset[str], frozenset[str]]:
    live, served = set(), set()
    for version, record in versions_of(model if isinstance(model, Mapping) else {}).items():
        if not isinstance(record, Mapping):
            continue
        if record.get("stage") == "production":
            live.add(f"{name}@{version}")
        if record.get("deployments"):
            served.add(f"{name}@{version}")
    return frozenset(live), frozenset(served)


def _record_state(out: Replay, info: _CommitInfo, live: frozenset[str],
                  ever_live: set[str]) -> None:
    if out.states and out.states[-1].production is live:
        return  # unchanged: the same set as the last commit's (see _LiveVersions)
    ever_live |= live
    if not out.states or out.states[-1].production != live:
        out.states.append(CommitState(info.sha, info.date, live))


def _judge_commit(out: Replay, info: _CommitInfo, base: Mapping[str, Any] | None,
                  head: Mapping[str, Any] | None, rules: PolicySet | CharterError | None,
                  ever_live: set[str], policy_change: tuple[_Loaded, _Loaded] | None,
                  validator: IncrementalValidator, added_by: dict[str, tuple[str, ...]],
                  judge_all: bool = False, ledger: _ScopedLedger | None = None,
                  facts: TeamFacts | None = None) -> None:
    drafts: list[Draft] = []
    change = Change()
    if head is not None and head is not base:
        change = _diff(base or {}, head, initial=base is None)
        drafts = list(drafts_for(change, base or {}, head, ever_live, base is None))
    _credit_authors(added_by, change, {d.entity for d in drafts if d.kind == "version-added"},
                    f"{info.author} <{info.email}>")
    if policy_change is not None:
        drafts.append(_policy_draft(*policy_change))
    if not drafts:
        return
    wanted = None if judge_all else {draft.entity for draft in drafts}
    verdicts, digest = _verdicts(info, base, head, change, rules, validator, added_by, wanted,
                                 ledger, facts)
    for draft in drafts:
        verdict, findings = verdicts.get(draft.entity, verdicts.get("*", ("unknown", ())))
        out.events.append(TimelineEvent(
            commit=info.sha, author=info.author, date=info.date, message=info.message,
            pr=info.pr, model=draft.model, version=draft.version, kind=draft.kind,
            detail=draft.detail, stage_from=draft.stage_from, stage_to=draft.stage_to,
            verdict=verdict, policy_digest=digest, violations=draft.violations,
            findings=findings, email=info.email))


def _credit_authors(added_by: dict[str, tuple[str, ...]], change: Change, added: set[str],
                    author: str) -> None:
    """Who made each version: the author of the commit that added it, and of every commit
    since that edited what it is (not only what was decided about it), as the gate counts."""
    added_by.update(dict.fromkeys(added, (author,)))
    for (kind, entity_id), entity_change in change.entities.items():
        if kind == "version" and entity_id not in added and entity_id in added_by and any(
                path.split(".", 1)[0] not in DECIDED_FIELDS for path in entity_change.paths):
            added_by[entity_id] = tuple(dict.fromkeys((*added_by[entity_id], author)))


def _diff(base: Mapping[str, Any], head: Mapping[str, Any], initial: bool) -> Change:
    """diff_inventories over the models and datasets whose parsed objects differ.

    Unchanged pieces of text parse to the same objects, so identity finds what changed
    without comparing the whole inventory.
    """
    def changed(section: str) -> tuple[dict[str, Any], dict[str, Any]]:
        old = _mapping(base.get(section))
        new = _mapping(head.get(section))
        added_or_changed, gone = entry_changes(old, new)
        names = {n for n in added_or_changed if old.get(n) is not new[n]} | {
            n for n in gone if old[n] is not None}
        return ({n: old[n] for n in names if n in old}, {n: new[n] for n in names if n in new})

    old_models, new_models = changed("models")
    for name in old_models.keys() & new_models.keys():
        old_models[name], new_models[name] = _changed_versions(old_models[name],
                                                               new_models[name])
    old_data, new_data = changed("datasets")
    change = diff_inventories({"models": old_models, "datasets": old_data},
                              {"models": new_models, "datasets": new_data}, initial=initial)
    others = sorted(k for k in set(base) | set(head) if k not in ENTITY_SECTIONS and (
        k not in base or k not in head or (base[k] is not head[k] and base[k] != head[k])))
    if not others:  # the usual commit: nothing outside the models and datasets changed
        return change
    return replace(change, unattributed=(*change.unattributed, *others))


def _changed_versions(old: Any, new: Any) -> tuple[Any, Any]:
    """Two records of a model with only the versions that are not the same objects: the
    others parse from unchanged text, and their entities are unchanged."""
    old_versions = old.get("versions") if isinstance(old, Mapping) else None
    new_versions = new.get("versions") if isinstance(new, Mapping) else None
    if not isinstance(old_versions, Mapping) or not isinstance(new_versions, Mapping):
        return old, new
    return ({**old, "versions": {v: r for v, r in old_versions.items()
                                 if new_versions.get(v, _ABSENT) is not r}},
            {**new, "versions": {v: r for v, r in new_versions.items()
                                 if old_versions.get(v, _ABSENT) is not r}})


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


_ABSENT = object()


class _EntryChanges:
    """The names of a section whose entries are not the same objects in two mappings: those
    added or changed, and those gone. The last answers are kept: the diff and the versions
    in production ask about the same pairs of sections at each commit."""

    def __init__(self) -> None:
        self._last: list[tuple[Any, Any, tuple[list[str], list[str]]]] = []

    def __call__(self, old: Mapping[str, Any], new: Mapping[str, Any]
                 ) -> tuple[list[str], list[str]]:
        for known_old, known_new, answer in self._last:
            if known_old is old and known_new is new:
                return answer
        changed = [n for n, value in new.items() if old.get(n, _ABSENT) is not value]
        added = sum(1 for n in changed if n not in old)
        # the names kept are those of `new` not added: none is gone when they are all of `old`
        gone = [] if len(new) - added == len(old) else [n for n in old if n not in new]
        self._last = [*self._last[-1:], (old, new, (changed, gone))]  # models and datasets
        return changed, gone


entry_changes = _EntryChanges()


def _verdicts(info: _CommitInfo, base: Mapping[str, Any] | None, head: Mapping[str, Any] | None,
              change: Change, rules: PolicySet | CharterError | None,
              validator: IncrementalValidator, added_by: Mapping[str, tuple[str, ...]],
              wanted: set[str] | None = None, ledger: _ScopedLedger | None = None,
              facts: TeamFacts | None = None) -> tuple[dict[str, _Verdict], str | None]:
    """entity id -> (verdict, blocking findings) under `rules`; "*": the whole commit.

    With `wanted`, the entity ids whose verdicts are read: when each is in the scope, only
    they are evaluated (an entity's verdict does not depend on which others are judged with
    it) and "*" is left out; the whole scope is still validated. Only their blocking
    findings are then read, so only the rules that can give one judge them (`_blocking`).
    """
    if not isinstance(rules, PolicySet) or head is None:
        return {}, None
    found = affected_entities(head, change)
    scope = set(entity_index(head)) if found is None else found
    judged = scope
    if wanted is not None and wanted <= {entity_id for _, entity_id in scope} and not (
            wanted & {waiver.id for waiver in rules.waivers}):
        judged = {key for key in scope if key[1] in wanted}
    try:
        problems = validator.problems(head, change, scope)
    except Exception:  # a record too malformed for the integrity checks is not valid either
        return {"*": ("fail", ("models.yaml is not valid at this commit",))}, rules.digest
    if problems:
        invalid = tuple(f"schema: {p.key_path or p.file}: {p.message}" for p in problems[:5])
        return {"*": ("fail", invalid)}, rules.digest
    today = dt.date.fromisoformat(info.date[:10])
    subject = Subject(head, _EMPTY_SOURCE, base, change)
    try:
        at = ledger.at(info.sha, judged) if ledger is not None else None
        evaluation = evaluate_policies(subject, rules if judged is scope else _blocking(rules),
                                       today, judged, None,
                                       base if base is not None else head, added_by,
                                       ledger=at, facts=facts)
    except Exception as exc:
        return {"*": ("unknown", (f"could not evaluate: {type(exc).__name__}: {exc}",))
                }, rules.digest
    blocking: dict[str, list[str]] = {}
    for finding in evaluation.findings:
        if finding.blocking:
            blocking.setdefault(finding.entity, []).append(f"{finding.rule}: {finding.message}")
    verdicts: dict[str, _Verdict] = {key[1]: ("pass", ()) for key in judged}
    verdicts.update({k: ("fail", tuple(v)) for k, v in blocking.items()})
    if judged is scope:
        overall = [m for v in blocking.values() for m in v]
        verdicts["*"] = ("fail", tuple(overall)) if overall else ("pass", ())
    return verdicts, rules.digest


_BLOCKING: dict[int, tuple[PolicySet, PolicySet]] = {}


def _blocking(rules: PolicySet) -> PolicySet:
    """The rules whose findings can block one of the entities judged: those of severity
    error about a model, a version or a dataset. A warning or an info never blocks, and a
    change-level rule's findings are about the change, whose verdict is "*" (read only when
    the whole scope is judged). Waivers stay: they decide which failures still block. Kept
    per policy set, so that the evaluation prepares each once. (A rule left out cannot turn
    the verdict "unknown" by failing to evaluate either: it is not evaluated.)"""
    known = _BLOCKING.get(id(rules))
    if known is None or known[0] is not rules:
        if len(_BLOCKING) >= 16:
            _BLOCKING.clear()
        kept = {k: r for k, r in rules.rules.items()
                if r.severity == "error" and r.applies_to != "change"}
        known = _BLOCKING[id(rules)] = (rules, replace(rules, rules=kept))
    return known[1]


@dataclass(frozen=True)
class _ScopedLedger:
    """The ledger at each commit, read only where it can hold something: the versions and
    models that had any file under `monitoring/` at some commit of the history (one `git
    log` of that folder). A version with no such file sees no runs at any commit, exactly
    what the ledger would show it, so the listing per commit is skipped."""

    ledger_at: LedgerAt
    versions: frozenset[str]
    models: frozenset[str]
    every: bool = False  # the plain replay: read at every commit judged

    @classmethod
    def of(cls, root: Path, head: str, ledger_at: LedgerAt, every: bool = False
           ) -> _ScopedLedger:
        listed = git.run_git(root, ["log", "--format=", "--name-only", "--no-renames", head,
                                    "--", f"{LEDGER_FOLDER}/"]).stdout
        versions, owners = set(), set()
        for line in listed.decode(errors="surrogateescape").splitlines():
            parts = line.split("/")
            if len(parts) >= 4:
                versions.add(f"{parts[1]}@{parts[2]}")
            if len(parts) >= 3:
                owners.add(parts[1])
        return cls(ledger_at, frozenset(versions), frozenset(owners), every)

    def at(self, commit: str, judged: Iterable[EntityKey]) -> Ledger | None:
        if self.every:
            return self.ledger_at(commit)
        for kind, entity_id in judged:
            if (kind == "version" and entity_id in self.versions) or (
                    kind == "model" and entity_id in self.models):
                return self.ledger_at(commit)
        return None


def _policy_draft(old: _Loaded, new: _Loaded) -> Draft:
    if isinstance(new, CharterError):
        return Draft("*", None, None, "policy-changed",
                     f"policies changed and do not load: {new.render().splitlines()[0]}")
    if new is None:
        return Draft("*", None, None, "policy-changed", "policies/ removed")
    before = old.rules if isinstance(old, PolicySet) else {}
    added = sorted(set(new.rules) - set(before))
    removed = sorted(set(before) - set(new.rules))
    modified = sorted(r for r in set(new.rules) & set(before)
                      if new.rules[r].raw != before[r].raw)
    parts = [f"{label} {', '.join(ids)}" for label, ids in
             (("added", added), ("removed", removed), ("modified", modified)) if ids]
    waivers = {w.id for w in new.waivers} ^ (
        {w.id for w in old.waivers} if isinstance(old, PolicySet) else set())
    if waivers:
        parts.append(f"waivers changed: {', '.join(sorted(waivers))}")
    return Draft("*", None, None, "policy-changed",
                 "rules " + "; ".join(parts) if parts else "policy files changed (same rules)")
