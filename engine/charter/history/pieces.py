"""Parse successive versions of models.yaml, each distinct piece of text once.

Consecutive commits change a few lines of a large file. The text is cut along its block
structure into units (top-level sections, and each model or dataset of `models:` and
`datasets:`), and a model or dataset is cut further into its own fields and each of its
versions. Every piece is parsed once, keyed by its exact bytes, so unchanged pieces come back
as the very same objects and comparing two snapshots is cheap. The units of the previous text
are matched at the start and the end of the new text with plain byte comparisons, so only
the changed middle is cut again.

Anything the cutter does not recognise (flow style at the cut levels, tabs, anchors used
across pieces, duplicate keys, syntax errors) falls back to parsing the whole file, which
also yields the exact error location.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from charter.errors import CharterError
from charter.source.yamlsource import load_yaml_text
from charter.vcs.revisions import INVENTORY_FILE

_TOP_KEY = re.compile(rb"^(?=[^\s#])", re.M)
_SECTION = re.compile(rb"([A-Za-z_][\w-]*):[ ]*(?:#[^\n]*)?\r?\n")
_FIRST_CONTENT = re.compile(rb"^( *)(?=[^\s#])", re.M)
_SPLIT_SECTIONS = (b"models", b"datasets")


class _Unsplittable(Exception):
    pass


@cache
def _entry_starts(indent: int) -> re.Pattern[bytes]:
    return re.compile(rb"^ {%d}(?=[^\s#])" % indent, re.M)


@cache
def _outdented(indent: int) -> re.Pattern[bytes]:
    return re.compile(rb"^ {0,%d}(?=[^\s#])" % indent, re.M)


@cache
def _versions_key(indent: int) -> re.Pattern[bytes]:
    return re.compile(rb"^ {%d}versions:[ ]*(?:#[^\n]*)?\r?\n" % indent, re.M)


@dataclass(frozen=True)
class _Unit:
    """A run of lines: a whole top-level section, a split section's key line, or one entry."""

    text: bytes
    section: bytes  # the top-level key it belongs to (b"" before the first key)
    indent: int  # entries: their indentation; section lines: 0
    key: str | None  # the section's or the entry's key
    value: Any  # the parsed value of the section or entry (None for a split section's line)
    entry: bool


