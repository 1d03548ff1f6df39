"""Conditions compiled once into functions that return only the state (pass, fail, missing).

Most evaluations pass and are never shown: they need no Outcome, no words, no located
fields. A rule's result is decided here; the full `Condition.evaluate` runs only where a
finding has to be written. Each function mirrors its condition's `evaluate` exactly (the
tests compare them on generated data); a condition of any other type (a traced one, say)
is not compiled, so that it is evaluated once, in full, as before.
"""

from __future__ import annotations

import datetime as dt
import math
import operator
from collections.abc import Callable, Mapping
from typing import Any

from charter.policy.conditions import (
    _FLOAT_MAX,
    All,
    AnyOf,
    Changed,
    Condition,
    FieldRef,
    FieldTest,
    Not,
    Scope,
    Transition,
    _is_number,
    _slack,
    lookup,
)
from charter.policy.outcome import State

StateOf = Callable[[Mapping[str, Any], dt.date], State]
PASS, FAIL, MISSING = State.PASS, State.FAIL, State.MISSING


def compile_state(condition: Condition) -> StateOf | None:
    """The condition's state as a function of (data, today), or None when a part of it is
    not a plain condition."""
    kind = type(condition)
    if kind is FieldTest:
        return _field_test(condition)  # type: ignore[arg-type]
    if kind is Changed:
        return _changed(condition)  # type: ignore[arg-type]
    if kind is Transition:
        return _transition(condition)  # type: ignore[arg-type]
    if kind is Not:
        inner = compile_state(condition.item)  # type: ignore[attr-defined]
        return None if inner is None else _not(inner)
    if kind in (All, AnyOf):
        items = [compile_state(c) for c in condition.items]  # type: ignore[attr-defined]
        if any(item is None for item in items):
            return None
        parts = tuple(i for i in items if i is not None)
        return _all(parts) if kind is All else _any(parts)
    return None


def state_of(condition: Condition) -> StateOf:
    """The compiled function, or the full evaluation's state for any other condition."""
    compiled = compile_state(condition)
    if compiled is not None:
        return compiled
    return lambda data, today: condition.evaluate(Scope(data, today)).state


def _field_test(test: FieldTest) -> StateOf:
    get = test._get
    expected = test.expected
    if test.op == "exists":
        wanted = bool(expected)
        return lambda data, today: PASS if (get(data) is not None) == wanted else FAIL
    if test.op == "in":
        return lambda data, today: MISSING if (value := get(data)) is None else (
            PASS if value in expected else FAIL)
    if test.op == "equals" and not test.tolerance and not isinstance(expected, FieldRef):
        return lambda data, today: MISSING if (value := get(data)) is None else (
            PASS if value == expected else FAIL)
    if test.op in _ORDERS and not isinstance(expected, FieldRef) and _is_number(expected):
        return _against_number(test)
    ref = expected.field if isinstance(expected, FieldRef) else None
    counts = test.op == "count"
    decide = test.test

    def state(data: Mapping[str, Any], today: dt.date) -> State:
        value = get(data)
        if value is None:
            if not counts:
                return MISSING
            value = []  # the count of something absent is zero
        wanted = expected if ref is None else lookup(ref, data)
        if wanted is None:
            return MISSING
        return PASS if decide(value, wanted, today) else FAIL

    return state


# gt/gte compare with the bound lowered by the tolerance, lt/lte with it raised
_ORDERS = {"gt": (operator.gt, -1), "gte": (operator.ge, -1), "lt": (operator.lt, 1),
           "lte": (operator.le, 1)}


def _against_number(test: FieldTest) -> StateOf:
    """A comparison with a fixed number: a number read is compared with the bound, computed
    once exactly as COMPARISONS computes it; any other value is decided by `test.test`."""
    get, expected, decide = test._get, test.expected, test.test
    compare, sign = _ORDERS[test.op]
    bound = _slack(expected, test.tolerance, sign)

    def state(data: Mapping[str, Any], today: dt.date) -> State:
        value = get(data)
        if value is None:
            return MISSING
        kind = type(value)
        if (kind is float and math.isfinite(value)) or (
                kind is int and -_FLOAT_MAX <= value <= _FLOAT_MAX):
            return PASS if compare(value, bound) else FAIL
        return PASS if decide(value, expected, today) else FAIL

    return state


def _changed(changed: Changed) -> StateOf:
    names = changed.names

    def state(data: Mapping[str, Any], today: dt.date) -> State:
        base = data.get("base")
        if base is None:
            return PASS  # a new entity counts as changed
        if not names:
            change = data.get("change") or {}
            return PASS if change.get("status", "unchanged") != "unchanged" else FAIL
        for name in names:
            if lookup(name, data) != lookup(name, base):
                return PASS
        return FAIL

    return state


def _transition(transition: Transition) -> StateOf:
    field, allowed = transition.field, transition.allowed

    def state(data: Mapping[str, Any], today: dt.date) -> State:
        base = data.get("base")
        new = lookup(field, data)
        if new is None:
            return MISSING
        old = "new" if base is None else lookup(field, base)
        if old == new:
            return PASS
        return PASS if new in allowed.get(str(old), ()) else FAIL

    return state


def _not(inner: StateOf) -> StateOf:
    def state(data: Mapping[str, Any], today: dt.date) -> State:
        found = inner(data, today)
        if found is MISSING:
            return MISSING
        return FAIL if found is PASS else PASS

    return state


def _all(items: tuple[StateOf, ...]) -> StateOf:
    def state(data: Mapping[str, Any], today: dt.date) -> State:
        missing = False
        for item in items:
            found = item(data, today)
            if found is FAIL:
                return FAIL
            if found is MISSING:
                missing = True
        return MISSING if missing else PASS

    return state


def _any(items: tuple[StateOf, ...]) -> StateOf:
    def state(data: Mapping[str, Any], today: dt.date) -> State:
        missing = False
        for item in items:
            found = item(data, today)
            if found is PASS:
                return PASS
            if found is MISSING:
                missing = True
        return MISSING if missing else FAIL

    return state
