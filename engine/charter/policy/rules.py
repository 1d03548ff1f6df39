"""Rules and waivers as compiled, immutable values."""

from __future__ import annotations

import datetime as dt
import fnmatch
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from charter.policy.conditions import Condition, ConditionError, compile_condition

SEVERITIES = ("error", "warning", "info")
APPLIES_TO = ("model", "version", "dataset", "change")
_MATCH_CONDITION_KEYS = {"all", "any", "not", "field", "changed", "transition"}


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    severity: str
    applies_to: str
    require: Condition
    match: Condition | None = None
    when: Condition | None = None
    message: str = ""
    description: str = ""
    references: tuple[str, ...] = ()
    remediation: str = ""
    tags: tuple[str, ...] = ()
    help_uri: str = ""
    on_missing: str = "fail"
    origin: str = "local"  # the policy file, or the built-in pack it came from
    file: str = ""
    line: int = 0
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @cached_property
    def sees_removed(self) -> bool:
        """Only rules that select on `change` are shown entities the change removed."""
        selectors = [c for c in (self.match, self.when) if c is not None]
        return any(f.startswith("change") for c in selectors for f in c.fields())


@dataclass(frozen=True)
class Waiver:
    id: str
    rule: str
    target: str
    justification: str
    approved_by: str
    expires: dt.date
    granted: dt.date | None = None
    file: str = ""
    line: int = 0

    def covers(self, rule_id: str, entity_id: str) -> bool:
        return rule_id == self.rule and fnmatch.fnmatchcase(entity_id, self.target)

    def expired(self, today: dt.date) -> bool:
        return today > self.expires


def compile_rule(rule_id: str, raw: Mapping[str, Any], origin: str, file: str,
                 line: int) -> Rule:
    """Compile one validated rule mapping; ConditionError carries the key path on failure."""
    match = _compile_match(raw.get("match"))
    when = _optional(raw.get("when"), ("when",))
    return Rule(
        id=rule_id,
        title=str(raw["title"]),
        severity=str(raw["severity"]),
        applies_to=str(raw["applies_to"]),
        require=compile_condition(raw["require"], ("require",)),
        match=match,
        when=when,
        message=str(raw.get("message", "")),
        description=str(raw.get("description", "")),
        references=tuple(str(r) for r in raw.get("references", [])),
        remediation=str(raw.get("remediation", "")),
        tags=tuple(str(t) for t in raw.get("tags", [])),
        help_uri=str(raw.get("help_uri", "")),
        on_missing=str(raw.get("on_missing", "fail")),
        origin=origin,
        file=file,
        line=line,
        raw=raw,
    )


def _optional(raw: Any, path: tuple[str | int, ...]) -> Condition | None:
    return None if raw is None else compile_condition(raw, path)


def is_match_shorthand(raw: Any) -> bool:
    """`match: {field: value | [values], ...}`, as opposed to a condition."""
    return isinstance(raw, Mapping) and bool(raw) and not set(raw) & _MATCH_CONDITION_KEYS


def _compile_match(raw: Any) -> Condition | None:
    """`match` is a condition, or the shorthand {field: value | [values]}."""
    if raw is None:
        return None
    if not isinstance(raw, Mapping) or not raw:
        raise ConditionError("'match' takes a mapping of field: value", ("match",))
    if not is_match_shorthand(raw):
        return compile_condition(raw, ("match",))
    items = [
        {"field": key, "in" if isinstance(value, list) else "equals": value}
        for key, value in raw.items()
    ]
    return compile_condition(items[0] if len(items) == 1 else {"all": items}, ("match",))
