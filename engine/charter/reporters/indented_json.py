"""`json.dumps(value, indent=2, default=str)`, byte for byte, several times faster.

The standard library encodes indented JSON in pure Python, through one generator per list
and mapping, and a full check's result holds tens of thousands of findings. This writes the
same text into one list of parts, in the same order and with the same rules: what is a text,
a number, a list or a mapping is decided by the same tests in the same order, texts are
escaped by the standard library's own C function, mapping keys are converted alike, and a
value of any other type is passed to `default` and its result encoded. A structure that
holds itself is refused with the standard library's error.
"""

from __future__ import annotations

import json.encoder
from collections.abc import Callable
from typing import Any

_text: Callable[[str], str] = json.encoder.encode_basestring_ascii
_INFINITY = float("inf")


def _float(value: float) -> str:
    if value != value:
        return "NaN"
    if value == _INFINITY:
        return "Infinity"
    if value == -_INFINITY:
        return "-Infinity"
    return float.__repr__(value)


def dumps_indented(value: Any, indent: int = 2, default: Callable[[Any], Any] = str) -> str:
    """The text `json.dumps(value, indent=indent, default=default)` gives."""
    parts: list[str] = []
    append = parts.append
    on_path: set[int] = set()  # the lists and mappings being written, to refuse a cycle
    keys: dict[str, str] = {}  # each text key escaped once
    pad = " " * indent
    text_of, int_text = _text, int.__repr__

    def enter(container: Any) -> None:
        marker = id(container)
        if marker in on_path:
            raise ValueError("Circular reference detected")
        on_path.add(marker)

    def encode(item: Any, level: int) -> None:
        kind = type(item)
        if kind is str:  # the usual cases first, by exact type
            append(text_of(item))
        elif item is None:
            append("null")
        elif item is True:
            append("true")
        elif item is False:
            append("false")
        elif kind is int:
            append(int_text(item))
        elif kind is dict:
            mapping(item, level)
        elif kind is list or kind is tuple:
            sequence(item, level)
        elif isinstance(item, str):  # then the standard library's own order of tests
            append(text_of(item))
        elif isinstance(item, int):
            append(int_text(item))
        elif isinstance(item, float):
            append(_float(item))
        elif isinstance(item, list | tuple):
            sequence(item, level)
        elif isinstance(item, dict):
            mapping(item, level)
        else:
            enter(item)
            encode(default(item), level)
            on_path.discard(id(item))

    def sequence(items: list[Any] | tuple[Any, ...], level: int) -> None:
        if not items:
            append("[]")
            return
        enter(items)
        level += 1
        newline = "\n" + pad * level
        separator = "," + newline
        append("[" + newline)
        first = True
        for item in items:
            if first:
                first = False
            else:
                append(separator)
            encode(item, level)
        append("\n" + pad * (level - 1) + "]")
        on_path.discard(id(items))

    def key_text(key: Any) -> str:
        if isinstance(key, str):
            written = text_of(key)
            if type(key) is str:
                keys[key] = written
            return written
        if isinstance(key, float):
            return text_of(_float(key))
        if key is True:
            return '"true"'
        if key is False:
            return '"false"'
        if key is None:
            return '"null"'
        if isinstance(key, int):
            return text_of(int_text(key))
        raise TypeError(f"keys must be str, int, float, bool or None, "
                        f"not {key.__class__.__name__}")

    def mapping(items: dict[Any, Any], level: int) -> None:
        if not items:
            append("{}")
            return
        enter(items)
        level += 1
        newline = "\n" + pad * level
        before = "{" + newline  # then "," and the new line before each further item
        separator = "," + newline
        for key, item in items.items():
            # only text keys are remembered, and no other key equals a text
            written = keys.get(key) if type(key) is str else None
            append(before + (written or key_text(key)) + ": ")
            before = separator
            kind = type(item)  # the usual values written here, without a call
            if kind is str:
                append(text_of(item))
            elif item is None:
                append("null")
            elif kind is int:
                append(int_text(item))
            else:
                encode(item, level)
        append("\n" + pad * (level - 1) + "}")
        on_path.discard(id(items))

    encode(value, 0)
    return "".join(parts)
