"""The condition language of rules: operators over JMESPath fields, composed with all/any/not.

Every operator documents itself in OPERATORS; `charter explain --operators` prints them.
Missing data is its own state (MISSING), so a rule can fail closed and say what was missing.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache, partial
from typing import Any, Protocol

import jmespath
import jmespath.exceptions
import jmespath.functions
import jmespath.visitor
import re2

from charter.policy.outcome import Outcome, State, Text


@dataclass(frozen=True)
class OperatorDoc:
    name: str
    summary: str
    example: str


OPERATORS: dict[str, OperatorDoc] = {
    doc.name: doc
    for doc in [
        OperatorDoc("exists", "the field is present and not null (`exists: false`: absent)",
                    "{field: validation.by, exists: true}"),
        OperatorDoc("equals", "the field equals a literal or another field (`tolerance` for "
                    "numbers)", "{field: validation.outcome, equals: approved}"),
        OperatorDoc("in", "the field is one of the listed values",
                    "{field: stage, in: [staging, production]}"),
        OperatorDoc("gt", "the field is greater than a number, a date or another field; "
                    "dates (YYYY-MM-DD text or date values) compare by day, other text "
                    "alphabetically, and a date never compares with plain text",
                    "{field: validation.date, gt: {field: created}}"),
        OperatorDoc("gte", "greater than or equal; with `tolerance: t`, value >= expected - t",
                    "{field: evidence.metrics.roc_auc, gte: {field: champion.evidence.metrics."
                    "roc_auc}, tolerance: 0.01}"),
        OperatorDoc("lt", "the field is less than a number, a date or another field",
                    "{field: evidence.drift.share_drifted, lt: 0.3}"),
        OperatorDoc("lte", "less than or equal; with `tolerance: t`, value <= expected + t",
                    "{field: evidence.fairness.sex.demographic_parity_difference, lte: 0.1}"),
        OperatorDoc("matches", "the whole text matches a regular expression (RE2 syntax, "
                    "matched in linear time: no backreferences or lookaround)",
                    "{field: artifact.path, matches: '^examples/.*\\.skops$'}"),
        OperatorDoc("max_age_days", "the date in the field is at most N days before the "
                    "evaluation date (N a number or {field: EXPRESSION})",
                    "{field: last_review, max_age_days: {field: 'review_every_days || `365`'}}"),
        OperatorDoc("changed", "the field (or any of a list; `true`: anything) differs from the "
                    "base revision; a new entity counts as changed", "{changed: stage}"),
        OperatorDoc("transition", "a changed field moves only along the allowed edges; the "
                    "key `new` lists the values a new entity may start with",
                    "{transition: {field: stage, allowed: {new: [development], "
                    "development: [staging]}}}"),
        OperatorDoc("count", "the number of items in a list (or keys of a map) compares as "
                    "given", "{field: approvals, count: {gte: 2}}"),
        OperatorDoc("all", "every listed condition holds", "{all: [{...}, {...}]}"),
        OperatorDoc("any", "at least one listed condition holds", "{any: [{...}, {...}]}"),
        OperatorDoc("not", "the condition does not hold", "{not: {changed: artifact}}"),
    ]
}

MAX_FIELD_DEPTH = 64
FIELD_OPERATORS = ("exists", "equals", "in", "gt", "gte", "lt", "lte", "matches",
                   "max_age_days", "count")
_FLOAT_MAX = int(sys.float_info.max)  # a larger int cannot be compared with a float
_NO_SLACK = None  # marks a comparison of texts, where a tolerance has no meaning


def _slack(expected: Any, tolerance: float | None, sign: int) -> Any:
    return expected if tolerance is None else expected + sign * tolerance


COMPARISONS: dict[str, tuple[str, Callable[[Any, Any, float | None], bool]]] = {
    "gt": (">", lambda v, e, t: v > _slack(e, t, -1)),
    "gte": ("≥", lambda v, e, t: v >= _slack(e, t, -1)),
    "lt": ("<", lambda v, e, t: v < _slack(e, t, 1)),
    "lte": ("≤", lambda v, e, t: v <= _slack(e, t, 1)),
}


class ConditionError(ValueError):
    """A condition that cannot be compiled; `path` is the key path inside the condition."""

    def __init__(self, message: str, path: tuple[str | int, ...] = ()) -> None:
        super().__init__(message)
        self.path = path


@dataclass(frozen=True)
class Scope:
    """What a condition is evaluated against."""

    data: Mapping[str, Any]
    today: dt.date


class Condition(Protocol):
    def evaluate(self, scope: Scope) -> Outcome: ...

    def describe(self) -> str: ...

    def fields(self) -> list[str]: ...


@lru_cache(maxsize=4096)
def compile_field(expression: str) -> jmespath.parser.ParsedResult:
    try:
        parsed = jmespath.compile(expression)
    except jmespath.exceptions.JMESPathError as exc:
        raise ConditionError(f"invalid field expression {_short(expression)}: {exc}") from None
    except RecursionError:  # jmespath parses by recursive descent
        parsed = None
    # evaluation recurses too: bound it here, where the rule can still be named
    if parsed is None or _depth(parsed.parsed) > MAX_FIELD_DEPTH:
        raise ConditionError(f"field expression {_short(expression)} nests deeper than "
                             f"{MAX_FIELD_DEPTH} levels")
    return parsed


def _depth(node: Mapping[str, Any]) -> int:
    deepest, stack = 0, [(node, 1)]
    while stack:
        current, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in current.get("children", ())
                     if isinstance(child, Mapping))
    return deepest


def _short(text: str, limit: int = 60) -> str:
    if len(text) <= limit:
        return repr(text)
    return f"{text[:limit]!r}… ({len(text):,} characters)"


class _Interpreter(jmespath.visitor.TreeInterpreter):
    """JMESPath's interpreter, but an ordering comparison (`<`, `>=`, ...) of a number with
    text is null, as JMESPath says of any two values that are not both numbers or both text:
    the library's raised a TypeError, which stopped the gate on one value of the wrong type."""

    def visit_comparator(self, node: Node, value: Any) -> Any:
        if node["value"] in ("eq", "ne"):
            return super().visit_comparator(node, value)
        left = self.visit(node["children"][0], value)
        right = self.visit(node["children"][1], value)
        if (_a_number(left) and _a_number(right)) or (
                isinstance(left, str) and isinstance(right, str)):
            return self.COMPARATOR_FUNC[node["value"]](left, right)
        return None


