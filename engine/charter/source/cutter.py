"""Cut a block-style inventory into pieces that parse on their own, and check each cut.

The text is cut along its indentation: the mappings under the top-level `models:` and
`datasets:` keys into one piece per entry (a model or a dataset), and, one level down, the
mapping under an entry's `versions:` key into one piece per version. What is left, the
*frame*, keeps every line (a piece's lines become blank), so its positions are the file's.

A cut is trusted only when the parser confirms it: the frame must hold each cut key, at the
line the cutter read it on, with no value of its own; and each piece, parsed under the same
chain of keys it sits under in the file (so depth limits count as in the file), must be
exactly one entry whose key is the one the cutter read, where the cutter read it. Whatever
the cutter cannot vouch for (anchors and aliases, tags, directives, document markers, tabs in
indentation, unusual line breaks, a byte-order mark inside the text, duplicate entries, files
whose nodes could exceed the parser's limit) is refused: the caller parses the file whole.
Refusing is always allowed; a cut that parses differently from the whole file never is.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache, cached_property
from typing import Any, AnyStr

from charter.errors import CharterError
from charter.source.yamlsource import (
    MAX_DEPTH,
    MAX_FILE_BYTES,
    MAX_NODES,
    KeyPath,
    Mark,
    load_yaml_text,
)

SECTIONS = ("models", "datasets")
VERSIONS = "versions"

# Constructs whose meaning can cross a cut, or that the cutter does not read: refused.
_UNSAFE = re.compile(
    r"(?:^|[\s\[{,:])[&*!]"  # an anchor, an alias or a tag
    r"|<<"  # a merge key
    r"|^(?:---|\.\.\.|%)"  # document markers and directives
    r"|^ *\t"  # a tab in indentation
    r"|\r(?!\n)|[\x85\u2028\u2029\ufeff]",  # line breaks other than \n and \r\n; a BOM
    re.MULTILINE)
_RARE = "&*!%\t\r"  # what _UNSAFE may start with, besides characters beyond ASCII
_RARE_WIDE = "\x85\u2028\u2029\ufeff"
_PLAIN_KEY = r"[^\s\-?:,\[\]{}#&*!|>'\"%@`][^\n]*?"
_KEY = re.compile(rf"(\"[^\"\\\n]*\"|'[^'\n]*'|{_PLAIN_KEY})[ ]*:(?:[ \t]|\r?$)", re.MULTILINE)


@dataclass(frozen=True)
class Piece:
    """One entry of a cut mapping: its key (as the cutter read it) and its lines."""

    path: tuple[str, ...]  # the keys of the mapping it is an entry of, from the top
    indents: tuple[int, ...]  # the column of each of those keys
    name: str
    line: int  # 0-based line of the entry's key in the text that was cut
    indent: int  # the column of the entry's key
    text: str
    offset: int = 0  # where the text starts in the text that was cut

    @property
    def end(self) -> int:
        return self.offset + len(self.text)


@dataclass(frozen=True)
class Cut:
    frame: str  # the text with every piece's lines left blank
    pieces: tuple[Piece, ...]
    keys: dict[str, int]  # each cut key -> the 0-based line it is written on
    compact: str = ""  # the frame without those blank lines: it stays the same while
    compact_keys: dict[str, int] | None = None  # only pieces change (the history's frame)
    # Where each piece starts and ends in the text now: a spliced cut (`recut`) moves the
    # pieces after an edit without making them again, so their own `offset` is where they
    # were cut. None: at their own offsets.
    spans: tuple[list[int], list[int]] | None = None

    def compacted(self) -> Cut:
        return Cut(self.compact, self.pieces, self.compact_keys or {})

    @cached_property
    def starts(self) -> list[int]:
        return self.spans[0] if self.spans else [p.offset for p in self.pieces]

    @cached_property
    def ends(self) -> list[int]:
        return self.spans[1] if self.spans else [p.end for p in self.pieces]


@cache
def _key_line(keys: tuple[str, ...], indent: int) -> _Lines:
    names = "|".join(re.escape(k) for k in keys)
    return _Lines(rf" {{{indent}}}({names}):[ \t]*(?:#[^\n]*)?\r?\n")


@cache
def _at_most(indent: int) -> _Lines:
    """A line of content (not blank, not a comment) written at `indent` or less."""
    return _Lines(rf" {{0,{indent}}}[^ \n\r#]")


@cache
def _exactly(indent: int) -> _Lines:
    return _Lines(rf" {{{indent}}}[^ \n\r#]")


class _Lines:
    """Lines that start with a pattern; searched from newline to newline (the regular
    expression engine finds a newline much faster than it tries `^` at every position)."""

    def __init__(self, body: str) -> None:
        self._first = re.compile(body)
        self._next = re.compile(f"\n(?={body})")  # consumes no line: the next may match

    def search(self, text: str, start: int = 0, end: int | None = None) -> re.Match[str] | None:
        """The first match; `start` is the start of a line."""
        end = len(text) if end is None else end
        if start == 0:
            found = self._first.match(text, 0, end)
            if found is not None:
                return found
        found = self._next.search(text, max(start - 1, 0), end)
        return None if found is None else self._first.match(text, found.start() + 1, end)

    def finditer(self, text: str, start: int = 0, end: int | None = None
                 ) -> Iterator[re.Match[str]]:
        end = len(text) if end is None else end
        if start == 0:
            found = self._first.match(text, 0, end)
            if found is not None:
                yield found
        for found in self._next.finditer(text, max(start - 1, 0), end):
            match = self._first.match(text, found.start() + 1, end)
            if match is not None:
                yield match


_FIRST_CONTENT = _Lines(r"( *)[^ \n\r#]")


def refuses(text: str) -> bool:
    """True when the text holds something the cutter cannot vouch for."""
    if len(text) * 4 > MAX_FILE_BYTES and len(text.encode()) > MAX_FILE_BYTES:
        return True  # the whole-file parse reports the limit
    if len(text) >= MAX_NODES and node_bound(text) > MAX_NODES:
        return True  # only the whole-file parse counts nodes across pieces
    return unsafe(text)


def unsafe(text: str) -> bool:
    if "<<" in text or "\n---" in text or "\n..." in text or text.startswith(
            ("---", "...", "%")):
        return True
    # A scan for the characters first (one per character: `in` is much faster than a
    # character class): the full expression is slower on large files.
    rare = any(c in text for c in _RARE) or (
        not text.isascii() and any(c in text for c in _RARE_WIDE))
    return rare and _UNSAFE.search(text) is not None


def node_bound(text: str) -> int:
    """At least as many nodes as the parser counts in `text` (which has no aliases).

    Every node is a key or a value: a key needs a `:`, `?` or flow indicator, a value one of
    those or a `-`, and each of them introduces at most two nodes. (Nor can there be more
    nodes than characters: only texts that long need counting.)
    """
    indicators = sum(text.count(c) for c in ":?,[{")
    return 2 * indicators + text.count("-") + 1


def cut(text: str) -> Cut | None:
    """The entries of the top-level `models:` and `datasets:` mappings, or None (refused)."""
    if refuses(text):
        return None
    return cut_block(text, (), (), -1, SECTIONS)


def cut_block(text: str, path: tuple[str, ...], indents: tuple[int, ...], parent: int,
              keys: tuple[str, ...]) -> Cut | None:
    """Cut the mappings under `keys` written one level below `parent`'s column in `text`.

    `text` is the whole file (parent -1), or one piece whose own key is at column `parent`
    and whose lines are the mapping `path` leads to. None: a mapping is not plain block style.
    """
    level = parent + 1 if parent < 0 else _child_indent(text, parent)
    if level is None:
        return Cut(text, (), {})
    pieces: list[Piece] = []
    found: dict[str, int] = {}
    blanks: list[tuple[int, int]] = []
    for match in _key_line(keys, level).finditer(text):
        key = match.group(1)
        end_match = _at_most(level).search(text, match.end())
        end = end_match.start() if end_match else len(text)
        entries = _entries(text, match.end(), end, level)
        if entries is None:
            return None
        if not entries:
            continue
        if key in found:
            return None
        found[key] = text.count("\n", 0, match.start())
        line = found[key] + 1 + text.count("\n", match.end(), entries[0][0])
        for start, stop, name, indent in entries:
            pieces.append(Piece((*path, key), (*indents, level), name, line, indent,
                                text[start:stop], start))
            line += text.count("\n", start, stop)
        blanks.append((entries[0][0], entries[-1][1]))
    if not pieces:
        return Cut(text, (), {})
    names = [(p.path[-1], p.name) for p in pieces]
    if len(set(names)) != len(names):
        return None  # a duplicate entry: the whole-file parse says where
    removed, compact_keys = 0, {}
    for (key, line), (start, end) in zip(found.items(), blanks, strict=True):
        compact_keys[key] = line - removed
        removed += text.count("\n", start, end)
    compact = "".join(text[a:b] for a, b in zip((0, *(e for _, e in blanks)),
                                                (*(s for s, _ in blanks), len(text)),
                                                strict=True))
    return Cut(_blanked(text, blanks), tuple(pieces), found, compact, compact_keys)


@dataclass(frozen=True)
class Recut:
    """A cut spliced from the one before: pieces[lo:hi] of the old cut became the `fresh`
    pieces starting at index lo of the new one; every other piece is the old one (moved)."""

    cut: Cut
    lo: int
    hi: int
    fresh: int


def recut(before: str, found: Cut, text: str) -> Recut | None:
    """The compacted cut of `text`, an edit of `before` whose compacted cut is `found`, when
    the edit stays inside the entries of one section (the frame is the same); None: cut
    `text` afresh.

    The text the two share at their start and at their end is found by comparing them (a
    few slices, however long the text). Pieces wholly inside the shared start are kept, and
    so are those wholly inside the shared end (moved); the rest is cut again as entries of
    its section from the last piece whose key line did not change: the piece the edit
    starts in when the edit is below its key line, else the one before it (an edit just
    after it may make its entry longer). The run cut again must end on a line end, so
    that what follows it still starts a line of its own.
    """
    start, old_stop = changed_span(before, text)
    return splice(found, start, old_stop, len(text), len(text) - len(before),
                  lambda a, b: text[a:b])


def splice(found: Cut, start: int, old_stop: int, length: int, delta: int,
           read: Callable[[int, int], str]) -> Recut | None:
    """`recut` of an edit that replaced the old text from `start` to `old_stop`, making
    the new text `length` long (`delta` longer); `read(a, b)` is the new text from a to b
    (only the run that is cut again is read)."""
    pieces, starts, ends = found.pieces, found.starts, found.ends
    if not pieces:
        return None
    first = bisect_right(ends, start)  # pieces[:first] lie in the shared start
    if first < len(pieces) and starts[first] <= start:
        key_line = pieces[first].text.find("\n")
        if 0 <= key_line < start - starts[first]:
            first += 1  # the edit is below the key line of the piece it starts in: it anchors
    if first == 0:
        return None  # no kept piece anchors the run: cut afresh
    last = max(bisect_left(starts, old_stop), first)  # pieces[last:] lie in the shared end
    low, low_start = pieces[first - 1], starts[first - 1]
    old_end = ends[last - 1]
    if old_stop > old_end:
        return None  # the frame changed after the run
    for k in range(first, last):
        if pieces[k].path != low.path or ends[k - 1] != starts[k]:
            return None  # a frame line lies in the run: cut afresh
    if last < len(pieces) and starts[last] == old_end and pieces[last].path != low.path:
        return None
    end = old_end + delta
    run = read(low_start, end)
    if end < length and not run.endswith("\n"):
        return None  # the run's last line runs into what follows it
    if length >= MAX_NODES or length * 4 > MAX_FILE_BYTES or unsafe(run):
        return None  # a long text is cut afresh, which counts its nodes
    entries = _entries(run, 0, len(run), low.indents[-1])
    if not entries or entries[0][0] != 0 or entries[0][3] != low.indent:
        return None
    fresh = [Piece(low.path, low.indents, name, 0, indent, run[a:b], low_start + a)
             for a, b, name, indent in entries]
    if _duplicate(fresh, pieces, first - 1, last):
        return None  # the whole-file parse says where
    kept = (*pieces[:first - 1], *fresh, *pieces[last:])
    spans = ([*starts[:first - 1], *(low_start + a for a, _, _, _ in entries),
              *(a + delta for a in starts[last:])],
             [*ends[:first - 1], *(low_start + b for _, b, _, _ in entries),
              *(b + delta for b in ends[last:])])
    return Recut(Cut(found.frame, kept, found.keys, spans=spans), first - 1, last, len(fresh))


def _duplicate(fresh: list[Piece], pieces: tuple[Piece, ...], lo: int, hi: int) -> bool:
    """Whether a fresh entry's name is taken, in place of pieces[lo:hi]. The names of a
    section's pieces are distinct in every cut: only a name none of the replaced pieces had
    can be another kept piece's."""
    names = {p.name for p in fresh}
    if len(names) != len(fresh):
        return True
    new = names - {p.name for p in pieces[lo:hi]}
    path = fresh[0].path
    return bool(new) and any(p.path == path and p.name in new
                             for p in (*pieces[:lo], *pieces[hi:]))


