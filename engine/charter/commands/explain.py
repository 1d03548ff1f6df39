"""`charter explain RULE`: a rule in plain words, from the rule's own definition."""

from __future__ import annotations

from pathlib import Path

from charter.policy.explain import explain_operators, explain_rule_id
from charter.policy.loader import load_policies
from charter.vcs.revisions import Revision


def run_explain(root: Path, rule_id: str | None, operators: bool) -> str:
    if operators or not rule_id:
        return explain_operators()
    return explain_rule_id(rule_id, lambda: load_policies(Revision.worktree(root)))
