"""Parse models.yaml one entity at a time, so a pull request pays for what it changed.

The inventory is cut (by `charter.source.cutter`, which the history uses too) into a frame
(format version, settings, teams, every line kept) and one text segment per model and per
dataset. Each segment is parsed on its own the first time it is needed; a segment whose text
is unchanged since a parse that was cached is never parsed again, and positions (for
findings) are computed only for segments a finding points into. Files the cutter refuses are
parsed whole, the ordinary way, so the result never differs.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from charter.source.cutter import SECTIONS, Cut, Piece, Unsegmentable, check_frame, cut, parse_piece
from charter.source.yamlsource import KeyPath, Mark, SourceMap, load_yaml_text

__all__ = ["SECTIONS", "LazySection", "Segment", "SegmentedText", "Unsegmentable",
           "encode_known", "load_segmented", "parse_unknown", "split"]


@dataclass
class Segment:
    section: str
    name: str
    start: int  # 0-based line where the entity's key is written
    text: str
    digest: str
    piece: Piece
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
        return parse_piece(self.piece, file)


@dataclass
class SegmentedText:
    file: str
    header_text: str
    segments: dict[tuple[str, str], Segment]
    known: Mapping[str, str] = field(default_factory=dict)  # digest -> cached JSON data
    cut: Cut | None = None

    def digests(self) -> dict[tuple[str, str], str]:
        return {key: segment.digest for key, segment in self.segments.items()}


def split(text: str, file: str) -> SegmentedText | None:
    """Segments of a block-style inventory, or None when it must be parsed whole."""
    found = cut(text)
    if found is None:
        return None
    segments = {(p.path[0], p.name): Segment(p.path[0], p.name, p.line, p.text,
                                             hashlib.sha1(p.text.encode()).hexdigest(), p)
                for p in found.pieces}
    return SegmentedText(file, found.frame, segments, cut=found)


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
    if segmented is None or segmented.cut is None:
        return None
    segmented.known = known
    header = load_yaml_text(segmented.header_text, file)
    data = header.data
    try:
        check_frame(data, header.source.marks, segmented.cut)
    except Unsegmentable:
        return None
    if not isinstance(data, dict):
        return None
    for section in segmented.cut.keys:
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