_CHUNK = 16384


def changed_span(before: AnyStr, text: AnyStr) -> tuple[int, int]:
    """(start, stop): `before[start:stop]` is what the edit to `text` replaced; the two
    texts share `before[:start]` at their start and `before[stop:]` at their end."""
    limit = min(len(before), len(text))
    start = _shared_start(before, text, limit)
    return start, len(before) - _shared_end(before, text, limit - start)


def _shared_start(a: AnyStr, b: AnyStr, limit: int) -> int:
    """The length of the longest common start of a and b, at most `limit`."""
    part = _sliced(b)
    low = 0
    while low < limit:
        high = min(low + _CHUNK, limit)
        if not a.startswith(part[low:high], low):
            break
        low = high
    else:
        return limit
    while high - low > 1:  # a[:low] == b[:low]; a[low:high] != b[low:high]
        middle = (low + high) // 2
        if a.startswith(part[low:middle], low):
            low = middle
        else:
            high = middle
    return low


def _shared_end(a: AnyStr, b: AnyStr, limit: int) -> int:
    """The length of the longest common end of a and b, at most `limit`."""
    size_a, size_b = len(a), len(b)
    part = _sliced(b)
    low = 0
    while low < limit:
        high = min(low + _CHUNK, limit)
        if not a.endswith(part[size_b - high:size_b - low], 0, size_a - low):
            break
        low = high
    else:
        return limit
    while high - low > 1:  # the last `low` agree; the last `high` do not
        middle = (low + high) // 2
        if a.endswith(part[size_b - middle:size_b - low], 0, size_a - low):
            low = middle
        else:
            high = middle
    return low


