"""The cutter against the whole-file parse, on generated and hostile inventories.

Both users of the cutter are checked: the check's lazy segments (data and positions) and the
history's piece parser (data, edit after edit). For every text, the cut-and-assembled result
equals the whole-file parse, or the cutter refuses and the whole file is parsed. Refusing is
always allowed; a different answer never is.

CI runs a bounded, derandomized profile; `CHARTER_PROPERTY_EXAMPLES=10000` runs a long one.
"""

from __future__ import annotations

import json
import os
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from charter.errors import CharterError
from charter.history.pieces import PieceParser
from charter.source.cutter import cut, recut
from charter.source.segments import Unsegmentable, load_segmented, parse_unknown
from charter.source.yamlsource import Document, load_yaml_text

EXAMPLES = int(os.environ.get("CHARTER_PROPERTY_EXAMPLES", "80"))
PROFILE = settings(max_examples=EXAMPLES, deadline=None, derandomize=EXAMPLES <= 1000,
                   suppress_health_check=list(HealthCheck), database=None,
                   phases=(Phase.explicit, Phase.reuse, Phase.generate))
FILE = "models.yaml"

NAMES = ("credit", "churn", "a", "x-1", "models", "versions", "datasets", "2.0", "b c")
SCALARS = ("x", "a b", "2024-01-01", "yes", "no", "null", "~", "1e3", "0x1F", "-", "a: b",
           "#x", "x #y", "'q'", '"dq"', "it's", "multi\nline", "", " lead", "trail ", "[x]",
           "{x}", "*x", "&x", "!x", "%x", "@x", "`x", "|", ">", "---", "...", "é", "\t",
           "a\\b", "  models:", "\n  b: 1\n")


def plain(value: Any) -> Any:
    return json.loads(json.dumps(value, default=lambda v: dict(v.items())))


def whole(text: str) -> Document | CharterError:
    try:
        return load_yaml_text(text, FILE)
    except CharterError as exc:
        return exc


@st.composite
def scalars(draw: st.DrawFn) -> Any:
    if draw(st.integers(0, 3)) < 3:
        return draw(st.one_of(st.sampled_from(("x", "a b", "2024-01-01", "é", "")),
                              st.integers(-3, 3), st.booleans(), st.none()))
    return draw(st.one_of(st.sampled_from(SCALARS), st.sampled_from((0.5, -1.25, 1e300)),
                          st.text(st.sampled_from("ab :#-'\"\n\\[]{},?é"), max_size=6)))


def key(draw: st.DrawFn, name: str) -> str:
    style = draw(st.sampled_from(("plain",) * 12 + ("double", "single", "json", "complex",
                                                     "spaced")))
    if style == "double":
        return f'"{name}"'
    if style == "single":
        return f"'{name}'"
    if style == "json":
        return json.dumps(name)
    if style == "complex":
        return f"? {name}\n"
    if style == "spaced":
        return f"{name} "
    return name


def scalar_text(draw: st.DrawFn, value: Any, indent: int) -> str:
    style = draw(st.sampled_from(("json", "json", "plain", "single", "literal", "folded",
                                  "multiline")))
    if isinstance(value, str) and style == "plain":
        return value.replace("\n", "\n" + " " * (indent + 2))
    if isinstance(value, str) and style == "single":
        return "'" + value.replace("'", "''") + "'"
    if isinstance(value, str) and style in ("literal", "folded"):
        mark = "|" if style == "literal" else ">"
        chomp = draw(st.sampled_from(("", "-", "+")))
        body = "".join(f"{' ' * (indent + 2)}{line}\n" for line in value.split("\n"))
        return f"{mark}{chomp}\n{body}".rstrip("\n")
    if isinstance(value, str) and style == "multiline":
        return '"' + value.replace("\n", "\n" + " " * draw(st.integers(0, indent + 2))) + '"'
    if value is None and draw(st.booleans()):
        return ""
    return json.dumps(value)


