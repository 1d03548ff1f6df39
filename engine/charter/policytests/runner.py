"""Run policy test cases through the same evaluation as `charter check`."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Sequence
from dataclasses import dataclass

from charter.errors import CharterError, Problem
from charter.inventory.diff import diff_inventories
from charter.inventory.entities import iter_entities
from charter.policy.conditions import show
from charter.policy.context import StaticLedger
from charter.policy.evaluate import ENGINE_RULES, Evaluation, Subject, evaluate_policies
from charter.policy.loader import PolicySet
from charter.policy.outcome import State
from charter.policytests.cases import Case, Expectation
from charter.policytests.trace import Step, Tracer, traced_policies
from charter.suggest import closest, did_you_mean

_STATE_WORDS = {State.PASS: "holds", State.FAIL: "does not hold", State.MISSING: "undecided"}


@dataclass(frozen=True)
class Mismatch:
    expectation: Expectation
    actual: str  # pass | fail | waived | skip | not evaluated
    why: tuple[str, ...]  # how the rule decided, condition by condition


@dataclass(frozen=True)
class CaseResult:
    case: Case
    mismatches: tuple[Mismatch, ...]
    seconds: float
    # (rule, condition path) pairs evaluated for an entity the case states a result for
    evaluated: frozenset[tuple[str, str]]

    @property
    def passed(self) -> bool:
        return not self.mismatches


def check_expectations(policies: PolicySet, cases: Sequence[Case]) -> None:
    """Every expectation names a rule in force: a typo is an error, not a failing test."""
    problems = []
    known = [*policies.rules, *ENGINE_RULES]
    for expectation in (e for case in cases for e in case.expect):
        rule = expectation.rule
        if rule in policies.rules or rule in ENGINE_RULES:
            continue
        if rule in policies.disabled:
            message = f"rule {rule} is disabled: {policies.disabled[rule]}"
            hint = "remove the expectation"
        else:
            message = f"no rule {rule!r} in force"
            hint = did_you_mean(rule, known, quote=False) or "`charter docs` lists the rules"
        problems.append(Problem(message, expectation.file, expectation.line, hint=hint))
    if problems:
        raise CharterError(problems, summary="policy tests name rules that are not in force")


def run_case(policies: PolicySet, case: Case, today: dt.date) -> CaseResult:
    started = time.perf_counter()
    tracer = Tracer({(e.rule, e.entity) for e in case.expect})
    change = diff_inventories(case.base or {}, case.head, initial=case.base is None,
                              policies_changed=case.policies_changed)
    subject = Subject(case.head, case.source, case.base, change)
    evaluation = evaluate_policies(subject, traced_policies(policies, tracer),
                                   case.today or today, None, case.evidence, case.head,
                                   ledger=StaticLedger(case.monitoring))
    mismatches = []
    for expectation in case.expect:
        actual = _actual(evaluation, expectation)
        if actual != expectation.result:
            mismatches.append(Mismatch(expectation, actual,
                                       _why(evaluation, tracer, expectation, case)))
    evaluated = frozenset((s.rule, s.path) for s in tracer.steps)
    return CaseResult(case, tuple(mismatches), time.perf_counter() - started, evaluated)


def _actual(evaluation: Evaluation, expectation: Expectation) -> str:
    if expectation.rule in ENGINE_RULES:
        hit = any(f.rule == expectation.rule and f.entity == expectation.entity
                  for f in evaluation.findings)
        return "fail" if hit else "pass"
    for result in evaluation.results:
        if result.rule == expectation.rule and result.entity == expectation.entity:
            return result.status
    return "not evaluated"


def _why(evaluation: Evaluation, tracer: Tracer, expectation: Expectation,
         case: Case) -> tuple[str, ...]:
    rule, entity = expectation.rule, expectation.entity
    if rule in ENGINE_RULES:
        found = [f.message for f in evaluation.findings if f.rule == rule]
        return tuple(found) or (f"no {rule} finding at all",)
    result = next((r for r in evaluation.results if r.rule == rule and r.entity == entity), None)
    if result is None:
        return (_not_evaluated(case, entity),)
    lines = [_step(s) for s in tracer.for_result(rule, entity)]
    if result.finding is not None:
        finding = result.finding
        lines.insert(0, f"finding at {finding.file}:{finding.line}: {finding.message}")
        if result.finding.waived_by:
            lines.insert(1, f"waived by {result.finding.waived_by}")
    return tuple(lines)


def _step(step: Step) -> str:
    outcome = step.outcome
    found = outcome.found
    if outcome.state is State.MISSING:
        found = f"missing: {', '.join(outcome.missing)}"
    elif outcome.value is not None and outcome.field and show(outcome.value) not in found:
        found = f"{found} ({outcome.field} = {show(outcome.value)})"
    return f"{step.path}: {step.requirement} → {_STATE_WORDS[outcome.state]}: {found}"


def _not_evaluated(case: Case, entity: str) -> str:
    present = {e.id: e.kind for e in iter_entities(case.head)}
    if entity in present:
        return f"{entity} is a {present[entity]}, which this rule does not apply to"
    close = closest(entity, present)
    hint = f"; did you mean {close}?" if close else ""
    return f"the case's inventory has no entity {entity!r}{hint}"