class PieceParser:
    """Parses successive inventories; text it has seen is not parsed again."""

    def __init__(self) -> None:
        self._pieces: dict[bytes, Any] = {}
        self._entry_cache: dict[bytes, tuple[str, Any]] = {}
        self._previous: list[_Unit] = []
        self.full_parses = 0

    def parse(self, data: bytes) -> Mapping[str, Any]:
        """The inventory in `data`; CharterError when it does not parse."""
        try:
            units = self._units(data)
            inventory = _assemble(units)
        except (_Unsplittable, CharterError):
            self._previous = []
            return self._full_parse(data)
        self._previous = units
        return inventory

    def _full_parse(self, data: bytes) -> Mapping[str, Any]:
        self.full_parses += 1
        parsed = load_yaml_text(data, INVENTORY_FILE).data
        if parsed is None:
            return {}
        if not isinstance(parsed, Mapping):
            raise CharterError.at("models.yaml must be a mapping with `charter: 1` at the top",
                                  file=INVENTORY_FILE, line=1)
        return parsed

    def _units(self, data: bytes) -> list[_Unit]:
        if b"\t" in data or data.startswith((b"%", b"\xef\xbb\xbf")):
            raise _Unsplittable  # tabs, directives, byte-order marks: the full parser's job
        previous = self._previous
        if not previous:
            return self._cut_middle(data, None)
        start, pos = 0, 0
        while start < len(previous) and data.startswith(previous[start].text, pos):
            pos += len(previous[start].text)
            start += 1
        if start == len(previous) and pos == len(data):
            return previous
        if start > 0:  # changed lines may continue the last unchanged unit
            start -= 1
            pos -= len(previous[start].text)
        stop, end = len(previous), len(data)
        while stop > start and end - len(previous[stop - 1].text) >= pos and data.startswith(
                previous[stop - 1].text, end - len(previous[stop - 1].text)):
            stop -= 1
            end -= len(previous[stop].text)
        context = previous[start] if previous[start].entry and start < stop else None
        middle = self._cut_middle(data[pos:end], context)
        units = [*previous[:start], *middle]
        _check_joins(units, previous[stop:])
        return units + previous[stop:]

    def _cut_middle(self, text: bytes, context: _Unit | None) -> list[_Unit]:
        """Units of `text`, which starts inside `context`'s section when that is an entry."""
        units: list[_Unit] = []
        starts = [m.start() for m in _TOP_KEY.finditer(text)]
        lead = text[: starts[0]] if starts else text
        if lead:
            if context is None:
                if not _only_comments(lead):
                    raise _Unsplittable
                units.append(_Unit(lead, b"", 0, None, None, False))
            else:
                units += self._entries(lead, context.section, context.indent)
        for begin, finish in zip(starts, [*starts[1:], len(text)][: len(starts)], strict=True):
            units += self._section(text[begin:finish])
        return units

    def _section(self, text: bytes) -> list[_Unit]:
        header = _SECTION.match(text)
        if header is None or header.group(1) not in _SPLIT_SECTIONS:
            key, value = _single(self._piece(text))
            return [_Unit(text, key.encode(), 0, key, value, False)]
        name = header.group(1)
        units = [_Unit(text[: header.end()], name, 0, name.decode(), None, False)]
        body = text[header.end():]
        first = _FIRST_CONTENT.search(body)
        if first is None:
            return [_Unit(text, name, 0, name.decode(), None, False)]
        indent = len(first.group(1))
        if indent == 0:
            raise _Unsplittable
        return units + self._entries(body, name, indent)

    def _entries(self, body: bytes, section: bytes, indent: int) -> list[_Unit]:
        starts = [m.start() for m in _entry_starts(indent).finditer(body)]
        if not starts or _outdented(indent - 1).search(body) or not _only_comments(
                body[: starts[0]]):
            raise _Unsplittable  # a line left of the entries: not a plain block mapping
        units = [_Unit(body[: starts[0]], section, indent, None, None, False)] if starts[0] else []
        for begin, finish in zip(starts, [*starts[1:], len(body)], strict=True):
            piece = body[begin:finish]
            key, value = self._entry(piece, indent)
            units.append(_Unit(piece, section, indent, key, value, True))
        return units

    def _piece(self, text: bytes) -> Any:
        try:
            return self._pieces[text]
        except KeyError:
            value = load_yaml_text(text, INVENTORY_FILE).data
            self._pieces[text] = value
            return value

    def _entry(self, piece: bytes, indent: int) -> tuple[str, Any]:
        known = self._entry_cache.get(piece)
        if known is None:
            known = self._entry_cache[piece] = self._entry_with_versions(piece, indent)
        return known

    def _entry_with_versions(self, piece: bytes, indent: int) -> tuple[str, Any]:
        newline = piece.find(b"\n")
        first = _FIRST_CONTENT.search(piece, newline + 1) if newline >= 0 else None
        child = len(first.group(1)) if first else 0
        key_line = _versions_key(child).search(piece) if child > indent else None
        if key_line is None:
            return _single(self._piece(piece))
        after = key_line.end()
        end = _outdented(child).search(piece, after)
        stop = end.start() if end else len(piece)
        key, record = _single(self._piece(piece[:after] + piece[stop:]))
        if not isinstance(record, Mapping) or record.get("versions", 0) is not None:
            raise _Unsplittable
        body = piece[after:stop]
        first_version = _FIRST_CONTENT.search(body)
        if first_version is None:
            return key, record
        versions: dict[str, Any] = {}
        for unit in self._entries(body, b"versions", len(first_version.group(1))):
            if unit.key is None:
                continue
            if unit.key in versions:
                raise _Unsplittable
            versions[str(unit.key)] = unit.value
        return key, {**record, "versions": versions}


def _check_joins(before: list[_Unit], tail: list[_Unit]) -> None:
    """Entries kept from the old text must still sit in the same section at the same depth."""
    if not tail or not tail[0].entry:
        return
    last = before[-1] if before else None
    if last is None:
        raise _Unsplittable
    section, indent = (last.section, last.indent) if last.entry else (last.section, None)
    if section != tail[0].section or (indent is not None and indent != tail[0].indent) or (
            not last.entry and (last.value is not None or last.section not in _SPLIT_SECTIONS)):
        raise _Unsplittable


def _assemble(units: list[_Unit]) -> dict[str, Any]:
    inventory: dict[str, Any] = {}
    for unit in units:
        if unit.key is None:
            continue
        if not unit.entry:
            if unit.key in inventory:
                raise _Unsplittable
            inventory[unit.key] = unit.value
            continue
        section = unit.section.decode()
        entries = inventory.get(section)
        if entries is None:
            entries = inventory[section] = {}
        if unit.key in entries:
            raise _Unsplittable
        entries[unit.key] = unit.value
    return inventory


def _only_comments(text: bytes) -> bool:
    return all(not line.strip() or line.lstrip().startswith(b"#") for line in text.splitlines())


def _single(value: Any) -> tuple[str, Any]:
    if not isinstance(value, dict) or len(value) != 1:
        raise _Unsplittable
    ((key, item),) = value.items()
    return str(key), item