def block(draw: st.DrawFn, mapping: dict[str, Any], indent: int) -> str:
    """A mapping in block style (or, sometimes, flow style)."""
    if draw(st.integers(0, 30 if indent == 0 else 9)) == 7:
        return " " * indent + json.dumps(mapping) + "\n" if indent == 0 else (
            " " * indent + "x: " + json.dumps(mapping) + "\n")
    out = []
    for name, value in mapping.items():
        written = key(draw, name)
        pad = " " * indent
        if written.endswith("\n"):  # `? key` then `: value`
            out.append(pad + written)
            colon = pad + ":"
        else:
            colon = pad + written + ":"
        if isinstance(value, dict) and value and draw(st.integers(0, 5)) < 5:
            child = indent + draw(st.sampled_from((2, 4, 1, 2, 2)))
            comment = draw(st.sampled_from(("", "", " # note", "  #x")))
            out.append(colon + comment + "\n" + block(draw, value, child))
        elif isinstance(value, dict | list):
            out.append(colon + " " + json.dumps(value) + "\n")
        else:
            out.append(colon + " " + scalar_text(draw, value, indent) + "\n")
    return "".join(out)


@st.composite
def records(draw: st.DrawFn, depth: int) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for name in draw(st.lists(st.sampled_from(("title", "owner", "stage", "metrics", "a b")),
                              max_size=3, unique=True)):
        fields[name] = draw(scalars()) if depth == 0 or draw(st.booleans()) else draw(
            records(depth - 1))
    if depth > 0 and draw(st.booleans()):
        fields["versions"] = {v: draw(records(0)) for v in draw(st.lists(
            st.sampled_from(("1.0.0", "2.0", "x", "versions")), max_size=3, unique=True))}
    return fields


@st.composite
def inventories(draw: st.DrawFn) -> str:
    top: dict[str, Any] = {"charter": 1}
    sections = draw(st.permutations(("teams", "models", "datasets", "settings")))
    for section in sections[:4 - draw(st.integers(0, 3))]:
        entries = draw(st.lists(st.sampled_from(NAMES), min_size=int(draw(st.integers(0, 5)) < 5),
                                max_size=4, unique=True))
        top[section] = {name: draw(records(1)) for name in entries} or draw(
            st.sampled_from((None, {})))
    return block(draw, top, 0)


MUTATIONS = (
    "comment", "blank", "crlf", "bom", "start-marker", "end-marker", "tab", "anchor",
    "tag", "duplicate", "move-line", "indent", "outdent", "directive", "trailing",
)


def mutate(draw: st.DrawFn, text: str) -> str:
    lines = text.splitlines(keepends=True) or ["\n"]
    for mutation in draw(st.lists(st.sampled_from(MUTATIONS), max_size=3)):
        at = draw(st.integers(0, len(lines)))
        if mutation == "comment":
            lines.insert(at, " " * draw(st.integers(0, 7)) + "# c: d\n")
        elif mutation == "blank":
            lines.insert(at, " " * draw(st.integers(0, 3)) + "\n")
        elif mutation == "crlf":
            lines = [line.replace("\n", "\r\n") for line in lines]
        elif mutation == "bom":
            lines.insert(0 if draw(st.booleans()) else at, "\ufeff")
        elif mutation == "start-marker":
            lines.insert(at, "---\n")
        elif mutation == "end-marker":
            lines.insert(at, "...\n")
        elif mutation == "tab":
            lines.insert(at, "\t" + (lines[at - 1].lstrip(" ") if at else "x: 1\n"))
        elif mutation == "anchor" and len(lines) > 2:
            i = draw(st.integers(0, len(lines) - 1))
            lines[i] = lines[i].replace(": ", ": &a ", 1)
            j = draw(st.integers(0, len(lines) - 1))
            lines[j] = lines[j].replace(": ", ": *a #", 1)
        elif mutation == "tag":
            i = draw(st.integers(0, len(lines) - 1))
            lines[i] = lines[i].replace(": ", ": !!str ", 1)
        elif mutation == "duplicate" and lines:
            i = draw(st.integers(0, len(lines) - 1))
            lines[at:at] = lines[i:i + draw(st.integers(1, 6))]
        elif mutation == "move-line" and len(lines) > 1:
            line = lines.pop(draw(st.integers(0, len(lines) - 1)))
            lines.insert(draw(st.integers(0, len(lines))), line)
        elif mutation == "indent" and lines:
            i = draw(st.integers(0, len(lines) - 1))
            lines[i] = " " * draw(st.integers(1, 3)) + lines[i]
        elif mutation == "outdent" and lines:
            i = draw(st.integers(0, len(lines) - 1))
            lines[i] = lines[i][draw(st.integers(1, 3)):]
        elif mutation == "directive":
            lines.insert(0, "%YAML 1.1\n---\n")
        elif mutation == "trailing" and lines:
            lines[-1] = lines[-1].rstrip("\n")
    return "".join(lines)


