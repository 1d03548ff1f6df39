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
from typing import Any

from charter.errors import CharterError
from charter.source.cutter import (
    VERSIONS,
    Cut,
    Piece,
    Unsegmentable,
    check_frame,
    cut,
    cut_block,
    parse_piece,
    recut,
)
from charter.source.yamlsource import MAX_FILE_BYTES, load_yaml_text
from charter.vcs.revisions import INVENTORY_FILE

_MISSING = object()
_Where = tuple[tuple[int, ...], str]  # the columns of the keys above a piece, and its text


class PieceParser:
    """Parses successive inventories; text it has seen in the last two is not parsed again."""

    def __init__(self) -> None:
        # piece or frame text -> its value; the previous inventory's, then this one's
        self._previous: dict[str, Any] = {}
        self._current: dict[str, Any] = {}
        self._last: tuple[str, Cut] | None = None  # the last text cut, and its cut
        # per model or dataset: its own fields' (compacted) text and each version's text,
        # under the keys and columns they were cut under -> their values; kept while the
        # entry exists, so an entry edited again much later parses only what changed
        self._entries: dict[tuple[str, ...], dict[_Where, Any]] = {}
        self.full_parses = 0
        self.pieces_parsed = 0

    def parse(self, data: bytes) -> Mapping[str, Any]:
        """The inventory in `data`; CharterError when it does not parse."""
        self._current = {}
        try:
            inventory = self._assembled(data)
        except (Unsegmentable, UnicodeDecodeError):
            return self.parse_whole(data)  # the pieces of the last inventory cut are kept
        self._previous = self._current
        return inventory

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
        text = data.decode("utf-8-sig")
        last, self._last = self._last, None
        found = recut(*last, text) if last is not None else None
        if found is None:
            whole = cut(text)
            if whole is None or not whole.pieces:
                raise Unsegmentable
            found = whole.compacted()
        frame = self._known(found.frame)
        if frame is _MISSING:
            frame = self._frame(found)
        inventory = dict(frame)
        for key in found.keys:
            inventory[key] = {}
        current, previous = self._current, self._previous
        for piece in found.pieces:  # _remembered(piece, self._cut_entry), inlined: the hot loop
            value = current.get(piece.text, _MISSING)
            if value is _MISSING:
                value = previous.get(piece.text, _MISSING)
                if value is _MISSING:
                    value = self._cut_entry(piece)
                current[piece.text] = value
            inventory[piece.path[0]][piece.name] = value
        self._last = (text, found)
        return inventory

    def _known(self, text: str) -> Any:
        value = self._current.get(text, _MISSING)
        if value is _MISSING:
            value = self._previous.get(text, _MISSING)
            if value is not _MISSING:
                self._current[text] = value
        return value

    def _frame(self, found: Cut) -> dict[str, Any]:
        try:
            document = load_yaml_text(found.frame, INVENTORY_FILE)
        except CharterError:
            raise Unsegmentable from None
        check_frame(document.data, document.source.marks, found)
        self.pieces_parsed += 1
        self._current[found.frame] = document.data
        return document.data  # type: ignore[no-any-return]

    def _remembered(self, piece: Piece, parse: Callable[[Piece], Any]) -> Any:
        """The value of a piece whose text an earlier commit held, else `parse` of it."""
        value = self._known(piece.text)
        if value is _MISSING:
            value = parse(piece)
            self._current[piece.text] = value
        return value

    def _cut_entry(self, piece: Piece) -> Any:
        """A model or dataset: its own fields, then each version, parsed apart."""
        path, indents = (*piece.path, piece.name), (*piece.indents, piece.indent)
        found = cut_block(piece.text, path, indents, piece.indent, (VERSIONS,))
        if found is None or not found.pieces:
            return self._parsed(piece)
        known = self._entries.get(path, {})
        kept: dict[_Where, Any] = {}
        compact = found.compacted()
        where = (indents, compact.frame)
        value = known.get(where, _MISSING)
        if value is _MISSING:
            frame = Piece(piece.path, piece.indents, piece.name, 0, piece.indent, compact.frame)
            value, marks = parse_piece(frame, INVENTORY_FILE)
            check_frame(value, marks, compact, path)
            self.pieces_parsed += 1
        kept[where] = value
        versions = {}
        for version in found.pieces:
            where = (version.indents, version.text)
            entry = known.get(where, _MISSING)
            if entry is _MISSING:
                entry = self._version(version)
            versions[version.name] = kept[where] = entry
        self._entries[path] = kept
        record = dict(value)
        record[VERSIONS] = versions
        return record

    def _version(self, piece: Piece) -> Any:
        return self._remembered(piece, self._parsed)

    def _parsed(self, piece: Piece) -> Any:
        self.pieces_parsed += 1
        return parse_piece(piece, INVENTORY_FILE)[0]
