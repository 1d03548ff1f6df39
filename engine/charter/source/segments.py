"""Parse models.yaml one entity at a time, so a pull request pays for what it changed.

The inventory is split, by indentation alone, into a header (format version, settings,
teams) and one text segment per model and per dataset. Each segment is parsed on its own the
first time it is needed; a segment whose text is unchanged since a parse that was cached is
never parsed again, and positions (for findings) are computed only for segments a finding
points into. Files that use anchors, aliases, tags, merge keys or flow style for the
sections are parsed whole, the ordinary way, so the result never differs.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from charter.errors import CharterError, Problem
from charter.source.yamlsource import KeyPath, Mark, SourceMap, load_yaml_text

SECTIONS = ("models", "datasets")
_TOP_LINE = re.compile(r"^[^\s#][^\n]*", re.MULTILINE)
_SECTION_LINE = re.compile(r"^(models|datasets):[ \t]*(#.*)?$")
_ENTITY_LINE = re.compile(r"^  (?![ #])(\"[^\"\n]*\"|'[^'\n]*'|[^\s:#][^:\n]*?):(?:[ \t\r]|$)")
# Constructs whose meaning can cross segment borders: the whole file is parsed instead.
_UNSAFE = re.compile(r"(^|[\s\[{,])[&*!][^\s,\]}]|<<\s*:|^---|^\.\.\.|^\t", re.MULTILINE)


@dataclass
class Segment:
    section: str
    name: str
    start: int  # 0-based line where the entity's key is written
    text: str
    digest: str
    _data: Any = None
    _parsed: bool = False
    _marks: dict[KeyPath, Mark] | None = None

    def data(self, file: str, known: Mapping[str, str] | None = None) -> Any:
        if not self._parsed:
            if known is not None and self.digest in known:
                self._data = json.loads(known[self.digest])
            else:
                self._data = self._parse(file)[0]
            self._parsed = True
        return self._data

    def marks(self, file: str) -> dict[KeyPath, Mark]:
        if self._marks is None:
            self._data, self._marks = self._parse(file)
            self._parsed = True
        return self._marks

    def _parse(self, file: str) -> tuple[Any, dict[KeyPath, Mark]]:
        try:
            document = load_yaml_text(self.text, file)
        except CharterError:
            raise Unsegmentable from None  # the whole-file parse gives the true error
        if not isinstance(document.data, dict) or list(document.data) != [self.name]:
            raise Unsegmentable  # the key did not read as the segmenter read it
        marks = {(self.section, *path): Mark(mark.line + self.start, mark.column)
                 for path, mark in document.source.marks.items()}
        return document.data[self.name], marks


class Unsegmentable(Exception):
    """The file must be parsed whole (the segmenter's reading cannot be trusted)."""


@dataclass
class SegmentedText:
    file: str
    header_text: str
    segments: dict[tuple[str, str], Segment]
    known: Mapping[str, str] = field(default_factory=dict)  # digest -> cached JSON data

    def digests(self) -> dict[tuple[str, str], str]:
        return {key: segment.digest for key, segment in self.segments.items()}


def _unsafe(text: str) -> bool:
    # A plain substring test first: the regular expression is slow on large files.
    if not any(mark in text for mark in ("&", "*", "!", "<<", "---", "...", "\t")):
        return False
    return _UNSAFE.search(text) is not None


def split(text: str, file: str) -> SegmentedText | None:
    """Segments of a block-style inventory, or None when it must be parsed whole."""
    if _unsafe(text):
        return None
    lines = text.splitlines(keepends=True)
    header = list(lines)
    segments: dict[tuple[str, str], Segment] = {}
    starts: list[tuple[str, str, int]] = []
    top = [(text.count("\n", 0, m.start()), m.group(0)) for m in _TOP_LINE.finditer(text)]
    for i, (first, line) in enumerate(top):
        section = _SECTION_LINE.match(line.rstrip("\r"))
        if not section:
            continue
        last = top[i + 1][0] if i + 1 < len(top) else len(lines)
        for number in range(first + 1, last):
            line_text = lines[number]
            if line_text.startswith("  ") and line_text[2:3] not in (" ", "#"):
                entity = _ENTITY_LINE.match(line_text)
                if entity:
                    starts.append((section.group(1), _unquote(entity.group(1).strip()),
                                   number))
    bounds = _bounds(lines, starts)
    for (section_name, name, start), end in zip(starts, bounds, strict=True):
        body = "".join(lines[start:end])
        key = (section_name, name)
        if key in segments:
            first = segments[key].start + 1
            raise CharterError([Problem(f"duplicate key {name!r} (first defined on line "
                                        f"{first})", file, start + 1, 3,
                                        f"$.{section_name}.{name}")])
        segments[key] = Segment(section_name, name, start, body,
                                hashlib.sha1(body.encode()).hexdigest())
        for i in range(start, end):
            header[i] = "\n"
    return SegmentedText(file, "".join(header), segments)


def _bounds(lines: list[str], starts: list[tuple[str, str, int]]) -> list[int]:
    """Where each entity ends: at the next entity, or where its section ends."""
    ends = []
    for i, (_, _, start) in enumerate(starts):
        limit = starts[i + 1][2] if i + 1 < len(starts) else len(lines)
        end = start + 1
        while end < limit and (lines[end][:1] in (" ", "\n", "\r", "#") or lines[end] == ""):
            end += 1
        ends.append(end)
    return ends


def _unquote(key: str) -> str:
    if len(key) >= 2 and key[0] == key[-1] and key[0] in "\"'":
        return key[1:-1]
    return key


class LazySection(Mapping[str, Any]):
    """A section (models or datasets) whose entries are parsed when first read."""

    def __init__(self, segmented: SegmentedText, section: str) -> None:
        self._segmented = segmented
        self._keys = [name for (s, name) in segmented.segments if s == section]
        self._section = section

    @property
    def lazy_digests(self) -> dict[str, str]:
        return {name: self._segmented.segments[(self._section, name)].digest
                for name in self._keys}

    def __getitem__(self, name: str) -> Any:
        segment = self._segmented.segments.get((self._section, name))
        if segment is None:
            raise KeyError(name)
        return segment.data(self._segmented.file, self._segmented.known)

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, LazySection) and self.lazy_digests == other.lazy_digests:
            return True
        return isinstance(other, Mapping) and dict(self.items()) == dict(other.items())

    __hash__ = None  # type: ignore[assignment]

    def digest(self, name: str) -> str | None:
        segment = self._segmented.segments.get((self._section, name))
        return segment.digest if segment else None

    def text(self, name: str) -> str:
        return self._segmented.segments[(self._section, name)].text


