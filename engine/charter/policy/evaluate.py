"""Evaluate a policy set over the entities in scope and turn failures into findings."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from itertools import chain
from typing import Any, NamedTuple

from charter.findings import Finding
from charter.inventory.diff import Change, EntityKey
from charter.inventory.entities import Entity, find_entity, iter_entities
from charter.inventory.independence import Independence
from charter.inventory.integrity import validators
from charter.inventory.membership import TeamFacts
from charter.policy.classification import (
    LOWERING_RULE,
    LOWERING_RULE_ID,
    MEMBERSHIP_RULE,
    MEMBERSHIP_RULE_ID,
    lowering_findings,
    membership_findings,
)
from charter.policy.compiled import MISSING, PASS, StateOf, compile_state, state_of
from charter.policy.conditions import (
    All,
    AnyOf,
    Changed,
    Condition,
    FieldTest,
    Not,
    Scope,
    Transition,
)
from charter.policy.context import EMPTY_LEDGER, ContextBuilder, Ledger
from charter.policy.deployments import (
    DELETED_RULE,
    DELETED_RULE_ID,
    DEMOTED_RULE,
    DEMOTED_RULE_ID,
    DEPLOYMENTS_RULE,
    DEPLOYMENTS_RULE_ID,
    SERVED_RULE,
    SERVED_RULE_ID,
    deployment_findings,
)
from charter.policy.loader import PolicySet
from charter.policy.outcome import Outcome, State
from charter.policy.ownership import OWNER_RULE, OWNER_RULE_ID, owner_findings
from charter.policy.parallel import Transfer, in_parallel
from charter.policy.projection import Path, memoised, read_paths
from charter.policy.rules import Rule, Waiver
from charter.policy.template import fill
from charter.policy.weakening import WEAKENING_RULE, WEAKENING_RULE_ID, weakening_findings
from charter.regions import ended
from charter.source.yamlsource import KeyPath, SourceMap

# Findings the engine itself raises about waivers; documented for `charter explain`.
ENGINE_RULES: dict[str, tuple[str, str, str]] = {
    "CHARTER-W001": ("warning", "Waiver expired",
                     "An expired waiver no longer waives anything; the finding it covered is "
                     "reported again. Renew it with a new expiry, or fix the finding."),
    "CHARTER-W002": ("warning", "Waiver matches no finding",
                     "The waiver's rule and target match no failing result: remove it, or fix "
                     "its rule id or target."),
    "CHARTER-W003": ("error", "Waiver approved by someone who cannot approve",
                     "Waivers must be approved by a member of a validating team "
                     "(`validates: true`) today, who is independent of what the waiver "
                     "covers: not the author of the waived version, and not a member of the "
                     "team that owns its model or dataset. The waiver is ignored until then."),
    "CHARTER-W005": ("error", "Waiver of a rule that cannot be waived",
                     "The rule guards a record that has no exceptions (it is tagged "
                     "`no-waiver`, e.g. the append-only monitoring ledger): a waiver does not "
                     "cover it. Fix what the rule found instead."),
    "CHARTER-W004": ("warning", "Waiver expires soon",
                     "The waiver expires within 30 days: fix the finding it covers, or have a "
                     "validator renew it with a new expiry before then."),
    # raised by charter.github.reviews when --reviews-from github or --reviews FILE is given
    "CHARTER-R001": ("error", "Validation claim not backed by an approving review",
                     "A `validation.by` that the pull request adds or changes counts only if "
                     "that login approved the pull request at its head commit, is in a "
                     "validating team on the base revision today, and is neither the pull "
                     "request's author, nor an author or co-author of its commits, nor the "
                     "version's author, nor a member of the team that owns the model. Ask the "
                     "validator to approve the latest commit, or name the validator who did."),
    "CHARTER-R002": ("error", "Approval not backed by an approving review",
                     "An entry the pull request adds to (or changes in) an `approvals` list, "
                     "and a waiver it adds or changes, name who signed off. Each counts only "
                     "if that login approved the pull request at its head commit, did not "
                     "open it, and did not author or co-author any of its commits: a name "
                     "written in YAML is a claim, a review is the sign-off. "
                     "Ask the approver to approve the latest commit, or remove the entry."),
    # raised by charter.gate.pinned when the gate measures no evidence (--evidence none)
    "CHARTER-I001": ("error", "A file the inventory pins was rewritten in place",
                     "A dataset version's or an artifact's file changed in the pull request "
                     "while its record, and its declared sha256, stayed the same: everything "
                     "judged on that record (metrics, validation, lineage) was judged on "
                     "other bytes. Restore the file, or register the new content as a new "
                     "dataset or model version with its real sha256."),
    LOWERING_RULE_ID: LOWERING_RULE,
    WEAKENING_RULE_ID: WEAKENING_RULE,
    MEMBERSHIP_RULE_ID: MEMBERSHIP_RULE,
    DEPLOYMENTS_RULE_ID: DEPLOYMENTS_RULE,
    OWNER_RULE_ID: OWNER_RULE,
    SERVED_RULE_ID: SERVED_RULE,
    DEMOTED_RULE_ID: DEMOTED_RULE,
    DELETED_RULE_ID: DELETED_RULE,
}
WAIVER_NOTICE_DAYS = 30
_SIMPLE_FIELD = re.compile(r"[A-Za-z_][\w-]*(\.[A-Za-z_][\w-]*)*")
_NAMED_FIELD = re.compile(r"(?<![\w.@])([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+)(?![\w(.])")
_QUOTED = re.compile(r"'[^']*'|`[^`]*`|\"[^\"]*\"")
_CONTEXT_ONLY = {"base", "champion", "evidence", "change", "today", "validators", "ledger",
                 "owners_at_validation", "released_by", "monitoring_datasets", "same_content",
                 "validators_on_base", "owners_today",
                 "training_datasets", "evaluation_dataset", "owner_team", "production"}


class RuleResult(NamedTuple):
    """One rule on one entity. A tuple, not a frozen dataclass: a full check makes one per
    rule and entity (600,000 at 10,000 versions), and a tuple is built several times faster."""

    rule: str
    entity: str
    kind: str
    status: str  # pass | fail | skip | waived
    finding: Finding | None = None


@dataclass(frozen=True)
class Evaluation:
    results: tuple[RuleResult, ...]
    findings: tuple[Finding, ...]
    entities: int

    def status_map(self) -> dict[tuple[str, str], str]:
        return {(r.rule, r.entity): r.status for r in self.results}


@dataclass(frozen=True)
class Subject:
    """What is judged: the head inventory, the base it is compared with, and the change."""

    head: Mapping[str, Any]
    source: SourceMap
    base: Mapping[str, Any] | None
    change: Change


def evaluate_policies(subject: Subject, policies: PolicySet, today: dt.date,
                      scope: set[EntityKey] | None = None,
                      evidence: Mapping[str, Any] | None = None,
                      waiver_inventory: Mapping[str, Any] | None = None,
                      authors: Mapping[str, tuple[str, ...]] | None = None,
                      plain: bool = False, ledger: Ledger | None = None,
                      facts: TeamFacts | None = None, line_ends: bool = False
                      ) -> Evaluation:
    """Judge the entities in `scope` (every entity when None) under `policies`.

    `authors` gives the git identities of each version: who added it, then whoever wrote
    what it is since (`Independence.git_authors`).
    `plain` evaluates every condition in full, with nothing compiled or shared: the twin the
    tests compare the fast evaluation with. `facts` remembers what the teams say across
    evaluations (the history's successive revisions share their unchanged parts).
    `line_ends` sets where each finding's line ends, as `regions.with_line_ends` would, when
    the source map knows it without reading the file (the gate's output shows it).
    """
    trusted = waiver_inventory if waiver_inventory is not None else subject.head
    independence = Independence(_distinct(trusted, subject.head, subject.base), authors or {},
                                facts=facts)
    builder = ContextBuilder(subject.head, subject.base, subject.change, today, evidence or {},
                             ledger=ledger or EMPTY_LEDGER, independence=independence,
                             judges_all=scope is None, facts=facts)
    entities = _entities(subject, scope)
    prepared = _prepared(policies, plain)
    by_kind, selectors = prepared.by_kind, prepared.selectors

    def judge(chunk: Sequence[tuple[Entity, bool]]) -> list[list[RuleResult]]:
        """Each entity's results."""
        ends: list[int] = []
        results = _judge_entities(chunk, builder, prepared, subject.source, today, plain,
                                  ends)
        if line_ends:
            source = subject.source  # most results pass: only a finding has a line to end
            results = [r if r.finding is None else _ended(r, source) for r in results]
        return [results[start:end] for start, end in zip([0, *ends], ends, strict=False)]

    # Every entity is judged on its own, so a full check shares them out between processes,
    # in a well-mixed order (as listed, one process would judge the versions and the other
    # the small datasets), put back in order after; the plain twin (and the tests comparing
    # with it) judges them one after the other.
    if plain:
        results = [r for each in judge(entities) for r in each]
    else:
        order = sorted(range(len(entities)), key=lambda i: (i * _MIX) % 2**32)
        judged = in_parallel(judge, [entities[i] for i in order], transfer=_COMPACT)
        by_index: list[list[RuleResult]] = [[] for _ in entities]
        for i, each in zip(order, judged, strict=True):
            by_index[i] = each
        results = list(chain.from_iterable(by_index))  # millions: joined without a loop here
    if by_kind["change"]:  # the full check judges the change whatever changed: so must a scoped one
        entity = Entity("change", "change", (), {})
        context = builder.for_change()
        results += [_judge(r, entity, [selectors.scope(context, today)], subject.source)
                    for r in by_kind["change"]]
    approvers = validators(trusted, today) if facts is None else facts.validating(
        trusted, today.isoformat())
    results, waiver_findings = _apply_waivers(results, policies.waivers, today,
                                              _Approvers(approvers, independence, today),
                                              check_unused=scope is None,
                                              unwaivable=prepared.unwaivable)
    findings = [r.finding for r in results if r.finding is not None] + waiver_findings
    if subject.base is not None and not subject.change.initial:
        findings += lowering_findings(subject.base, subject.head, subject.source,
                                      subject.change, approvers, today)
        findings += weakening_findings(subject.base, subject.head, subject.source,
                                       subject.change, approvers, today)
        findings += membership_findings(subject.base, subject.head, subject.source,
                                        approvers, today)
        findings += deployment_findings(subject.base, subject.head, subject.source,
                                        subject.change, approvers, today)
        findings += owner_findings(subject.base, subject.head, subject.source,
                                   subject.change, approvers, today)
    return Evaluation(tuple(results), tuple(sorted(findings, key=Finding.sort_key)),
                      len(entities))


_MIX = 2654435761  # odd: i -> i * _MIX mod 2**32 permutes the indices

# An entity's results as a child process sends them: the rules judged (one tuple object for
# every entity judged by the same rules, which pickle then writes once), one letter per
# result that passed or was skipped with no finding, and every other result whole by its
# position. Entity and kind are the chunk's, which the parent holds already.
_Packed = tuple[tuple[str, ...], str, dict[int, RuleResult]]
_LETTER = {"pass": "p", "skip": "s"}
_STATUS = {"p": "pass", "s": "skip", "x": "?"}


def _packed(chunk: Sequence[tuple[Entity, bool]], judged: list[list[RuleResult]]
            ) -> list[_Packed]:
    out: list[_Packed] = []
    rule_lists: dict[tuple[str, ...], tuple[str, ...]] = {}
    letter = _LETTER.get
    for (entity, _), results in zip(chunk, judged, strict=True):
        entity_id, kind = entity.id, entity.kind
        rules = tuple(r.rule for r in results)
        rules = rule_lists.setdefault(rules, rules)
        letters: list[str] = []
        whole: dict[int, RuleResult] = {}
        for position, result in enumerate(results):
            code = letter(result.status) if (
                result.finding is None and result.entity == entity_id and result.kind == kind
                and type(result) is RuleResult) else None
            if code is None:
                whole[position] = result
                code = "x"
            letters.append(code)
        out.append((rules, "".join(letters), whole))
    return out


def _unpacked(chunk: Sequence[tuple[Entity, bool]], packed: list[_Packed]
              ) -> list[list[RuleResult]]:
    new = tuple.__new__  # a RuleResult without the keyword handling of its constructor
    status = _STATUS
    out: list[list[RuleResult]] = []
    for (entity, _), (rules, letters, whole) in zip(chunk, packed, strict=True):
        entity_id, kind = entity.id, entity.kind
        results = [new(RuleResult, (rule, entity_id, kind, status[code], None))
                   for rule, code in zip(rules, letters, strict=True)]
        for position, result in whole.items():
            results[position] = result
        out.append(results)
    return out


_COMPACT: Transfer[tuple[Entity, bool], list[RuleResult]] = Transfer(_packed, _unpacked)


def _judge_entities(entities: Sequence[tuple[Entity, bool]], builder: ContextBuilder,
                    prepared: _Prepared, source: SourceMap, today: dt.date, plain: bool,
                    ends: list[int]) -> list[RuleResult]:
    """The results of every entity in turn; `ends` gets where each entity's results end."""
    results: list[RuleResult] = []
    selectors = prepared.selectors
    states, requires = selectors.remembering() if not plain else ([], [])
    for entity, removed in entities:
        plan = prepared.plan(entity.kind, removed)
        rules = plan[0]
        if rules:
            context = builder.for_entity(entity, removed)
            variants = builder.variants(entity, context)
            if not variants and not plain:
                results += _judge_context(plan[1], entity, context, today, states, requires,
                                          source)
            else:
                scopes = [selectors.scope(c, today) for c in (context, *variants)]
                results += [_judge(rule, entity, scopes, source) for rule in rules]
        ends.append(len(results))
    return results


def _ended(result: RuleResult, source: SourceMap) -> RuleResult:
    finding = result.finding
    end = source.line_end(finding.file, finding.line) if finding is not None else None
    if finding is None or end is None:
        return result
    return result._replace(finding=ended(finding, end))


def _distinct(*inventories: Mapping[str, Any] | None) -> tuple[Mapping[str, Any], ...]:
    """The inventories in order, each once: the trusted one is often the head or the base,
    and every fact about independence is the same read twice."""
    seen: dict[int, Mapping[str, Any]] = {}
    for inventory in inventories:
        if inventory is not None:
            seen.setdefault(id(inventory), inventory)
    return tuple(seen.values())


def _entities(subject: Subject, scope: set[EntityKey] | None) -> list[tuple[Entity, bool]]:
    if scope is None:
        present = [(e, False) for e in iter_entities(subject.head)]
        removed_keys = [k for k, c in subject.change.entities.items() if c.status == "removed"]
    else:
        present = []
        removed_keys = []
        for key in sorted(scope):
            if subject.change.status(key) == "removed":
                removed_keys.append(key)
                continue
            found = find_entity(subject.head, *key)
            if found is not None:
                present.append((found, False))
    removed = []
    for kind, entity_id in sorted(removed_keys):
        gone = find_entity(subject.base or {}, kind, entity_id)
        if gone is not None:
            removed.append((gone, True))
    return present + removed


# a rule, its selectors' slots, and its compiled requirement's slot (None: not compiled)
_Step = tuple[Rule, tuple[int, ...], int | None]


class _Selectors:
    """Rules often select alike (`stage: production`), and require alike: a selector or a
    requirement that several rules share is evaluated once per entity. Only plain conditions
    are shared, compared by their value; any other (a traced one, say) is evaluated for its
    own rule. Each rule's selectors and requirement are compiled once into functions of the
    state alone (`compiled.py`); the plain twin (`plain=True`) evaluates every condition in
    full and shares nothing."""

    def __init__(self, rules: Iterable[Rule], plain: bool = False) -> None:
        self.slots: dict[int, int] = {}
        by_key: dict[str, int] = {}
        self.conditions: list[Condition] = []
        self.states: list[StateOf] = []
        self.requires: dict[int, StateOf | None] = {}
        self.require_slots: dict[int, int | None] = {}
        self.require_states: list[StateOf] = []
        # what each state reads, where it is worth remembering by (see projection.py)
        self.paths: list[tuple[Path, ...] | None] = []
        self.require_paths: list[tuple[Path, ...] | None] = []
        required: dict[str, int] = {}
        for rule in rules:
            compiled = None if plain else compile_state(rule.require)
            self.requires[id(rule)] = compiled
            self.require_slots[id(rule)] = None
            if compiled is not None:
                key = _plain_key(rule.require)
                slot = required.get(key, len(self.require_states)) if key else len(
                    self.require_states)
                if slot == len(self.require_states):
                    self.require_states.append(compiled)
                    self.require_paths.append(read_paths(rule.require))
                    if key:
                        required[key] = slot
                self.require_slots[id(rule)] = slot
            for condition in (rule.match, rule.when):
                if condition is None or id(condition) in self.slots:
                    continue
                key = None if plain else _plain_key(condition)
                slot = by_key.get(key, len(self.conditions)) if key else len(self.conditions)
                if slot == len(self.conditions):
                    self.conditions.append(condition)
                    self.states.append(_evaluated(condition) if plain else state_of(condition))
                    self.paths.append(None if plain else read_paths(condition))
                    if key:
                        by_key[key] = slot
                self.slots[id(condition)] = slot

    def remembering(self) -> tuple[list[StateOf], list[StateOf]]:
        """The selectors' and requirements' states, each remembered by what it reads where
        that is known: fresh memos for one judging, on one evaluation date."""
        def fresh(states: list[StateOf], paths: list[tuple[Path, ...] | None]
                  ) -> list[StateOf]:
            return [s if p is None else memoised(s, p) for s, p in zip(states, paths,
                                                                       strict=True)]
        return fresh(self.states, self.paths), fresh(self.require_states, self.require_paths)

    def scope(self, context: Mapping[str, Any], today: dt.date) -> _SharedScope:
        return _SharedScope(Scope(context, today), self, {})

    def steps(self, rules: list[Rule]) -> list[_Step]:
        """Each rule with the slots of its selectors and of its compiled requirement."""
        return [(r, tuple(self.slots[id(c)] for c in (r.match, r.when) if c is not None),
                 self.require_slots[id(r)]) for r in rules]


def _evaluated(condition: Condition) -> StateOf:
    return lambda data, today: condition.evaluate(Scope(data, today)).state


@dataclass(frozen=True)
class _SharedScope:
    scope: Scope
    selectors: _Selectors
    held: dict[int, bool]

    def holds(self, selector: Condition) -> bool:
        slot = self.selectors.slots[id(selector)]
        found = self.held.get(slot)
        if found is None:
            found = self.held[slot] = self.selectors.states[slot](
                self.scope.data, self.scope.today) is State.PASS
        return found


class _Prepared:
    """What a policy set's evaluation needs whatever it judges: the rules of each kind,
    their selectors and compiled requirements, and the rules no waiver covers."""

    def __init__(self, policies: PolicySet, plain: bool) -> None:
        self.by_kind = {k: policies.rules_for(k) for k in ("model", "version", "dataset",
                                                             "change")}
        self.selectors = _Selectors(policies.rules.values(), plain)
        self.unwaivable = _unwaivable(policies)
        self._plans: dict[tuple[str, bool], tuple[list[Rule], list[_Step]]] = {}

    def plan(self, kind: str, removed: bool) -> tuple[list[Rule], list[_Step]]:
        """The rules that judge an entity of `kind` (present, or removed by the change),
        each with its selectors' slots and compiled requirement."""
        plan = self._plans.get((kind, removed))
        if plan is None:
            rules = [r for r in self.by_kind[kind] if r.sees_removed or not removed]
            plan = self._plans[(kind, removed)] = (rules, self.selectors.steps(rules))
        return plan


_PREPARED: dict[tuple[int, bool], tuple[PolicySet, _Prepared]] = {}


def _prepared(policies: PolicySet, plain: bool = False) -> _Prepared:
    """One _Prepared per policy set: the history judges thousands of commits under few.
    The plain twin prepares afresh each time."""
    if plain:
        return _Prepared(policies, plain)
    known = _PREPARED.get((id(policies), plain))
    if known is None or known[0] is not policies:
        if len(_PREPARED) >= 16:
            _PREPARED.clear()
        known = _PREPARED[(id(policies), plain)] = (policies, _Prepared(policies, plain))
    return known[1]


def _plain_key(condition: Condition) -> str | None:
    """A text equal for equal plain conditions, or None for any other condition."""
    if type(condition) in (All, AnyOf):
        keys = [_plain_key(c) for c in condition.items]  # type: ignore[attr-defined]
        if None in keys:
            return None
        return f"{type(condition).__name__}({keys!r})"
    if type(condition) is Not:
        inner = _plain_key(condition.item)
        return None if inner is None else f"Not({inner})"
    if type(condition) in (FieldTest, Changed, Transition):
        return repr(condition)
    return None


def _judge_context(steps: list[_Step], entity: Entity, context: Mapping[str, Any],
                   today: dt.date, states: list[StateOf], requires: list[StateOf],
                   source: SourceMap) -> list[RuleResult]:
    """`_judge` for each rule on an entity seen in one context alone (the usual case: the
    change moves no classification it sees), without a scope object per rule. Only a
    result the compiled conditions do not decide goes through `_judge`."""
    held: list[bool | None] = [None] * len(states)
    decided: list[State | None] = [None] * len(requires)
    new = tuple.__new__  # a RuleResult without the keyword handling of its constructor
    entity_id, kind = entity.id, entity.kind
    out = []
    for rule, slots, required in steps:
        applies = True
        for slot in slots:
            found = held[slot]
            if found is None:
                found = held[slot] = states[slot](context, today) is PASS
            if not found:
                applies = False
                break
        if not applies:
            out.append(new(RuleResult, (rule.id, entity_id, kind, "skip", None)))
            continue
        if required is None:
            state = None
        else:
            state = decided[required]
            if state is None:
                state = decided[required] = requires[required](context, today)
        if state is PASS or (state is MISSING and rule.on_missing == "pass"):
            out.append(new(RuleResult, (rule.id, entity_id, kind, "pass", None)))
        elif state is MISSING and rule.on_missing != "fail":
            out.append(new(RuleResult, (rule.id, entity_id, kind, "skip", None)))
        else:  # what _judge would do next, its selectors and compiled state known
            out.append(_judged_in_full(rule, entity, Scope(context, today), source, "skip"))
    return out


def _judge(rule: Rule, entity: Entity, scopes: list[_SharedScope], source: SourceMap
           ) -> RuleResult:
    """The rule's result on the entity: `scopes` holds the entity as the head has it, then
    with risk classifications at the stricter of base and head. The rule applies when its
    selectors hold in any of them, and passes only when it passes in each that it applies to.
    A compiled requirement decides alone when it passes (or is missing data the rule lets
    pass or skip); any other result is evaluated in full, which then decides and is shown.
    """
    status = "skip"
    fast = scopes[0].selectors.requires.get(id(rule)) if scopes else None
    for shared in scopes:
        if rule.match is not None and not shared.holds(rule.match):
            continue
        if rule.when is not None and not shared.holds(rule.when):
            continue
        if fast is not None:
            state = fast(shared.scope.data, shared.scope.today)
            if state is State.PASS:
                status = "pass"
                continue
            if state is State.MISSING and rule.on_missing != "fail":
                if rule.on_missing == "pass":
                    status = "pass"
                continue
        judged = _judged_in_full(rule, entity, shared.scope, source, status)
        if judged.status == "fail":
            return judged
        status = judged.status
    return RuleResult(rule.id, entity.id, entity.kind, status)


def _judged_in_full(rule: Rule, entity: Entity, scope: Scope, source: SourceMap, status: str
                    ) -> RuleResult:
    """The rule's full evaluation in one scope where its selectors hold: a failure with its
    finding, or the status so far updated (`status`: what the scopes before it decided)."""
    outcome = rule.require.evaluate(scope)
    if outcome.holds:
        return RuleResult(rule.id, entity.id, entity.kind, "pass")
    if outcome.state is State.MISSING and rule.on_missing != "fail":
        return RuleResult(rule.id, entity.id, entity.kind,
                          "pass" if rule.on_missing == "pass" else status)
    finding = _finding(rule, entity, scope.data, outcome, source)
    return RuleResult(rule.id, entity.id, entity.kind, "fail", finding)


def _finding(rule: Rule, entity: Entity, context: Mapping[str, Any], outcome: Outcome,
             source: SourceMap) -> Finding:
    found = outcome.found
    if outcome.state is State.MISSING:
        found = f"missing data: {', '.join(outcome.missing)} (the rule fails closed)"
    values = {
        "id": entity.id, "entity": entity.id, "rule": rule.id, "title": rule.title,
        "model": context.get("model_id", entity.parent or entity.id),
        "version": context.get("version", ""), "dataset": entity.id,
        "value": outcome.value, "expected": outcome.expected, "field": outcome.field or "",
        "found": found, "requirement": outcome.requirement, "missing": ", ".join(outcome.missing),
    }
    if rule.message and outcome.state is not State.MISSING:
        message = fill(rule.message, values, context)
    else:
        message = f"{entity.id}: {rule.title.rstrip('.')}: {found}"
    where = _location(entity, outcome)
    mark = source.locate(where)
    model = entity.id if entity.kind == "model" else (
        entity.parent if entity.kind == "version" else None)
    return Finding(
        rule=rule.id, severity=rule.severity, entity=entity.id, entity_kind=entity.kind,
        message=message, file=source.file_of(where), line=mark.line, column=mark.column,
        title=rule.title, model=model, field=outcome.field, requirement=outcome.requirement,
        found=found, remediation=rule.remediation, references=rule.references,
    )


def _location(entity: Entity, outcome: Outcome) -> KeyPath:
    """The key path in models.yaml that a finding should point at."""
    for name in [*outcome.located_at, *_named_fields(outcome.located_at)]:
        if not _SIMPLE_FIELD.fullmatch(name):
            continue
        parts = name.split(".")
        if parts[0] in _CONTEXT_ONLY:
            continue
        if parts[0] == "model" and entity.kind == "version" and entity.parent:
            return ("models", entity.parent, *parts[1:])
        return (*entity.path, *parts)
    return _pointed_path(outcome.value) or entity.path


def _named_fields(expressions: Iterable[str]) -> list[str]:
    """Plain fields inside expressions (`contains(a, validation.by)` names validation.by)."""
    return [m.group(1) for e in expressions if not _SIMPLE_FIELD.fullmatch(e)
            for m in _NAMED_FIELD.finditer(_QUOTED.sub("", e))]


def _pointed_path(value: Any) -> KeyPath | None:
    """Evidence problems name the models.yaml key they concern (`path`): point there."""
    for item in value if isinstance(value, list) else [value]:
        path = item.get("path") if isinstance(item, Mapping) else None
        if isinstance(path, list) and path and all(isinstance(p, str | int) for p in path):
            return tuple(path)
    return None


@dataclass(frozen=True)
class _Approvers:
    """Who may approve a waiver: a validator today, independent of the entity it waives."""

    validators: set[str]
    independence: Independence
    today: dt.date

    def conflicts(self, waiver: Waiver, result: RuleResult) -> list[str]:
        days = [self.today.isoformat(), waiver.granted.isoformat() if waiver.granted else None]
        return self.independence.conflicts(waiver.approved_by, result.kind, result.entity,
                                           [d for d in days if d is not None])


NO_WAIVER_TAG = "no-waiver"


def _unwaivable(policies: PolicySet) -> frozenset[str]:
    """Rules tagged `no-waiver`: what they guard (an append-only record) has no exception."""
    return frozenset(r.id for r in policies.rules.values() if NO_WAIVER_TAG in r.tags)


def _apply_waivers(results: list[RuleResult], waivers: Iterable[Waiver], today: dt.date,
                   approvers: _Approvers, check_unused: bool,
                   unwaivable: frozenset[str] = frozenset()
                   ) -> tuple[list[RuleResult], list[Finding]]:
    waivers = list(waivers)
    valid = [w for w in waivers if w.approved_by in approvers.validators]
    engine: list[Finding] = [_waiver_finding("CHARTER-W003", w, f"waiver {w.id} is approved by "
                             f"{w.approved_by!r}, who is not in a validating team on "
                             f"{today.isoformat()}")
                             for w in waivers if w.approved_by not in approvers.validators]
    used: set[str] = set()
    expired_used: set[str] = set()
    # With no valid waiver, no result changes and nothing is told about one: a full check's
    # million results are kept as they are, not gone through one by one.
    out = [] if valid else list(results)
    for result in results if valid else ():
        if result.status != "fail" or result.finding is None:
            out.append(result)
            continue
        if result.rule in unwaivable:
            for refused in valid:
                if refused.covers(result.rule, result.entity) and refused.id not in used:
                    used.add(refused.id)
                    engine.append(_waiver_finding(
                        "CHARTER-W005", refused, f"waiver {refused.id} does not waive "
                        f"{result.rule} for {result.entity}: the rule cannot be waived"))
            out.append(result)
            continue
        waiver = _independent_waiver(result, valid, approvers, used, engine)
        if waiver is None:
            out.append(result)
            continue
        if waiver.expired(today):
            expired_used.add(waiver.id)
            out.append(result)
            continue
        finding = replace(result.finding, waived_by=waiver.id,
                          waiver_justification=waiver.justification,
                          waiver_approved_by=waiver.approved_by,
                          waiver_expires=waiver.expires.isoformat())
        out.append(result._replace(status="waived", finding=finding))
    for waiver in valid:
        if waiver.expired(today):
            still = " and no longer waives a failing result" if waiver.id in expired_used else ""
            engine.append(_waiver_finding(
                "CHARTER-W001", waiver, f"waiver {waiver.id} ({waiver.rule} for {waiver.target})"
                f" expired on {waiver.expires.isoformat()}{still}"))
        elif (waiver.expires - today).days <= WAIVER_NOTICE_DAYS:
            days = (waiver.expires - today).days
            when = "today" if days == 0 else f"in {days} day{'s' * (days != 1)}"
            engine.append(_waiver_finding(
                "CHARTER-W004", waiver, f"waiver {waiver.id} ({waiver.rule} for {waiver.target})"
                f" expires on {waiver.expires.isoformat()}, {when}"))
        if not waiver.expired(today) and check_unused and waiver.id not in used:
            engine.append(_waiver_finding(
                "CHARTER-W002", waiver, f"waiver {waiver.id} ({waiver.rule} for "
                f"{waiver.target}) matches no failing result"))
    return out, engine


def _independent_waiver(result: RuleResult, valid: list[Waiver], approvers: _Approvers,
                        used: set[str], engine: list[Finding]) -> Waiver | None:
    """The first waiver covering the result whose approver is independent of its entity."""
    for waiver in valid:
        if not waiver.covers(result.rule, result.entity):
            continue
        used.add(waiver.id)
        conflicts = approvers.conflicts(waiver, result)
        if not conflicts:
            return waiver
        engine.append(_waiver_finding(
            "CHARTER-W003", waiver, f"waiver {waiver.id} does not waive {result.rule} for "
            f"{result.entity}: its approver is not independent ({'; '.join(conflicts)})"))
    return None


def _waiver_finding(rule_id: str, waiver: Waiver, message: str) -> Finding:
    severity, title, remediation = ENGINE_RULES[rule_id]
    return Finding(rule=rule_id, severity=severity, entity=waiver.id, entity_kind="waiver",
                   message=message, file=waiver.file, line=waiver.line, title=title,
                   remediation=remediation)
