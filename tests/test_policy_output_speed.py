"""The JSON result is written by a faster encoder than the standard library's indented one:
for any value it gives exactly the text `json.dumps(value, indent=2, default=str)` gives,
and refuses what that refuses."""

from __future__ import annotations

import datetime as dt
import enum
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from charter.reporters.indented_json import dumps_indented


class Level(enum.IntEnum):
    LOW = 1


class Name(str):
    pass


_scalars = (st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True)
            | st.text() | st.dates() | st.sampled_from([Level.LOW, Name("x\u00e9\n"), -0.0])
            | st.builds(lambda c: {c}, st.integers()))
_keys = (st.text() | st.integers() | st.floats(allow_nan=False) | st.booleans() | st.none()
         | st.sampled_from([Name("k"), Level.LOW]))
_values = st.recursive(_scalars, lambda inner: st.lists(inner, max_size=4)
                       | st.lists(inner, max_size=3).map(tuple)
                       | st.dictionaries(_keys, inner, max_size=4), max_leaves=25)


@settings(max_examples=400, deadline=None)
@given(_values)
def test_any_value_is_written_as_the_standard_library_writes_it(value: Any) -> None:
    assert dumps_indented(value, indent=2, default=str) == json.dumps(value, indent=2,
                                                                      default=str)


@pytest.mark.parametrize("indent", [0, 4])
def test_another_indent_is_written_alike(indent: int) -> None:
    value = {"a": [1, {"b": []}, {}], "c": {"d": dt.date(2026, 1, 2)}}
    assert dumps_indented(value, indent=indent) == json.dumps(value, indent=indent,
                                                              default=str)


def test_a_structure_holding_itself_is_refused_alike() -> None:
    loop: list[Any] = [1]
    loop.append({"again": loop})
    with pytest.raises(ValueError, match="Circular reference detected"):
        json.dumps(loop, indent=2)
    with pytest.raises(ValueError, match="Circular reference detected"):
        dumps_indented(loop)


def test_a_key_of_another_type_is_refused_alike() -> None:
    with pytest.raises(TypeError, match="keys must be str, int, float, bool or None, not "
                                        "tuple"):
        json.dumps({(1,): 2}, indent=2)
    with pytest.raises(TypeError, match="keys must be str, int, float, bool or None, not "
                                        "tuple"):
        dumps_indented({(1,): 2})
