"""A rule in plain words, from the rule's own definition: what `charter explain` prints and
what SARIF and the reports describe a rule with."""

from __future__ import annotations

import textwrap
from collections.abc import Callable

from charter.errors import CharterError
from charter.policy.conditions import OPERATORS
from charter.policy.evaluate import ENGINE_RULES
from charter.policy.loader import PolicySet
from charter.policy.rules import Rule
from charter.suggest import did_you_mean

_KIND = {"model": "every model", "version": "every model version",
         "dataset": "every dataset version", "change": "the change as a whole"}
_MISSING = {"fail": "the rule fails and names the missing data (fail closed)",
            "pass": "the rule passes", "skip": "the rule does not apply"}


def explain_rule(rule: Rule) -> str:
    lines = [f"{rule.id}: {rule.title}", ""]
    if rule.description:
        lines += [*textwrap.wrap(rule.description, 88), ""]
    blocking = "blocks the merge" if rule.severity == "error" else "does not block"
    lines.append(f"Severity:     {rule.severity} ({blocking})")
    lines.append(f"Applies to:   {_KIND[rule.applies_to]}"
                 + (f" where {rule.match.describe()}" if rule.match else ""))
    if rule.when:
        lines.append(f"Only when:    {rule.when.describe()}")
    lines.append(f"Requires:     {rule.require.describe()}")
    lines.append(f"Missing data: {_MISSING[rule.on_missing]}")
    if rule.message:
        lines.append(f"Message:      {rule.message}")
    if rule.remediation:
        lines += ["", *textwrap.wrap(f"How to fix: {rule.remediation}", 88)]
    if rule.references:
        lines += ["", "References:", *(f"  - {r}" for r in rule.references)]
    source = rule.origin if rule.origin.startswith("charter:") else f"{rule.file}:{rule.line}"
    lines += ["", f"Defined in {source}"]
    return "\n".join(lines) + "\n"


def explain_operators() -> str:
    lines = ["Operators of the rule language (`field` is a JMESPath expression):", ""]
    for doc in OPERATORS.values():
        lines.append(f"  {doc.name:<13} {doc.summary}")
        lines.append(f"  {'':<13} e.g. {doc.example}")
    lines += ["", "Missing data makes a condition undecided; a rule then fails closed unless it",
              "sets `on_missing: pass` or `on_missing: skip`."]
    return "\n".join(lines) + "\n"


def explain_rule_id(rule_id: str, load_policies: Callable[[], PolicySet]) -> str:
    """A rule of the engine, or one in force (policies are loaded only for the latter)."""
    if rule_id in ENGINE_RULES:
        severity, title, remediation = ENGINE_RULES[rule_id]
        return f"{rule_id}: {title}\n\nSeverity: {severity}\n\n{remediation}\n"
    policies = load_policies()
    rule = policies.rules.get(rule_id)
    if rule is None:
        if rule_id in policies.disabled:
            return f"{rule_id} is disabled: {policies.disabled[rule_id]}\n"
        hint = did_you_mean(rule_id, policies.rules, quote=False) or (
            "see `charter explain --operators` and the files in policies/")
        raise CharterError.at(f"no rule {rule_id!r} in force", hint=hint)
    return explain_rule(rule)
