"""The lines of a record that say what an entity is, as opposed to what was decided about it.

A model version's record holds both what its developers wrote (artifact, training data,
parameters, features, declared evaluation) and what others recorded about it later (stage,
validation, approvals, deployments). Whoever last wrote a line of the first kind made the
version what it is; `git blame` of those lines names them. The fields come from the parser's
positions, never from the text's look, so a line cannot pass for a field it is not; a record
whose layout cannot be told apart counts whole.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

# What the YAML parser counts as a line break; git counts only "\n"
_YAML_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")


def parser_lines(text: str) -> tuple[list[str], list[int]]:
    """The text's lines as the YAML parser numbers them (its positions count a lone "\r" or
    a U+2028 inside a quoted string as a new line), and for each the line git numbers it
    on, which `git blame` must be given: otherwise such a character before an edited line
    would have the line after it blamed instead."""
    lines: list[str] = []
    git_lines: list[int] = []
    start, git_line = 0, 1
    for found in _YAML_BREAK.finditer(text):
        lines.append(text[start:found.start()])
        git_lines.append(git_line)
        git_line += found.group().count("\n")
        start = found.end()
    if start < len(text):
        lines.append(text[start:])
        git_lines.append(git_line)
    return lines, git_lines


def record_end(lines: Sequence[str], key_line: int) -> int:
    """The last line (1-based) of the block record whose key is on `key_line`: the line before
    the next one, not blank and not a comment, indented no deeper than the key."""
    key_text = lines[key_line - 1]
    indent = len(key_text) - len(key_text.lstrip(" "))
    last = key_line
    for number in range(key_line + 1, len(lines) + 1):
        text = lines[number - 1]
        stripped = text.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if len(text) - len(text.lstrip(" ")) <= indent or stripped in ("---", "..."):
            break
        last = number
    return last


def content_lines(lines: Sequence[str], key_line: int, field_lines: Mapping[str, int],
                  left_out: frozenset[str]) -> list[int]:
    """The lines (1-based) of the record on `key_line` that hold anything but the fields in
    `left_out`: the key line itself, and each line some other field's value may cover.

    `field_lines` gives the line of each of the record's own keys. A field covers the lines
    from its key to the line before the next field's key (or the record's end); a line is
    left out only when every field covering it is left out. A field placed before the key or
    past the end the indentation shows widens the record to the end of the file: counting too
    many lines costs a false alarm, too few a missed edit.
    """
    if not 0 < key_line <= len(lines):
        return []
    end = record_end(lines, key_line)
    if any(line < key_line or line > end for line in field_lines.values()):
        end = len(lines)
    if end > key_line and key_line in field_lines.values():
        left_out = frozenset()  # a field not told apart from the key (flow style): all counts
    starts = sorted(set(field_lines.values()))
    kept: set[int] = {key_line}
    for field, line in field_lines.items():
        if field in left_out:
            continue
        later = [start for start in starts if start > line]
        kept.update(range(line, (later[0] - 1 if later else end) + 1))
    first = starts[0] if starts else end + 1
    kept.update(range(key_line, min(first, end + 1)))  # before any field: the key's own text
    return sorted(number for number in kept if _written(lines[number - 1]))


def _written(text: str) -> bool:
    stripped = text.strip()
    return bool(stripped) and not stripped.startswith("#")