def _a_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


class _Functions(jmespath.functions.Functions):
    """JMESPath's functions, each argument checked as the library checks it; the Python
    types a signature allows are worked out once per signature, not on every call (a full
    check calls functions hundreds of thousands of times)."""

    def _get_allowed_pytypes(self, types: list[str]) -> tuple[list[str], list[list[str]]]:
        key = tuple(types)
        found = _ALLOWED.get(key)
        if found is None:  # the library only reads what it returns
            found = _ALLOWED[key] = super()._get_allowed_pytypes(  # type: ignore[misc]
                types)
        return found


    def _type_check(self, actual: list[Any], signature: list[dict[str, Any]],
                    function_name: str) -> None:
        """The library checks only as many arguments as the signature lists: the further
        arguments of a variadic function (`merge(a, b)`) went unchecked, and a null among
        them raised a TypeError that stopped the gate. Each is checked like the last."""
        super()._type_check(actual, signature, function_name)  # type: ignore[misc]
        if signature and signature[-1].get("variadic") and signature[-1]["types"]:
            for value in actual[len(signature):]:
                self._type_check_single(  # type: ignore[attr-defined]
                    value, signature[-1]["types"], function_name)


_ALLOWED: dict[tuple[str, ...], tuple[list[str], list[list[str]]]] = {}


# One interpreter for every search: jmespath's own `search` builds one per call.
_INTERPRETER = _Interpreter(jmespath.Options(custom_functions=_Functions()))
_GETTERS: dict[str, Callable[[Any], Any]] = {}


def lookup(expression: str, data: Mapping[str, Any]) -> Any:
    getter = _GETTERS.get(expression)
    if getter is None:
        getter = _GETTERS[expression] = field_getter(expression)
    return getter(data)