@st.composite
def texts(draw: st.DrawFn) -> str:
    text = draw(inventories())
    return mutate(draw, text) if draw(st.booleans()) else text


def segmented(text: str) -> Any:
    """What the check's lazy loader reads, or None when it steps aside."""
    try:
        loaded = load_segmented(text, FILE, {})
        if loaded is None:
            return None
        parse_unknown(loaded[2])
    except (Unsegmentable, CharterError):
        return None
    return loaded


def assert_segments_agree(text: str) -> None:
    expected = whole(text)
    loaded = segmented(text)
    if loaded is None:
        return
    assert isinstance(expected, Document), f"the cut accepted a file that does not parse:\n{text}"
    data, source, _ = loaded
    assert plain(data) == plain(expected.data), text
    for path, mark in expected.source.marks.items():
        assert source.locate(path) == mark, (path, text)


def outcome(parse: Any) -> Any:
    try:
        return plain(parse())
    except CharterError as exc:
        return ("error", exc.render())


def expected_outcome(text: str) -> Any:
    found = whole(text)
    if isinstance(found, CharterError):
        return ("error", found.render())
    if found.data is None:
        return {}
    if not isinstance(found.data, dict):
        return ("error", "not a mapping")
    return plain(found.data)


@PROFILE
@given(texts())
def test_segments_equal_the_whole_file_parse_or_step_aside(text: str) -> None:
    assert_segments_agree(text)


def assert_pieces_agree(history: list[str]) -> None:
    """Each commit's text, parsed piece by piece after the one before, equals the whole
    parse (an error where the whole parse errs)."""
    parser = PieceParser()
    for text in history:
        got = outcome(lambda t=text: parser.parse(t.encode()))  # type: ignore[misc]
        expected = expected_outcome(text)
        if expected == ("error", "not a mapping"):
            assert got[0] == "error"
        else:
            assert got == expected, text


@PROFILE
@given(st.lists(texts(), min_size=1, max_size=4))
def test_pieces_equal_the_whole_file_parse_edit_after_edit(history: list[str]) -> None:
    assert_pieces_agree(history)


@st.composite
def edits(draw: st.DrawFn) -> list[str]:
    """A text, then edits of it one after another: what consecutive commits look like."""
    texts = [draw(inventories())]
    for _ in range(draw(st.integers(1, 5))):
        lines = texts[-1].splitlines(keepends=True) or ["\n"]
        at = draw(st.integers(0, len(lines) - 1))
        kind = draw(st.sampled_from(("replace", "insert", "delete", "copy", "mutate")))
        if kind == "replace":
            lines[at] = lines[at].replace(draw(st.sampled_from(("x", "1", ": ", "a"))),
                                          draw(st.sampled_from(("y", "2", ":  ", "b c"))), 1)
        elif kind == "insert":
            lines.insert(at, draw(st.sampled_from(("  z: 1\n", "    w: 2\n", "# c\n", "\n",
                                                   "  models:\n", "z: 1\n", "      v: 3\n"))))
        elif kind == "delete":
            del lines[at:at + draw(st.integers(1, 3))]
        elif kind == "copy":
            lines[at:at] = lines[draw(st.integers(0, len(lines) - 1)):][:3]
        texts.append(mutate(draw, "".join(lines)) if kind == "mutate" else "".join(lines))
    return texts


@PROFILE
@given(edits())
def test_pieces_equal_the_whole_file_parse_over_small_edits(history: list[str]) -> None:
    assert_pieces_agree(history)


