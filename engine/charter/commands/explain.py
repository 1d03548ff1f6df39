"""`charter explain RULE`: a rule in plain words, from the rule's own definition."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import cache
from pathlib import Path

from charter.policy.evaluate import ENGINE_RULES
from charter.policy.explain import explain_operators, explain_rule_id
from charter.policy.loader import PolicySet, load_policies
from charter.vcs.revisions import Revision


def run_explain(root: Path, rule_id: str | None, operators: bool) -> str:
    if operators or not rule_id:
        return explain_operators()
    policies = cache(lambda: load_policies(Revision.worktree(root)))
    return explain_rule_id(_spelled_as_defined(rule_id, policies), policies)


def _spelled_as_defined(rule_id: str, policies: Callable[[], PolicySet]) -> str:
    """Rule ids are matched whatever their case (`perf-001` is PERF-001); policies are
    loaded only when the id is not one of the engine's own rules."""
    found = _same_letters(rule_id, ENGINE_RULES)
    if found is None:
        loaded = policies()
        found = _same_letters(rule_id, [*loaded.rules, *loaded.disabled])
    return found or rule_id


def _same_letters(rule_id: str, known: Iterable[str]) -> str | None:
    if rule_id in known:
        return rule_id
    matches = sorted({k for k in known if k.casefold() == rule_id.casefold()})
    return matches[0] if len(matches) == 1 else None
