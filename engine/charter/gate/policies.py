"""The rules in force for a change, and the impact of a proposed rule change."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import replace
from pathlib import PurePosixPath
from typing import Any

from charter.errors import CharterError
from charter.inventory.diff import EntityKey
from charter.layout import YAML_SUFFIXES
from charter.policy.context import Ledger
from charter.policy.evaluate import Evaluation, Subject, evaluate_policies
from charter.policy.loader import PolicySet, load_policies
from charter.result import Impact, ImpactItem
from charter.vcs.revisions import POLICY_DIR, Revision, is_policy_file


def _policy_ids(revision: Revision) -> dict[str, str | None]:
    return {p: revision.content_id(p) for p in revision.policy_files()}


def _refuse_skipped(revision: Revision) -> None:
    """A file in policies/ that reads as YAML but that no one would load as rules (`.YAML`,
    `.Yml`): a pull request renaming `rules.yaml` to `rules.YAML` would drop its rules
    without a trace once merged. Refused, as such files in models/ are."""
    skipped = [p for p in revision.files_under(POLICY_DIR)
               if PurePosixPath(p).parent == PurePosixPath(POLICY_DIR)
               and p.lower().endswith(YAML_SUFFIXES) and not is_policy_file(p)]
    if skipped:
        also = f" (and {', '.join(skipped[1:])})" if skipped[1:] else ""
        raise CharterError.at(
            f"a YAML file in {POLICY_DIR}/ that Charter would not read as rules{also}: name it "
            "with .yaml (or .yml) in lower case, or move it out of the folder", file=skipped[0])


def policies_in_force(base: Revision | None, head: Revision, policies_from: str,
                      notes: list[str]
                      ) -> tuple[PolicySet, PolicySet | None, PolicySet | None, bool]:
    """The rules in force; the base's and the proposed ones when policies/ changed (for the
    impact report, whichever judges); and whether it did."""
    _refuse_skipped(head)
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


def policy_impact(subject: Subject, current: PolicySet, proposed: PolicySet, today: dt.date,
                  evidence: Mapping[str, Any], waiver_inventory: Mapping[str, Any],
                  authors: Mapping[str, tuple[str, ...]], ledger: Ledger | None = None
                  ) -> tuple[Impact, set[EntityKey]]:
    """The impact of the proposed rules, and the entities they newly fail."""
    every = replace(subject.change, policies_changed=True)
    full = Subject(subject.head, subject.source, subject.base, every)
    before = evaluate_policies(full, current, today, None, evidence, waiver_inventory, authors,
                               ledger=ledger)
    after = evaluate_policies(full, proposed, today, None, evidence, subject.head, authors,
                              ledger=ledger)
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
