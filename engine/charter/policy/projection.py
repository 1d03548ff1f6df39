"""A compiled condition's state remembered by the values of exactly the fields it reads.

Thousands of entities share the few values a rule looks at (no evidence, a team's members,
a validation date): where a condition reads only known paths of the context, its state is a
function of the values at those paths (and of the evaluation date, fixed for one judging), so
it is computed once per distinct projection. Values are told apart by type and value where
equal values cannot be told apart by any operator (text, whole numbers, booleans, null,
dates; floats with their sign), and by identity otherwise (a mapping or a list: contexts are
not changed once built, and the memo holds each such value, so its identity is not reused).

A condition is not remembered when the fields it reads are not exactly known (`@` of the
whole context, `changed`, `transition`, a traced condition), or when computing it costs no
more than the key would (a plain path tested for presence, membership or a fixed bound). A
memo that finds few repeats stops remembering: it is an optimisation, never a judgement.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from typing import Any

from charter.policy.compiled import StateOf
from charter.policy.conditions import (
    All,
    AnyOf,
    Condition,
    FieldRef,
    FieldTest,
    Not,
    _dotted_names,
    _walk,
    compile_field,
)
from charter.policy.outcome import State

Path = tuple[str, ...]
# after this many look-ups, a memo that found fewer than half of them stops
TRIAL = 512
LARGEST = 65536  # distinct projections one memo keeps at most
_CHEAP_OPS = ("exists", "in", "equals", "gt", "gte", "lt", "lte")
_BY_VALUE = frozenset({str, int, bool, type(None), dt.date})
# function arguments that are applied to the items of another argument (sort_by's &key)
_ITEM_ONLY = "expref"
_UNION = frozenset({"function_expression", "or_expression", "and_expression",
                    "not_expression", "comparator", "multi_select_list",
                    "multi_select_hash", "key_val_pair"})
_LEFT_ONLY = frozenset({"index_expression", "pipe", "projection", "value_projection",
                        "filter_projection", "flatten"})


def read_paths(condition: Condition) -> tuple[Path, ...] | None:
    """The context paths a condition reads, when exactly known and worth remembering by."""
    paths = _condition_paths(condition)
    if paths is None or not _costly(condition):
        return None
    return tuple(dict.fromkeys(paths))


def _condition_paths(condition: Condition) -> list[Path] | None:
    kind = type(condition)
    if kind is FieldTest:
        test: FieldTest = condition  # type: ignore[assignment]
        fields = [test.field] + ([test.expected.field] if isinstance(test.expected, FieldRef)
                                 else [])
        found: list[Path] = []
        for expression in fields:
            paths = expression_paths(expression)
            if paths is None:
                return None
            found += paths
        return found
    if kind is Not:
        return _condition_paths(condition.item)  # type: ignore[attr-defined]
    if kind in (All, AnyOf):
        found = []
        for item in condition.items:  # type: ignore[attr-defined]
            paths = _condition_paths(item)
            if paths is None:
                return None
            found += paths
        return found
    return None  # changed, transition (they read `base` whole) and any other condition


def _costly(condition: Condition) -> bool:
    kind = type(condition)
    if kind is FieldTest:
        test: FieldTest = condition  # type: ignore[assignment]
        return (test.op not in _CHEAP_OPS or isinstance(test.expected, FieldRef)
                or bool(test.tolerance) or _dotted_names(compile_field(test.field).parsed)
                is None)
    if kind is Not:
        return _costly(condition.item)  # type: ignore[attr-defined]
    return any(_costly(c) for c in condition.items)  # type: ignore[attr-defined]


def expression_paths(expression: str) -> list[Path] | None:
    """The paths of the context a JMESPath expression reads, or None when it reads the
    context as a whole (`@`) or has a part this does not know."""
    return _node_paths(compile_field(expression).parsed)


def _node_paths(node: Mapping[str, Any]) -> list[Path] | None:
    kind = node.get("type")
    children = node.get("children") or []
    if kind == "field":
        return [(node["value"],)]
    if kind == "literal":
        return []
    if kind == "subexpression":
        path = _dotted_names(node)
        if path is not None:
            return [path]
        # every part after the first is applied to what the first gives, never the context
        return _node_paths(children[0]) if children else None
    if kind in _LEFT_ONLY:
        return _node_paths(children[0]) if children else None
    if kind in _UNION:
        found: list[Path] = []
        for child in children:
            if kind == "function_expression" and child.get("type") == _ITEM_ONLY:
                continue
            paths = _node_paths(child)
            if paths is None:
                return None
            found += paths
        return found
    return None  # `@`, an index or slice of the context, anything unknown


def memoised(state: StateOf, paths: tuple[Path, ...]) -> StateOf:
    """`state`, remembered by the values at `paths`. One memo serves one judging: the
    evaluation date it is called with is the same throughout."""
    table: dict[Any, tuple[State, tuple[Any, ...]]] = {}
    counts = [0, 0, 1]  # look-ups, repeats, still remembering

    def decide(data: Mapping[str, Any], today: dt.date) -> State:
        if not counts[2]:
            return state(data, today)
        values = tuple(_walk(path, data) for path in paths)
        key = tuple(map(_token, values))
        counts[0] += 1
        found = table.get(key)
        if found is not None:
            counts[1] += 1
            return found[0]
        result = state(data, today)
        table[key] = (result, values)  # the values kept alive: their identities stay theirs
        if (counts[0] >= TRIAL and 2 * counts[1] < counts[0]) or len(table) > LARGEST:
            counts[2] = 0
            table.clear()
        return result

    return decide


def _token(value: Any) -> Any:
    kind = type(value)
    if kind in _BY_VALUE:
        return (kind, value)
    if kind is float:  # -0.0 == 0.0, yet shows (and matches) differently
        return (kind, value, math.copysign(1.0, value))
    return (kind, id(value))
