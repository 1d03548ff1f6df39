"""JMESPath functions in rules are checked once per signature for the types they allow: each
call still accepts and refuses exactly what the library's own interpreter does."""

from __future__ import annotations

from typing import Any

import jmespath
import pytest

from charter.policy.conditions import lookup

CASES: list[tuple[str, Any]] = [
    ("length(a)", {"a": 5}), ("length(a)", {"a": "text"}), ("length(a)", {"a": [1, 2]}),
    ("max(a)", {"a": [1, "x"]}), ("max(a)", {"a": [3, 1]}), ("max(a)", {"a": ["b", "a"]}),
    ("sum(a)", {"a": [1, True]}), ("sum(a)", {"a": [1.5, 2]}), ("avg(a)", {"a": []}),
    ("contains(a, 'x')", {"a": None}), ("contains(a, 'x')", {"a": ["x"]}),
    ("join(', ', a)", {"a": ["x", 1]}), ("join(', ', a)", {"a": ["x", "y"]}),
    ("merge(a, b)", {"a": {"x": 1}, "b": {"y": 2}}), ("abs(a)", {"a": False}),
    ("sort(a)", {"a": [2, "1"]}), ("sort(a)", {"a": [2, 1]}), ("keys(a)", {"a": [1]}),
]


def _library(expression: str, data: Any) -> Any:
    try:
        return jmespath.search(expression, data)
    except jmespath.exceptions.JMESPathTypeError:
        return None  # as a rule reads it: the data is not what was expected


@pytest.mark.parametrize(("expression", "data"), CASES)
def test_a_function_accepts_and_refuses_what_the_library_does(expression: str, data: Any
                                                              ) -> None:
    for _ in range(2):  # the second call finds the signature's types already worked out
        assert lookup(expression, data) == _library(expression, data)


@pytest.mark.parametrize(("expression", "data", "expected"), [
    ("merge(a, b)", {"a": {"x": 1}, "b": None}, None),
    ("merge(a, b)", {"a": None, "b": {}}, None),
    ("merge(a, b, c)", {"a": {"x": 1}, "b": {"y": 2}, "c": {"x": 3}}, {"x": 3, "y": 2}),
    ("not_null(a, b, c)", {"c": 0}, 0),
])
def test_every_argument_of_a_variadic_function_is_checked(expression: str, data: Any,
                                                          expected: Any) -> None:
    """The library checked only the first argument of `merge`: a null second one raised a
    TypeError that stopped the gate. Now it is a value of the wrong type, read as null."""
    assert lookup(expression, data) == expected