def field_getter(expression: str) -> Callable[[Any], Any]:
    """The expression compiled once into a function of the data. A plain dotted path
    (`evaluation.metrics.roc_auc`, most fields) walks the mappings directly, as JMESPath's
    field and sub-expression nodes do; anything else runs on the shared interpreter."""
    tree = compile_field(expression).parsed
    names = _dotted_names(tree)
    if names is not None:
        return partial(_walk, names)
    return partial(_run, _compile_node(tree))


def _dotted_names(node: Mapping[str, Any]) -> tuple[str, ...] | None:
    if node.get("type") == "field":
        return (node["value"],)
    if node.get("type") != "subexpression":
        return None
    names: tuple[str, ...] = ()
    for child in node["children"]:
        part = _dotted_names(child)
        if part is None:
            return None
        names += part
    return names


def _walk(names: tuple[str, ...], data: Any) -> Any:
    for name in names:
        try:
            data = data.get(name)
        except AttributeError:  # not a mapping: JMESPath's field of it is null
            return None
    return data


def _run(compiled: Callable[[Any], Any], data: Any) -> Any:
    try:
        return compiled(data)
    except jmespath.exceptions.JMESPathError:
        return None  # a type error inside a function call: the data is not what was expected


Node = Any  # a node of JMESPath's parsed tree: a dict with `type`, `value`, `children`
# The interpreter's own truth test and function table, so compiled nodes agree with it.
_IS_FALSE: Callable[[Any], bool] = _INTERPRETER._is_false  # type: ignore[attr-defined]
_CALL: Callable[[str, list[Any]], Any] = (
    _INTERPRETER._functions.call_function)  # type: ignore[attr-defined]


def _compile_node(node: Node) -> Callable[[Any], Any]:
    """The JMESPath node as a closure doing what the interpreter's visit of it does, without
    dispatching on every node of every search; a node of another type is visited by the
    interpreter itself."""
    kind = node["type"]
    children = [_compile_node(c) if isinstance(c, Mapping) else c
                for c in node.get("children", ())]
    compile_kind = _NODE_COMPILERS.get(kind)
    if compile_kind is None:
        return partial(_INTERPRETER.visit, node)
    return compile_kind(node, children)


def _chain(node: Node, children: list[Callable[[Any], Any]]) -> Callable[[Any], Any]:
    def run(value: Any) -> Any:
        for child in children:
            value = child(value)
        return value
    return run


def _field(node: Node, children: list[Callable[[Any], Any]]) -> Callable[[Any], Any]:
    name = node["value"]

    def run(value: Any) -> Any:
        try:
            return value.get(name)
        except AttributeError:
            return None
    return run


def _index(node: Node, children: list[Callable[[Any], Any]]) -> Callable[[Any], Any]:
    at = node["value"]

    def run(value: Any) -> Any:
        if not isinstance(value, list):
            return None
        try:
            return value[at]
        except IndexError:
            return None
    return run


def _projection(node: Node, children: list[Callable[[Any], Any]]) -> Callable[[Any], Any]:
    left, right = children

    def run(value: Any) -> Any:
        base = left(value)
        if not isinstance(base, list):
            return None
        return [found for found in map(right, base) if found is not None]
    return run


def _flatten(node: Node, children: list[Callable[[Any], Any]]) -> Callable[[Any], Any]:
    inner = children[0]

    def run(value: Any) -> Any:
        base = inner(value)
        if not isinstance(base, list):
            return None
        merged: list[Any] = []
        for element in base:
            if isinstance(element, list):
                merged.extend(element)
            else:
                merged.append(element)
        return merged
    return run


def _multi_select_list(node: Node, children: list[Callable[[Any], Any]]
                       ) -> Callable[[Any], Any]:
    return lambda value: None if value is None else [child(value) for child in children]


def _or(node: Node, children: list[Callable[[Any], Any]]) -> Callable[[Any], Any]:
    left, right = children

    def run(value: Any) -> Any:
        matched = left(value)
        if _IS_FALSE(matched):
            matched = right(value)
        return matched
    return run


def _function(node: Node, children: list[Callable[[Any], Any]]) -> Callable[[Any], Any]:
    name = node["value"]
    return lambda value: _CALL(name, [child(value) for child in children])