def _sliced(text: AnyStr) -> Any:
    """`text`, or for bytes a view of them: a view's slices share its bytes, so comparing
    a chunk (the history compares every version of models.yaml with the one before) does
    not copy it first."""
    return memoryview(text) if isinstance(text, bytes) else text


def _child_indent(text: str, parent: int) -> int | None:
    """The column of the first line of content after a piece's key line."""
    newline = text.find("\n")
    first = _FIRST_CONTENT.search(text, newline + 1) if newline >= 0 else None
    if first is None or len(first.group(1)) <= parent:
        return None
    return len(first.group(1))


def _entries(text: str, start: int, end: int, level: int
             ) -> list[tuple[int, int, str, int]] | None:
    """(start, end, key, column) of each entry of the mapping in text[start:end]."""
    first = _FIRST_CONTENT.search(text, start, end)
    if first is None:
        return []
    indent = len(first.group(1))
    if indent <= level or _at_most(indent - 1).search(text, start, end):
        return None  # a line left of the entries: not a plain block mapping
    starts = [m.start() for m in _exactly(indent).finditer(text, start, end)]
    out = []
    for begin, finish in zip(starts, [*starts[1:], end], strict=True):
        key = _KEY.match(text, begin + indent)
        if key is None:
            return None
        out.append((begin, finish, _unquote(key.group(1).rstrip()), indent))
    return out