HOSTILE = [
    "charter: 1\nbase: &b {x: 1}\nmodels:\n  a: *b\n",
    "charter: 1\nmodels: {a: {title: x}}\n",
    "charter: 1\nmodels:\n  a:\n    <<: {title: x}\n",
    'note: "abc\nmodels:\n  b: 1\n"\n',
    "note: 'abc\nmodels:\n  b: 1\n  '\n",
    "models:\n  a: [1,\n  b: 2]\n",
    "models:\n  a: \"x\n  b: y\"\n",
    "models:\n  a:\n    title: |\n      x\n  b: 1\n",
    "models:\n  a: |\n  b: 1\n",
    "models:\n  a:\n  - x: 1\n  b: 2\n",
    "models:\n  ? a\n  : 1\n  b: 2\n",
    "models:\n  a: 1\n  a: 2\n",
    "models:\n  a: 1\n  \"a\": 2\n",
    "models:\n  a: 1\n  \"\\x61\": 2\n",
    "models:\n  'it''s': 1\n",
    "models:\n  a: 1\nmodels:\n  b: 2\n",
    "models:\n  a: 1\n---\nmodels:\n  b: 2\n",
    "models:\n  a: 1\n...\n",
    "models:\r\n  a: 1\r\n  b: {x: 2}\r\n",
    "models:\r  a: 1\r  b: 2\r",
    "models:\n  a: 1\u2028  b: 2\n",
    "\ufeffmodels:\n  a: 1\n",
    "models:\n  a: 1\n\ufeff  b: 2\n",
    "models:\n\t a: 1\n",
    "models:\n  a: !!str 1\n",
    "%YAML 1.1\n---\nmodels:\n  a: 1\n",
    "models:\n    x: 1\n  a: 2\n",
    "models:\n  a:\n    versions:\n      '1': {stage: x}\n  a:\n    title: y\n",
    "models:\n  a:\n    versions:\n      '1': 1\n      '1': 2\n",
    "models:\n  a:\n    versions:\n    - 1\n",
    "models:\n  a: |\n    versions:\n      x: 1\n",
    "models:\n  a:\n    t: \"q\n    versions:\n      x: 1\"\n",
    "models:\n",
    "models:\n# only a comment\n",
    "models:\n  a:\n# a comment at the margin\n    t: 1\n  b: 2\n",
    "models:\n  a:\n    versions: # note\n      x: 1\n    versions: 2\n",
    "models: # x\n  a : 1\n",
    "models:\n  a: 1 # c: d\n  b:   # c\n    c: 1\n",
    "models:\n  a:\n    d: |+\n      x\n\n\n  b: 1\n",
    "models:\n  a:\n    x:\n" + "      - " * 70 + "1\n",
    "x:\n" + "  - " * 63 + "1\nmodels:\n  a:\n" + "    - " * 62 + "1\n",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_texts_are_read_as_the_whole_file_or_refused(text: str) -> None:
    assert_segments_agree(text)
    parser = PieceParser()
    assert outcome(lambda: parser.parse(text.encode())) == expected_outcome(text) or (
        expected_outcome(text) == ("error", "not a mapping"))


@pytest.mark.parametrize("text", [
    "charter: 1\nbase: &b {x: 1}\nmodels:\n  a: *b\n",
    "models:\n  a: 1\n---\n",
    "models:\n\t a: 1\n",
    "\ufeffmodels:\n  a: 1\n  \ufeffb: 2\n",
    "models:\r  a: 1\r",
    "models:\n  a: !!str 1\n",
])
def test_the_cutter_refuses_what_it_cannot_vouch_for(text: str) -> None:
    assert cut(text) is None


def test_the_cutter_cuts_plain_block_inventories() -> None:
    text = "charter: 1\nmodels:\n  a:\n    versions:\n      '1': {stage: x}\n  b: {}\n"
    found = cut(text)
    assert found is not None
    assert [(p.path, p.name, p.line) for p in found.pieces] == [
        (("models",), "a", 2), (("models",), "b", 5)]
    assert found.frame == "charter: 1\nmodels:\n\n\n\n\n"


@pytest.mark.parametrize(("edit", "run"), [
    (("title: b", "title: B"), (1, 2)),  # below b's key line: b alone is cut again
    (("  b:\n", "  bb:\n"), (0, 2)),  # b's key line: from the entry before it
    (("title: a\n", "title: a\n    more: 1\n"), (0, 2)),  # the shared start ends in b's key line
])
def test_an_edit_below_a_key_line_cuts_again_from_that_entry(
        edit: tuple[str, str], run: tuple[int, int]) -> None:
    text = "charter: 1\nmodels:\n  a:\n    title: a\n  b:\n    title: b\n  c:\n    title: c\n"
    found = cut(text)
    assert found is not None
    edited = text.replace(*edit)
    spliced = recut(text, found.compacted(), edited)
    assert spliced is not None
    assert (spliced.lo, spliced.hi) == run
    assert [p.name for p in spliced.cut.pieces] == [p.name for p in cut(edited).pieces]