_NODE_COMPILERS: dict[str, Callable[[Node, list[Callable[[Any], Any]]],
                                    Callable[[Any], Any]]] = {
    "subexpression": _chain, "index_expression": _chain, "pipe": _chain,
    "field": _field, "index": _index, "projection": _projection, "flatten": _flatten,
    "multi_select_list": _multi_select_list, "or_expression": _or,
    "function_expression": _function,
    "current": lambda node, children: lambda value: value,
    "identity": lambda node, children: lambda value: value,
    "literal": lambda node, children: partial(_literal, node["value"]),
}


def _literal(literal: Any, value: Any) -> Any:
    return literal


def _size(value: Any) -> int | None:
    """The number of items of a list or map; None for anything else."""
    if isinstance(value, Sequence | Mapping) and not isinstance(value, str):
        return len(value)
    return None


def _is(field: str, value: Any) -> Callable[[], str]:
    return lambda: f"{field} is {show(value)}"


def show(value: Any) -> str:
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, float):
        return f"{value:.6g}"
    return json.dumps(value, default=str)


@dataclass(frozen=True)
class FieldRef:
    field: str

    def describe(self) -> str:
        return self.field


def _resolve(expected: Any, scope: Scope) -> Any:
    return lookup(expected.field, scope.data) if isinstance(expected, FieldRef) else expected


def _is_number(value: Any) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return math.isfinite(value) if isinstance(value, float) else abs(value) <= _FLOAT_MAX


def _as_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


_DATE_TEXT = re.compile(r"\d{4}-\d{2}-\d{2}(?:[T ].*)?", re.DOTALL)


def _looks_like_date(value: Any) -> bool:
    return isinstance(value, dt.date) or (isinstance(value, str) and _text_day(value)[0])


def _as_day(value: Any) -> dt.date | None:
    """A date, or ISO text of a real date (a time of day is dropped); otherwise None."""
    if isinstance(value, dt.date):
        return _as_date(value)
    if not isinstance(value, str):
        return None
    return _text_day(value)[1]


@lru_cache(maxsize=8192)
def _text_day(value: str) -> tuple[bool, dt.date | None]:
    """Whether the text is spelled like a date, and the day it names (None: no real day).
    Read once per text: thousands of versions share a few dates."""
    looks = bool(_DATE_TEXT.fullmatch(value))
    try:
        parsed = dt.datetime.fromisoformat(value) if len(value) > 10 else (
            dt.date.fromisoformat(value))
    except ValueError:
        return looks, None
    return looks, _as_date(parsed)


def _ordered(value: Any, expected: Any, tolerance: float) -> tuple[Any, Any] | None:
    """The two values in a form that orders, or None when they cannot be compared.

    Dates must order as days whatever their spelling (`2026-06-01`, a date object, a
    timestamp); text that merely sorts like a date, such as `soon`, must not pass for one.
    """
    if _is_number(value) and _is_number(expected):
        return value, expected
    if tolerance:
        return None  # a tolerance is a number: it has no meaning for dates or text
    if _looks_like_date(value) or _looks_like_date(expected):
        days = (_as_day(value), _as_day(expected))
        return None if None in days else days
    if isinstance(value, str) and isinstance(expected, str):
        return value, expected  # versions and other text compare alphabetically
    return None