def _blanked(text: str, spans: list[tuple[int, int]]) -> str:
    parts = []
    position = 0
    for start, end in spans:
        parts += [text[position:start], "\n" * text.count("\n", start, end)]
        position = end
    parts.append(text[position:])
    return "".join(parts)


def _unquote(key: str) -> str:
    if len(key) >= 2 and key[0] == key[-1] and key[0] in "\"'":
        return key[1:-1]
    return key


_EMPTY_VALUE = re.compile(r"[ \t]*(?:#[^\n]*)?\r?\n")


def fields_of(piece: Piece) -> tuple[Piece, list[Piece]] | None:
    """The piece's own mapping cut into its entries, one per field, and the frame: the
    piece's key line (with nothing after its colon but a comment) and the blank and comment
    lines before the first field. None: the value is not a block mapping written below the
    key line. Each field, and the frame, must still be confirmed by parsing it (`parse_piece`:
    the frame's value must be null)."""
    text = piece.text
    key = _KEY.match(text, piece.indent)
    if key is None or _EMPTY_VALUE.match(text, text.index(":", key.end(1)) + 1) is None:
        return None
    newline = text.find("\n")
    entries = _entries(text, newline + 1, len(text), piece.indent)
    if not entries:
        return None
    path, indents = (*piece.path, piece.name), (*piece.indents, piece.indent)
    fields = [Piece(path, indents, name, 0, indent, text[a:b], a) for a, b, name, indent in entries]
    if len({f.name for f in fields}) != len(fields):
        return None  # a duplicate field: the whole-file parse says where
    frame = Piece(piece.path, piece.indents, piece.name, 0, piece.indent, text[:entries[0][0]])
    return frame, fields


