"""Safe YAML loading that keeps the source position of every key and item.

The tree is built from libyaml's event stream (the pure-Python parser where libyaml is
absent), so that limits are enforced while parsing: file size, nesting depth and the number
of nodes after alias expansion ("billion laughs"). Only the standard YAML tags are accepted,
duplicate keys are errors, and timestamps stay ISO strings so that dates survive a round
trip to JSON unchanged.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import yaml

from charter.errors import CharterError, Problem

try:
    from yaml._yaml import CParser as _Parser

    HAVE_LIBYAML = True
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml.parser import Parser
    from yaml.reader import Reader
    from yaml.scanner import Scanner

    class _Parser(Reader, Scanner, Parser):  # type: ignore[no-redef]
        def __init__(self, stream: str) -> None:
            Reader.__init__(self, stream)
            Scanner.__init__(self)
            Parser.__init__(self)

    HAVE_LIBYAML = False

MAX_FILE_BYTES = 64 * 1024 * 1024
MAX_DEPTH = 64
MAX_NODES = 5_000_000
MAX_INT = int(sys.float_info.max)

KeyPath = tuple[str | int, ...]

_STR = "tag:yaml.org,2002:str"
_MERGE = "tag:yaml.org,2002:merge"
_KNOWN_SCALAR_TAGS = {
    _STR,
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:timestamp",
}
_KNOWN_COLLECTION_TAGS = {None, "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq", "!"}
_resolver = yaml.resolver.Resolver()
_constructor = yaml.constructor.SafeConstructor()
# Scalar texts -> their resolved tag, and (tag, text) -> the value built from it
_RESOLVED: dict[tuple[str, Any], str] = {}
_CONSTRUCTED: dict[tuple[str, str], tuple[Any]] = {}
_REMEMBERED = 1 << 16
_ScalarEvent = yaml.ScalarEvent
_MappingEndEvent = yaml.MappingEndEvent


@dataclass(frozen=True)
class Mark:
    line: int  # 1-based
    column: int  # 1-based


@dataclass(frozen=True)
class SourceMap:
    """Where each key path of a loaded document was written."""

    file: str
    marks: dict[KeyPath, Mark]

    def locate(self, path: KeyPath) -> Mark:
        """The mark of `path`, or of its nearest written ancestor."""
        for end in range(len(path), -1, -1):
            mark = self.marks.get(path[:end])
            if mark is not None:
                return mark
        return Mark(1, 1)

    def file_of(self, path: KeyPath) -> str:
        """The file `path` was written in (a split inventory has several)."""
        del path
        return self.file

    def line_end(self, file: str, line: int) -> int | None:
        """Where line `line` of `file` ends, when known without reading the file."""
        del file, line
        return None


@dataclass(frozen=True)
class Document:
    data: Any
    source: SourceMap


def format_path(path: KeyPath) -> str:
    out = "$"
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        elif re.fullmatch(r"[A-Za-z_][\w-]*", part):
            out += f".{part}"
        else:
            out += f"[{part!r}]"
    return out


def load_yaml_text(text: str | bytes, file: str, max_bytes: int = MAX_FILE_BYTES,
                   mark_depth: int = MAX_DEPTH) -> Document:
    """The document in `text`, with the mark of each key path up to `mark_depth` long."""
    size = len(text.encode() if isinstance(text, str) else text)
    if size > max_bytes:
        raise CharterError.at(
            f"file is {size:,} bytes, over the {max_bytes:,}-byte limit", file=file, line=1
        )
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise CharterError.at(f"not UTF-8 text: {exc.reason}", file=file) from None
    return _Builder(file, mark_depth).build(text)


class _Builder:
    def __init__(self, file: str, mark_depth: int = MAX_DEPTH) -> None:
        self.file = file
        self.marks: dict[KeyPath, Mark] = {}
        self.mark_depth = mark_depth  # marks only for key paths this long or shorter
        self.anchors: dict[str, tuple[Any, int]] = {}
        self.nodes = 0

    def fail(self, message: str, mark: Any, path: KeyPath = (), hint: str = "") -> CharterError:
        line, col = (mark.line + 1, mark.column + 1) if mark is not None else (0, 0)
        key = format_path(path) if path else ""
        return CharterError([Problem(message, self.file, line, col, key, hint)])

    def build(self, text: str) -> Document:
        parser = _Parser(text)
        # the parser's own method, called by a C iterator: no Python frame per event
        events: Iterator[Any] = iter(parser.get_event, None)
        data: Any = None
        try:
            for event in events:
                if isinstance(event, yaml.DocumentStartEvent):
                    if data is not None:
                        raise self.fail("only one YAML document is allowed", event.start_mark)
                    data = self._node(next(events), events, (), 1)
        except StopIteration:  # pragma: no cover - the parser always closes its stream
            pass
        except yaml.MarkedYAMLError as exc:  # only the parser raises these
            raise self._syntax_error(text, exc) from None
        except yaml.YAMLError as exc:
            raise CharterError.at(f"YAML syntax error: {exc}", file=self.file) from None
        finally:
            dispose = getattr(parser, "dispose", None)
            if dispose is not None:
                dispose()
        return Document(data, SourceMap(self.file, self.marks))

    def _syntax_error(self, text: str | bytes, exc: yaml.MarkedYAMLError) -> CharterError:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "invalid YAML"
        if mark is None:
            return self.fail(f"YAML syntax error: {problem}", mark)
        lines = (text.decode("utf-8", "replace") if isinstance(text, bytes) else text
                 ).split("\n")
        found = _misindented(lines, mark.line, mark.column, problem)
        if found is None:
            hint = ('quote a value that contains ": "' if "mapping values are not allowed"
                    in problem else "")
            return self.fail(f"YAML syntax error: {problem}", mark, hint=hint)
        line, hint = found
        where = "" if line == mark.line else f" on line {mark.line + 1}"
        column = _indent(lines[line])
        return CharterError([Problem(f"YAML syntax error{where}: {problem}", self.file,
                                     line + 1, column + 1, hint=hint)])

    def _count(self, n: int, mark: Any) -> None:
        self.nodes += n
        if self.nodes > MAX_NODES:
            raise self.fail(
                f"document expands to more than {MAX_NODES:,} nodes",
                mark,
                hint="aliases that expand exponentially are refused",
            )

    def _node(self, event: Any, events: Iterator[Any], path: KeyPath, depth: int) -> Any:
        if depth > MAX_DEPTH:
            raise self.fail(f"nesting deeper than {MAX_DEPTH} levels", event.start_mark, path)
        if type(event) is _ScalarEvent:  # the common case first
            self.nodes += 1
            if self.nodes > MAX_NODES:
                self._count(0, event.start_mark)
            value = self._scalar(event, path)
            if event.anchor:
                self.anchors[event.anchor] = (value, 1)
            return value
        if isinstance(event, yaml.AliasEvent):
            if event.anchor not in self.anchors:
                raise self.fail(f"unknown alias *{event.anchor}", event.start_mark, path)
            value, size = self.anchors[event.anchor]
            self._count(size, event.start_mark)
            return value
        start = self.nodes
        if isinstance(event, yaml.ScalarEvent):
            self._count(1, event.start_mark)
            value = self._scalar(event, path)
        elif isinstance(event, yaml.SequenceStartEvent):
            self._check_collection_tag(event, path)
            value = self._sequence(events, path, depth)
        elif isinstance(event, yaml.MappingStartEvent):
            self._check_collection_tag(event, path)
            value = self._mapping(event, events, path, depth)
        else:  # pragma: no cover - the parser guarantees node events here
            raise self.fail("unexpected YAML event", event.start_mark, path)
        if event.anchor:
            self.anchors[event.anchor] = (value, max(1, self.nodes - start))
        return value

    def _check_collection_tag(self, event: Any, path: KeyPath) -> None:
        if event.tag not in _KNOWN_COLLECTION_TAGS:
            raise self.fail(f"unsupported YAML tag {event.tag}", event.start_mark, path)

    def _scalar(self, event: Any, path: KeyPath) -> Any:
        tag = event.tag
        if tag is None or tag == "!":
            # The same few texts recur (stages, booleans, dates): each is resolved once.
            key = (event.value, event.implicit)
            tag = _RESOLVED.get(key)
            if tag is None:
                tag = _resolver.resolve(  # type: ignore[no-untyped-call]  # untyped stubs
                    yaml.ScalarNode, event.value, event.implicit)
                if len(_RESOLVED) >= _REMEMBERED:
                    _RESOLVED.clear()
                _RESOLVED[key] = tag
        elif tag.startswith("!!"):
            tag = "tag:yaml.org,2002:" + tag[2:]
        if tag in (_STR, _MERGE):
            return event.value
        if tag not in _KNOWN_SCALAR_TAGS:
            raise self.fail(
                f"unsupported YAML tag {event.tag}", event.start_mark, path,
                hint="only plain data is accepted",
            )
        if tag == "tag:yaml.org,2002:timestamp":
            return event.value
        known = _CONSTRUCTED.get((tag, event.value))
        if known is not None:
            return known[0]  # a number, a boolean or null: immutable, so shared
        value = self._constructed(tag, event, path)
        if len(_CONSTRUCTED) >= _REMEMBERED:
            _CONSTRUCTED.clear()
        _CONSTRUCTED[(tag, event.value)] = (value,)
        return value

    def _constructed(self, tag: str, event: Any, path: KeyPath) -> Any:
        node = yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark)
        try:
            value = _constructor.construct_object(node, deep=True)
        except (ValueError, yaml.YAMLError) as exc:
            kind = tag.rsplit(":", 1)[-1]
            raise self.fail(f"invalid {kind}: {exc}", event.start_mark, path) from None
        finally:
            _constructor.constructed_objects.pop(node, None)  # it keeps every node it built
            _constructor.recursive_objects.pop(node, None)
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_INT:
            # every number is compared as a float somewhere; a larger one cannot be
            raise self.fail(f"number too large ({len(str(abs(value)))} digits)",
                            event.start_mark, path, hint="numbers must fit a 64-bit float, "
                            "about 1.8e308")
        return value

    def _sequence(self, events: Iterator[Any], path: KeyPath, depth: int) -> list[Any]:
        items: list[Any] = []
        for event in events:
            if isinstance(event, yaml.SequenceEndEvent):
                return items
            item_path = (*path, len(items))
            if depth <= self.mark_depth:
                self.marks[item_path] = Mark(event.start_mark.line + 1,
                                             event.start_mark.column + 1)
            items.append(self._node(event, events, item_path, depth + 1))
        return items  # pragma: no cover

    def _mapping(
        self, start: Any, events: Iterator[Any], path: KeyPath, depth: int
    ) -> dict[str, Any]:
        result: dict[str, Any] = {}
        merged: dict[str, Any] = {}
        for key_event in events:
            if type(key_event) is _MappingEndEvent or isinstance(key_event,
                                                                  yaml.MappingEndEvent):
                break
            key = self._key(key_event, path)
            key_path = (*path, key)
            value_event = next(events)
            if key == "<<" and _is_merge(key_event):
                merged.update(self._merge_value(value_event, events, key_path, depth))
                continue
            if key in result:
                first = self.marks.get(key_path)
                where = f" (first defined on line {first.line})" if first else ""
                raise self.fail(f"duplicate key {key!r}{where}", key_event.start_mark, key_path)
            if depth <= self.mark_depth:
                self.marks[key_path] = Mark(key_event.start_mark.line + 1,
                                            key_event.start_mark.column + 1)
            result[key] = self._node(value_event, events, key_path, depth + 1)
        if merged:
            return {**merged, **result}
        return result

    def _key(self, event: Any, path: KeyPath) -> str:
        if not isinstance(event, yaml.ScalarEvent):
            raise self.fail("mapping keys must be plain strings", event.start_mark, path)
        self.nodes += 1
        if self.nodes > MAX_NODES:
            self._count(0, event.start_mark)
        value = self._scalar(event, path)
        if type(value) is str:
            return value
        if isinstance(value, bool) or value is None:
            raise self.fail(
                f"key {event.value!r} reads as {value!r}, not as a name",
                event.start_mark, path, hint=f'quote it: "{event.value}"',
            )
        return str(value)

    def _merge_value(
        self, event: Any, events: Iterator[Any], path: KeyPath, depth: int
    ) -> dict[str, Any]:
        value = self._node(event, events, path, depth + 1)
        sources = value if isinstance(value, list) else [value]
        merged: dict[str, Any] = {}
        for source in reversed(sources):
            if not isinstance(source, dict):
                raise self.fail("a merge key '<<' takes a mapping", event.start_mark, path)
            merged.update(source)
        return merged


def _is_merge(event: Any) -> bool:
    return bool(event.implicit[0])


_INDENTATION_PROBLEMS = ("did not find expected key", "did not find expected '-' indicator",
                         "expected <block end>", "mapping values are not allowed")


def _misindented(lines: list[str], line: int, column: int, problem: str
                 ) -> tuple[int, str] | None:
    """(0-based line whose indentation is likely wrong, a hint), when the error is one
    a wrong indentation makes. libyaml stops where the structure breaks, which is often
    the line after the one indented wrongly."""
    if not any(p in problem for p in _INDENTATION_PROBLEMS) or line >= len(lines):
        return None
    if "mapping values" in problem and lines[line].find(":") != column:
        return None  # a second ": " on the line: a value to quote, not an indentation
    before = _significant(lines, line, -1)
    if before is None:
        return None
    earlier = _significant(lines, before, -1)
    suspect = before if earlier is not None and _left_its_block(
        _indent(lines[earlier]), lines[earlier], _indent(lines[before]),
        _indent(lines[line])) else line
    neighbours = [n for n in (_significant(lines, suspect, -1), _significant(lines, suspect, 1))
                  if n is not None and n != suspect]
    around = ", ".join(f"line {n + 1} has {_spaces(_indent(lines[n]))}" for n in neighbours)
    hint = (f"check the indentation of line {suspect + 1}: it has "
            f"{_spaces(_indent(lines[suspect]))}, {around}")
    return suspect, hint


def _left_its_block(earlier: int, earlier_text: str, before: int, line: int) -> bool:
    """Whether the line between two others is the one off: they agree and it does not, or
    the first opens a block the middle one should be in and the last one is."""
    if earlier == line != before:
        return True
    opens = earlier_text.split(" #", 1)[0].rstrip().endswith(":")
    return opens and before <= earlier < line


def _significant(lines: list[str], start: int, step: int) -> int | None:
    """The nearest line before or after `start` that holds YAML (not blank, not a comment)."""
    index = start + step
    while 0 <= index < len(lines):
        stripped = lines[index].strip()
        if stripped and not stripped.startswith("#"):
            return index
        index += step
    return None


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _spaces(count: int) -> str:
    return f"{count} space{'s' if count != 1 else ''}"