@dataclass(frozen=True)
class FieldTest:
    field: str
    op: str
    expected: Any
    tolerance: float = 0.0
    label: str = ""

    def describe(self) -> str:
        return self._description

    @cached_property
    def _description(self) -> str:
        if self.label:
            return self.label
        expected = self.expected.describe() if isinstance(self.expected, FieldRef) else show(
            self.expected)
        if self.op == "exists":
            return f"{self.field} is present" if self.expected else f"{self.field} is absent"
        if self.op in COMPARISONS:
            text = f"{self.field} {COMPARISONS[self.op][0]} {expected}"
            return f"{text} (tolerance {self.tolerance:g})" if self.tolerance else text
        if self.op == "equals":
            text = f"{self.field} = {expected}"
            return f"{text} (tolerance {self.tolerance:g})" if self.tolerance else text
        if self.op == "in":
            return f"{self.field} is one of {', '.join(show(v) for v in self.expected)}"
        if self.op == "matches":
            return f"{self.field} matches /{self.expected}/"
        if self.op == "max_age_days":
            return f"{self.field} is at most {expected} days old"
        bounds = ", ".join(f"{COMPARISONS[k][0] if k in COMPARISONS else '='} {v:g}"
                           for k, v in self.expected.items())
        return f"the number of {self.field} is {bounds}"

    def fields(self) -> list[str]:
        return list(self._fields)

    @cached_property
    def _fields(self) -> tuple[str, ...]:
        refs = [self.expected.field] if isinstance(self.expected, FieldRef) else []
        return (self.field, *refs)

    @cached_property
    def _get(self) -> Callable[[Any], Any]:
        lookup(self.field, {})  # compiled once, and checked as every lookup is
        return _GETTERS[self.field]

    def evaluate(self, scope: Scope) -> Outcome:
        value = self._get(scope.data)
        if self.op == "exists":
            present = value is not None
            state = State.PASS if present == bool(self.expected) else State.FAIL
            found = _is(self.field, value) if present else f"{self.field} is absent"
            return self._outcome(state, value, found)
        if value is None and self.op == "count":
            value = []  # the count of something absent is zero
        if value is None:
            return self._outcome(State.MISSING, None, f"{self.field} is missing",
                                 missing=(self.field,))
        expected = _resolve(self.expected, scope)
        if expected is None:
            assert isinstance(self.expected, FieldRef)
            return self._outcome(State.MISSING, value, f"{self.expected.field} is missing",
                                 missing=(self.expected.field,))
        holds, found = self._test(value, expected, scope)
        return self._outcome(State.PASS if holds else State.FAIL, value, found, expected)

    def _test(self, value: Any, expected: Any, scope: Scope) -> tuple[bool, Text]:
        return self.test(value, expected, scope.today), self._found(value, expected, scope)

    def test(self, value: Any, expected: Any, today: dt.date) -> bool:
        """Whether a present `value` meets a present `expected`: the one place that decides,
        for the outcome and for the compiled yes-or-no alike."""
        if self.op == "equals":
            if self.tolerance and _is_number(value) and _is_number(expected):
                return bool(abs(value - expected) <= self.tolerance)
            return bool(value == expected)
        if self.op == "in":
            return value in expected
        if self.op in COMPARISONS:
            pair = _ordered(value, expected, self.tolerance)
            if pair is None:
                return False
            slack = self.tolerance if _is_number(pair[0]) else _NO_SLACK
            return bool(COMPARISONS[self.op][1](*pair, slack))
        if self.op == "matches":
            return matches_whole(expected, str(value))
        if self.op == "max_age_days":
            when = _as_date(value)
            if when is None or not _is_number(expected):
                return False
            return bool((today - when).days <= expected)
        size = _size(value)
        if size is None:
            return False
        return all(
            size == bound if key == "equals" else COMPARISONS[key][1](size, bound, 0.0)
            for key, bound in expected.items()
        )

    def _found(self, value: Any, expected: Any, scope: Scope) -> Text:
        found = _is(self.field, value)
        if self.op in COMPARISONS:
            if _ordered(value, expected, self.tolerance) is None:
                return lambda: (f"{found()}, which cannot be compared with "
                                f"{show(expected)}")
            return found
        if self.op == "max_age_days":
            when = _as_date(value)
            if when is None:
                return lambda: f"{found()}, which is not a date"
            if not _is_number(expected):
                return f"the limit {show(expected)} is not a number of days"
            age = (scope.today - when).days
            return lambda: f"{self.field} is {when.isoformat()} ({age} days old)"
        if self.op == "count":
            size = _size(value)
            if size is None:
                return lambda: f"{found()}, which is not a list"
            return lambda: f"{self.field} has {size} item{'s' if size != 1 else ''}"
        return found

    def _outcome(self, state: State, value: Any, found: Text, expected: Any = None,
                 missing: tuple[str, ...] = ()) -> Outcome:
        shown = expected if expected is not None else (
            None if isinstance(self.expected, FieldRef) else self.expected)
        # When the field cannot be pointed at (a context value, a function), the field it is
        # compared with can: a finding then lands on a line of the entity, not on its key.
        return Outcome(state, self._description, found, self.field, value, shown, missing,
                       self._fields)