class Unsegmentable(Exception):
    """The text must be parsed whole (the cutter's reading could not be confirmed)."""


def spine(path: tuple[str, ...], indents: tuple[int, ...]) -> str:
    """The key lines that lead to a piece, so it parses at the depth it has in the file."""
    return "".join(f"{' ' * indent}{json.dumps(key)}:\n" for key, indent in zip(
        path, indents, strict=True))


def parse_piece(piece: Piece, file: str, positions: bool = True
                ) -> tuple[Any, dict[KeyPath, Mark]]:
    """The entry's value and its positions in the file (none without `positions`);
    Unsegmentable when the parser reads the piece differently from the cutter."""
    lead = len(piece.path)
    try:
        document = load_yaml_text(spine(piece.path, piece.indents) + piece.text, file,
                                  mark_depth=MAX_DEPTH if positions else lead + 1)
    except CharterError:
        raise Unsegmentable from None  # the whole-file parse gives the true error
    value = document.data
    for key in piece.path:
        if not isinstance(value, dict) or list(value) != [key]:
            raise Unsegmentable
        value = value[key]
    entry = (*piece.path, piece.name)
    if not isinstance(value, dict) or list(value) != [piece.name] or document.source.marks.get(
            entry) != Mark(lead + 1, piece.indent + 1):
        raise Unsegmentable  # the key did not read as the cutter read it
    if not positions:
        return value[piece.name], {}
    shift = piece.line - lead
    marks = {path: Mark(mark.line + shift, mark.column)
             for path, mark in document.source.marks.items() if len(path) > lead}
    return value[piece.name], marks


def check_frame(data: Any, marks: Mapping[KeyPath, Mark], found: Cut,
                path: tuple[str, ...] = (), offset: int = 0) -> None:
    """Unsegmentable unless the frame's parse holds each cut key, empty, where it was read.

    `data` is the frame's value at `path` (the piece the frame was cut from, or the file);
    `marks` count lines from `offset` lines before the frame's first.
    """
    for key, line in found.keys.items():
        column = found.pieces[0].indents[-1] + 1 if found.pieces else 1
        if not isinstance(data, dict) or key not in data or data[key] is not None or (
                marks.get((*path, key)) != Mark(offset + line + 1, column)):
            raise Unsegmentable