class SegmentedSourceMap(SourceMap):
    """Positions of the header, and of a segment once something asks where it is."""

    def __init__(self, segmented: SegmentedText, header: SourceMap) -> None:
        super().__init__(segmented.file, dict(header.marks))
        object.__setattr__(self, "_segmented", segmented)

    def locate(self, path: KeyPath) -> Mark:
        segmented: SegmentedText = object.__getattribute__(self, "_segmented")
        if len(path) >= 2:
            segment = segmented.segments.get((str(path[0]), str(path[1])))
            if segment is not None:
                self.marks.update(segment.marks(self.file))
        return super().locate(path)


def load_segmented(text: str, file: str, known: Mapping[str, str]) -> tuple[
        dict[str, Any], SourceMap, SegmentedText] | None:
    """The inventory with lazily parsed sections, or None when it must be parsed whole."""
    segmented = split(text, file)
    if segmented is None:
        return None
    segmented.known = known
    header = load_yaml_text(segmented.header_text, file)
    data = header.data
    if data is None:
        data = {}
    if not isinstance(data, dict):
        return None
    for section in SECTIONS:
        if section in data and data[section] is not None:
            return None  # entries the segmenter did not see: parse the file whole
        if section in data or any(s == section for s, _ in segmented.segments):
            data[section] = LazySection(segmented, section)
    return data, SegmentedSourceMap(segmented, header.source), segmented


def parse_unknown(segmented: SegmentedText) -> int:
    """Parse every segment no earlier parse has seen; raises Unsegmentable. Returns the count.

    Segments seen before parsed cleanly as segments then, and their text is the same.
    """
    fresh = [s for s in segmented.segments.values() if s.digest not in segmented.known]
    for segment in fresh:
        segment.data(segmented.file, segmented.known)
    return len(fresh)


def encode_known(segmented: SegmentedText) -> dict[str, str]:
    """digest -> JSON text of every segment parsed so far, for the cache."""
    out = dict(segmented.known)
    for segment in segmented.segments.values():
        if segment._parsed and segment.digest not in out:
            out[segment.digest] = json.dumps(segment._data, separators=(",", ":"))
    return out