@dataclass(frozen=True)
class Changed:
    """True when a field differs from the base; a new entity counts as changed."""

    names: tuple[str, ...]  # empty: the entity as a whole
    label: str = ""

    def describe(self) -> str:
        if self.label:
            return self.label
        if not self.names:
            return "the entity changed"
        return f"{' or '.join(self.names)} changed"

    def fields(self) -> list[str]:
        return list(self.names)

    def evaluate(self, scope: Scope) -> Outcome:
        base = scope.data.get("base")
        change = scope.data.get("change") or {}
        if base is None:
            return Outcome(State.PASS, self.describe, "the entity is new",
                           located_at=self.names)
        if not self.names:
            status = change.get("status", "unchanged")
            state = State.PASS if status != "unchanged" else State.FAIL
            return Outcome(state, self.describe, f"the entity is {status}")
        moved = [n for n in self.names if lookup(n, scope.data) != lookup(n, base)]
        if not moved:
            return Outcome(State.FAIL, self.describe, "none of them changed",
                           located_at=self.names)
        leaves = [leaf for n in moved for leaf in _changed_leaves(
            n, lookup(n, base), lookup(n, scope.data))]
        first = leaves[0]
        return Outcome(State.PASS, self.describe, partial(_changes, leaves),
                       field=first[0], value=first[2],
                       expected=first[1], located_at=tuple(p for p, _, _ in leaves))


def _changes(leaves: list[tuple[str, Any, Any]]) -> str:
    details = "; ".join(f"{path} changed from {show(old)} to {show(new)}"
                        for path, old, new in leaves[:5])
    if len(leaves) > 5:
        details += f"; and {len(leaves) - 5} more"
    return details


def _changed_leaves(path: str, old: Any, new: Any) -> list[tuple[str, Any, Any]]:
    """The innermost keys that differ, so a message names `metrics.roc_auc`, not a blob."""
    if isinstance(old, Mapping) and isinstance(new, Mapping):
        leaves = [leaf for key in sorted(set(old) | set(new), key=str)
                  if old.get(key) != new.get(key)
                  for leaf in _changed_leaves(f"{path}.{key}", old.get(key), new.get(key))]
        if leaves:  # none when they differ only by a key written as null
            return leaves
    return [(path, old, new)]


@dataclass(frozen=True)
class Transition:
    field: str
    allowed: Mapping[str, tuple[str, ...]]
    label: str = ""

    def describe(self) -> str:
        if self.label:
            return self.label
        edges = "; ".join(f"{src} → {', '.join(dst) or 'nothing'}"
                          for src, dst in self.allowed.items())
        return f"{self.field} moves only along: {edges}"

    def fields(self) -> list[str]:
        return [self.field]

    def evaluate(self, scope: Scope) -> Outcome:
        base = scope.data.get("base")
        new = lookup(self.field, scope.data)
        old = "new" if base is None else lookup(self.field, base)
        if new is None:
            return Outcome(State.MISSING, self.describe, f"{self.field} is missing",
                           field=self.field, missing=(self.field,), located_at=(self.field,))
        found = partial("{} moved from {} to {}".format, self.field, old, new)
        if old == new:
            unchanged = partial("{} is unchanged ({})".format, self.field, new)
            return Outcome(State.PASS, self.describe, unchanged, field=self.field, value=new,
                           located_at=(self.field,))
        allowed = self.allowed.get(str(old), ())
        state = State.PASS if new in allowed else State.FAIL
        return Outcome(state, self.describe, found, self.field, new,
                       list(allowed), located_at=(self.field,))


@dataclass(frozen=True)
class All:
    items: tuple[Condition, ...]
    label: str = ""

    def describe(self) -> str:
        return self.label or "all of: " + "; ".join(c.describe() for c in self.items)

    def fields(self) -> list[str]:
        return [f for c in self.items for f in c.fields()]

    def evaluate(self, scope: Scope) -> Outcome:
        missing: Outcome | None = None
        last: Outcome | None = None
        for item in self.items:
            last = item.evaluate(scope)
            if last.state is State.FAIL:
                return last
            if last.state is State.MISSING and missing is None:
                missing = last
        assert last is not None
        passed = last
        return missing or Outcome(State.PASS, self.describe, lambda: passed.found, last.field,
                                  last.value, last.expected, located_at=last.located_at)


