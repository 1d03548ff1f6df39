"""Parse successive versions of models.yaml, each distinct piece of text once.

Consecutive commits change a few lines of a large file. The text is cut (by
`charter.source.cutter`, the cutter the check uses too) into a frame and one piece per model
and dataset, and a piece is cut further into its own frame and one piece per version. Every
piece is parsed once, keyed by its exact text, so unchanged pieces come back as the very same
objects and comparing two snapshots is cheap: only pieces whose text changed are parsed.

Anything the cutter refuses (anchors, tags, tabs in indentation, duplicate keys, syntax
errors, ...) falls back to parsing the whole file, which also yields the exact error location.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from charter.errors import CharterError
from charter.source.cutter import (
    VERSIONS,
    Cut,
    Piece,
    Recut,
    Unsegmentable,
    changed_span,
    check_frame,
    cut,
    cut_block,
    fields_of,
    parse_piece,
    recut,
    splice,
)
from charter.source.yamlsource import MAX_FILE_BYTES, load_yaml_text
from charter.vcs.revisions import INVENTORY_FILE

_MISSING = object()
_REMEMBERED = 1 << 16  # field texts and frames kept (they are shared by every entry)


@dataclass
class _Cutting:
    """A text that was cut, its compacted cut, and what its pieces parsed to."""

    text: str | None  # None: known only as the bytes the parser kept (ASCII)
    cut: Cut
    values: list[Any]  # each piece's value, in the order of the cut's pieces
    frame: Any  # the compacted frame's value (or, in a model, its own fields)
    names: list[str]  # each piece's name

    def known(self) -> dict[str, Any]:
        """Piece text -> its value."""
        return {p.text: v for p, v in zip(self.cut.pieces, self.values, strict=True)}

    def mapping(self, start: int = 0, end: int | None = None) -> dict[str, Any]:
        """The pieces from `start` to `end` as a mapping of their names to their values."""
        return dict(zip(self.names[start:end], self.values[start:end], strict=True))


def _sections(found: Cut) -> dict[str, tuple[int, int]]:
    """Each cut key -> the range of its pieces (a section's pieces are consecutive)."""
    bounds: dict[str, tuple[int, int]] = {}
    for i, piece in enumerate(found.pieces):
        bounds[piece.path[0]] = (bounds.get(piece.path[0], (i, i))[0], i + 1)
    return bounds


class PieceParser:
    """Parses successive inventories, each piece of text once while it stays the same.

    The last inventory's cut is kept: the next text is compared with its text, and only the
    pieces the edit touched are cut and parsed again (`recut`); the others keep their values,
    so unchanged models and datasets come back as the very same objects. The same is done
    one level down, in each model or dataset, for its versions (kept while the entry exists,
    so an entry edited again much later parses only what changed since).
    """

    def __init__(self) -> None:
        self._last: _Cutting | None = None  # the last inventory cut
        self._inventory: dict[str, Any] = {}  # what it parsed to
        self._bounds: dict[str, tuple[int, int]] = {}  # the range of each section's pieces
        self._recuts = False  # whether the next text may be spliced into the last cut
        self._data = b""  # the last text cut, as read
        self._ascii = True  # whether it is all ASCII
        self._entries: dict[tuple[str, ...], tuple[tuple[int, ...], _Cutting]] = {}
        # a field's text (at its columns) -> its value; a frame's text -> whether it is
        # confirmed: shared by every entry, so a field text another version had is not parsed
        self._fields: dict[tuple[tuple[int, ...], int, str], Any] = {}
        self._frames: set[tuple[tuple[str, ...], tuple[int, ...], int, str]] = set()
        self.full_parses = 0
        self.pieces_parsed = 0
        self.fields_parsed = 0

    def parse(self, data: bytes) -> Mapping[str, Any]:
        """The inventory in `data`; CharterError when it does not parse."""
        try:
            return self._assembled(data)
        except (Unsegmentable, UnicodeDecodeError):
            self._recuts = False  # the pieces of the last inventory cut are kept
            return self.parse_whole(data)

    def parse_whole(self, data: bytes) -> Mapping[str, Any]:
        """The inventory in `data`, parsed as one file."""
        self.full_parses += 1
        parsed = load_yaml_text(data, INVENTORY_FILE).data
        if parsed is None:
            return {}
        if not isinstance(parsed, Mapping):
            raise CharterError.at("models.yaml must be a mapping with `charter: 1` at the top",
                                  file=INVENTORY_FILE, line=1)
        return parsed

    def _assembled(self, data: bytes) -> dict[str, Any]:
        if len(data) > MAX_FILE_BYTES:
            raise Unsegmentable
        last, recuts, self._recuts = self._last, self._recuts, False
        before, self._data = self._data, data
        before_ascii, self._ascii = self._ascii, False  # known again once the text is cut
        text = None
        spliced = self._ascii_splice(last.cut, before, data) if (
            last is not None and recuts and before_ascii) else None
        ascii_text = spliced is not None
        if spliced is None and last is not None and recuts:
            text = data.decode("utf-8-sig")
            spliced = recut(last.text if last.text is not None else before.decode(
                "utf-8-sig"), last.cut, text)
        if spliced is not None and last is not None:
            cutting = self._spliced(last, spliced, text, self._cut_entry)
            inventory = self._respliced(spliced, cutting)
        else:
            text = data.decode("utf-8-sig") if text is None else text
            whole = cut(text)
            if whole is None or not whole.pieces:
                raise Unsegmentable
            cutting = self._fresh(whole.compacted(), text, last)
            self._bounds = _sections(cutting.cut)
            inventory = dict(cutting.frame)
            for key in cutting.cut.keys:
                inventory[key] = {}
            for key, (start, end) in self._bounds.items():
                inventory[key] = cutting.mapping(start, end)
        self._last, self._recuts, self._inventory = cutting, True, inventory
        self._ascii = ascii_text or data.isascii()
        return dict(inventory)

    @staticmethod
    def _ascii_splice(found: Cut, before: bytes, data: bytes) -> Recut | None:
        """`recut` on the bytes, when the last text was ASCII (the caller knows) and the
        edit writes ASCII (so the new text is ASCII, and its characters are its bytes): only
        the run cut again is decoded."""
        start, old_stop = changed_span(before, data)
        delta = len(data) - len(before)
        if not data[start:old_stop + delta].isascii():
            return None
        return splice(found, start, old_stop, len(data), delta,
                      lambda a, b: data[a:b].decode("ascii"))

    def _respliced(self, spliced: Recut, cutting: _Cutting) -> dict[str, Any]:
        """The last inventory with the section the edit was in made again (the others are
        the same mappings)."""
        section = cutting.cut.pieces[spliced.lo].path[0]
        shift = spliced.fresh - (spliced.hi - spliced.lo)
        bounds = {}
        for key, (start, end) in self._bounds.items():
            if key == section:
                end += shift
            elif start > spliced.lo:
                start, end = start + shift, end + shift
            bounds[key] = (start, end)
        self._bounds = bounds
        inventory = dict(self._inventory)
        inventory[section] = cutting.mapping(*bounds[section])
        return inventory

    @staticmethod
    def _spliced(last: _Cutting, spliced: Recut, text: str | None,
                 parse: Callable[[Piece], Any]
                 ) -> _Cutting:
        """The last cutting with the pieces the edit replaced parsed again (a piece whose
        text is the same as one it replaced keeps that one's value)."""
        lo, hi = spliced.lo, spliced.hi
        replaced = dict(zip((p.text for p in last.cut.pieces[lo:hi]), last.values[lo:hi],
                            strict=True))
        fresh = [replaced[p.text] if p.text in replaced else parse(p)
                 for p in spliced.cut.pieces[lo:lo + spliced.fresh]]
        return _Cutting(text, spliced.cut, [*last.values[:lo], *fresh, *last.values[hi:]],
                        last.frame, [*last.names[:lo], *(p.name for p in spliced.cut.pieces[
                            lo:lo + spliced.fresh]), *last.names[hi:]])

    def _fresh(self, found: Cut, text: str | None, last: _Cutting | None) -> _Cutting:
        known = last.known() if last is not None else {}
        if last is not None and last.cut.frame == found.frame:
            frame = last.frame
        else:
            try:
                document = load_yaml_text(found.frame, INVENTORY_FILE)
            except CharterError:
                raise Unsegmentable from None
            check_frame(document.data, document.source.marks, found)
            self.pieces_parsed += 1
            frame = document.data
        values = []
        for piece in found.pieces:
            value = known.get(piece.text, _MISSING)
            values.append(self._cut_entry(piece) if value is _MISSING else value)
        return _Cutting(text, found, values, frame, [p.name for p in found.pieces])

    def _cut_entry(self, piece: Piece) -> Any:
        """A model or dataset: its own fields, then each version, parsed apart."""
        path, indents = (*piece.path, piece.name), (*piece.indents, piece.indent)
        where, last = self._entries.get(path, ((), None))
        if where != indents:
            last = None  # cut under other keys or columns: nothing of it can be reused
        spliced = recut(last.text, last.cut, piece.text) if last is not None and (
            last.text is not None) else None
        if spliced is not None and last is not None:
            entry = self._spliced(last, spliced, piece.text, self._parsed)
        else:
            found = cut_block(piece.text, path, indents, piece.indent, (VERSIONS,))
            if found is None or not found.pieces:
                self._entries.pop(path, None)
                return self._parsed(piece)
            entry = self._fresh_entry(piece, found.compacted(), path, last)
        self._entries[path] = (indents, entry)
        record = dict(entry.frame)
        record[VERSIONS] = entry.mapping()
        return record

    def _fresh_entry(self, piece: Piece, found: Cut, path: tuple[str, ...],
                     last: _Cutting | None) -> _Cutting:
        if last is not None and last.cut.frame == found.frame:
            value = last.frame
        else:
            frame = Piece(piece.path, piece.indents, piece.name, 0, piece.indent, found.frame)
            value, marks = parse_piece(frame, INVENTORY_FILE)
            check_frame(value, marks, found, path)
            self.pieces_parsed += 1
        known = last.known() if last is not None else {}
        values = []
        for version in found.pieces:
            entry = known.get(version.text, _MISSING)
            values.append(self._parsed(version) if entry is _MISSING else entry)
        return _Cutting(piece.text, found, values, value, [p.name for p in found.pieces])

    def _parsed(self, piece: Piece) -> Any:
        """A version (or an entry not cut further): a block mapping is assembled from its
        fields, each text parsed once (a stage, a validation, a dataset list recur from
        version to version), once its frame is confirmed; anything else is parsed whole."""
        self.pieces_parsed += 1
        found = fields_of(piece)
        if found is None:
            return parse_piece(piece, INVENTORY_FILE, positions=False)[0]
        frame, fields = found
        key = (frame.path, frame.indents, frame.indent, frame.text)
        if key not in self._frames:
            if parse_piece(frame, INVENTORY_FILE, positions=False)[0] is not None:
                raise Unsegmentable  # a value on the key line
            self._remember(self._frames, key)
        return {field.name: self._field(field) for field in fields}

    def _field(self, field: Piece) -> Any:
        # the value does not depend on the names of the keys above the field, only on
        # how deep and at which columns it is written
        key = (field.indents, field.indent, field.text)
        value = self._fields.get(key, _MISSING)
        if value is _MISSING:
            self.fields_parsed += 1
            value = parse_piece(field, INVENTORY_FILE, positions=False)[0]
            if len(self._fields) >= _REMEMBERED:
                self._fields.clear()
            self._fields[key] = value
        return value

    @staticmethod
    def _remember(known: set[Any], key: Any) -> None:
        if len(known) >= _REMEMBERED:
            known.clear()
        known.add(key)