@dataclass(frozen=True)
class AnyOf:
    items: tuple[Condition, ...]
    label: str = ""

    def describe(self) -> str:
        return self.label or "any of: " + "; ".join(c.describe() for c in self.items)

    def fields(self) -> list[str]:
        return [f for c in self.items for f in c.fields()]

    def evaluate(self, scope: Scope) -> Outcome:
        outcomes = []
        for item in self.items:
            outcome = item.evaluate(scope)
            if outcome.holds:
                return outcome
            outcomes.append(outcome)
        missing = [o for o in outcomes if o.state is State.MISSING]
        first = missing[0] if missing else outcomes[0]

        def found() -> str:
            return "; ".join(o.found for o in outcomes)

        state = State.MISSING if missing else State.FAIL
        return Outcome(state, self.describe, found, first.field, first.value, first.expected,
                       tuple(m for o in missing for m in o.missing), first.located_at)


@dataclass(frozen=True)
class Not:
    item: Condition
    label: str = ""

    def describe(self) -> str:
        return self.label or f"not ({self.item.describe()})"

    def fields(self) -> list[str]:
        return self.item.fields()

    def evaluate(self, scope: Scope) -> Outcome:
        inner = self.item.evaluate(scope)
        if inner.state is State.MISSING:
            return inner
        state = State.FAIL if inner.holds else State.PASS
        return Outcome(state, self.describe, lambda: inner.found, inner.field, inner.value,
                       inner.expected, located_at=inner.located_at)


def compile_condition(raw: Any, path: tuple[str | int, ...] = ()) -> Condition:
    if not isinstance(raw, Mapping) or not raw:
        raise ConditionError("a condition is a non-empty mapping", path)
    label = str(raw.get("label", ""))
    keys = set(raw) - {"label"}
    for combinator in ("all", "any"):
        if combinator in raw:
            _only(keys, {combinator}, path)
            items = raw[combinator]
            if not isinstance(items, list) or not items:
                raise ConditionError(f"'{combinator}' takes a non-empty list", (*path, combinator))
            compiled = tuple(compile_condition(c, (*path, combinator, i))
                             for i, c in enumerate(items))
            return All(compiled, label) if combinator == "all" else AnyOf(compiled, label)
    if "not" in raw:
        _only(keys, {"not"}, path)
        return Not(compile_condition(raw["not"], (*path, "not")), label)
    if "changed" in raw:
        _only(keys, {"changed"}, path)
        return _compile_changed(raw["changed"], label, path)
    if "transition" in raw:
        _only(keys, {"transition"}, path)
        return _compile_transition(raw["transition"], label, (*path, "transition"))
    return _compile_field_test(raw, keys, label, path)


def _only(keys: set[str], allowed: set[str], path: tuple[str | int, ...]) -> None:
    extra = sorted(keys - allowed)
    if extra:
        raise ConditionError(
            f"{'/'.join(sorted(allowed))} cannot be combined with {', '.join(extra)} in one "
            "condition; wrap them in `all:`", path)


def _compile_changed(value: Any, label: str, path: tuple[str | int, ...]) -> Changed:
    if value is True:
        return Changed((), label)
    names = [value] if isinstance(value, str) else value
    if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
        raise ConditionError("'changed' takes a field, a list of fields, or true",
                             (*path, "changed"))
    for name in names:
        compile_field(name)
    return Changed(tuple(names), label)


def _compile_transition(raw: Any, label: str, path: tuple[str | int, ...]) -> Transition:
    if not isinstance(raw, Mapping) or not isinstance(raw.get("allowed"), Mapping):
        raise ConditionError("'transition' takes {field: ..., allowed: {from: [to, ...]}}", path)
    field = str(raw.get("field", "stage"))
    compile_field(field)
    allowed = {str(k): tuple(str(v) for v in (vs or [])) for k, vs in raw["allowed"].items()}
    return Transition(field, allowed, label)


def _compile_field_test(raw: Mapping[str, Any], keys: set[str], label: str,
                        path: tuple[str | int, ...]) -> FieldTest:
    ops = [k for k in FIELD_OPERATORS if k in raw]
    known = {"field", "tolerance", *FIELD_OPERATORS}
    unknown = sorted(keys - known)
    if unknown:
        raise ConditionError(f"unknown operator {unknown[0]!r}", (*path, unknown[0]))
    if "field" not in raw:
        raise ConditionError("a condition needs `field:` and an operator, or all/any/not/"
                             "changed/transition", path)
    if len(ops) != 1:
        what = "no operator" if not ops else f"several operators ({', '.join(ops)})"
        raise ConditionError(f"{what} for field {raw['field']!r}; use exactly one of "
                             f"{', '.join(FIELD_OPERATORS)}, and `all:` to combine", path)
    op = ops[0]
    field = str(raw["field"])
    try:
        compile_field(field)
    except ConditionError as exc:
        raise ConditionError(str(exc), (*path, "field")) from None
    tolerance = raw.get("tolerance", 0.0)
    if tolerance and op not in ("equals", *COMPARISONS):
        raise ConditionError(f"'tolerance' does not apply to {op!r}", (*path, "tolerance"))
    expected = _compile_expected(op, raw[op], (*path, op))
    return FieldTest(field, op, expected, float(tolerance), label)


def _compile_expected(op: str, value: Any, path: tuple[str | int, ...]) -> Any:
    if value is None and op != "exists":  # null would read as "the other field is missing"
        raise ConditionError(f"{op!r} takes a value, not null; to require that a field is "
                             "absent, use `exists: false`", path)
    if isinstance(value, Mapping) and op != "count":
        if set(value) != {"field"} or op not in ("equals", "max_age_days", *COMPARISONS):
            raise ConditionError(f"{op!r} takes a value or {{field: EXPRESSION}}", path)
        compile_field(str(value["field"]))
        return FieldRef(str(value["field"]))
    checks: dict[str, Callable[[Any], bool]] = {
        "exists": lambda v: isinstance(v, bool),
        "in": lambda v: isinstance(v, list),
        "matches": lambda v: isinstance(v, str),
        "max_age_days": lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 0,
        "count": lambda v: isinstance(v, Mapping) and bool(v) and set(v) <= {
            "equals", *COMPARISONS} and all(_is_number(x) for x in v.values()),
    }
    if op in checks and not checks[op](value):
        wants = {"exists": "true or false", "in": "a list", "matches": "a regular expression",
                 "max_age_days": "a whole number of days",
                 "count": "a mapping like {gte: 1} (equals, gt, gte, lt, lte)"}[op]
        raise ConditionError(f"{op!r} takes {wants}", path)
    if op == "matches":
        try:
            linear_regex(value)
        except ValueError as exc:
            raise ConditionError(f"'matches' takes a valid regular expression; '{value}' is "
                                 f"refused: {exc}", path) from None
    return value


_REGEX_OPTIONS = re2.Options()
_REGEX_OPTIONS.log_errors = False
_REGEX_OPTIONS.max_mem = 8 << 20  # bounds the compiled automaton of a huge pattern


@lru_cache(maxsize=4096)
def matches_whole(pattern: str, text: str) -> bool:
    # RE2 matches UTF-8 bytes; given text, its wrapper also maps every offset back to
    # characters, which costs three times the match when only a yes or no is wanted.
    # Remembered: rules that check the same field alike (a digest's form) ask the same.
    return linear_regex(pattern).fullmatch(text.encode()) is not None


@lru_cache(maxsize=1024)
def linear_regex(pattern: str) -> Any:
    """A policy regex compiled by RE2, which matches in time linear in the text: a rule
    author's `(a+)+$` must not let a pull request's 41-character title hang the gate."""
    try:
        return re2.compile(pattern, _REGEX_OPTIONS)
    except re2.error as exc:
        reason = exc.args[0].decode(errors="replace") if exc.args and isinstance(
            exc.args[0], bytes) else str(exc)
        raise ValueError(f"{reason} (rules use RE2 syntax, matched in linear time: "
                         "no backreferences or lookaround)") from None
