"""The piece parser gives exactly what parsing the whole file gives, edit after edit."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest

from charter.errors import CharterError
from charter.history.pieces import PieceParser
from charter.source.cutter import changed_span
from charter.source.yamlsource import load_yaml_text
from conftest import BASIC_INVENTORY

EXAMPLE = Path(__file__).resolve().parents[1] / "models.yaml"
VERSIONS = b"""\
      "1.1.0": {stage: development, evaluation: {metrics: {roc_auc: 0.9}}}
  churn:
    title: Churn
    owner: risk-analytics
    risk_tier: low
    versions:
      "1.0.0": {stage: development}
"""


def whole(text: bytes) -> Any:
    try:
        return load_yaml_text(text, "models.yaml").data or {}
    except CharterError as exc:
        return ("error", exc.render())


def pieces(parser: PieceParser, text: bytes) -> Any:
    try:
        return parser.parse(text)
    except CharterError as exc:
        return ("error", exc.render())


def source() -> bytes:
    return EXAMPLE.read_bytes() if EXAMPLE.is_file() else BASIC_INVENTORY.encode()


def test_small_edits_reparse_only_the_changed_piece() -> None:
    text = source()
    parser = PieceParser()
    first = parser.parse(text)
    edited = text.replace(b"stage: production", b"stage: retired", 1)
    second = parser.parse(edited)
    assert second == whole(edited)
    assert parser.full_parses == 0
    unchanged = [name for name in first["models"]
                 if first["models"][name] is second["models"][name]]
    assert len(unchanged) == len(first["models"]) - 1


@pytest.mark.parametrize("seed", range(8))
def test_random_edits_match_the_whole_file_parse(seed: int) -> None:
    original = source().splitlines(keepends=True)
    rng = random.Random(seed)
    parser = PieceParser()
    lines = list(original)
    for _ in range(150):
        at = rng.randrange(len(lines))
        roll = rng.random()
        if roll < 0.3:
            lines[at] = lines[at].replace(b"2024", b"2023", 1)
        elif roll < 0.45 and len(lines) > 10:
            del lines[at:at + rng.randrange(1, 20)]
        elif roll < 0.6:
            start = rng.randrange(len(original))
            lines[at:at] = original[start:start + rng.randrange(1, 20)]
        elif roll < 0.7:
            lines[at] = b"# a comment\n"
        elif roll < 0.75:
            lines[at] = b"  " + lines[at]
        elif roll < 0.8:
            lines[at] = lines[at].lstrip()
        elif roll < 0.84:
            lines[at] = lines[at].rstrip(b"\n")  # joins the next line
        elif roll < 0.88:
            lines[at] = b" " + lines[at]
        elif roll < 0.9:
            lines = list(original)
        else:
            lines[at:at] = [b"  extra-%d:\n" % at, b"    title: x\n"]
        text = b"".join(lines)
        assert pieces(parser, text) == whole(text)


@pytest.mark.parametrize("text", [
    b"charter: 1\nmodels:\n  a: &x {title: t}\n  b: *x\n",
    b"charter: 1\nmodels: {a: {versions: {}}}\n",
    b"\xef\xbb\xbfcharter: 1\n",
    b"charter: 1\nmodels:\n  a:\n    versions:\n      '1': {stage: x}\n  a:\n    title: y\n",
    b"",
])
def test_unusual_files_fall_back_to_the_whole_file(text: bytes) -> None:
    assert pieces(PieceParser(), text) == whole(text)


def test_a_file_that_is_not_a_mapping_is_an_error() -> None:
    with pytest.raises(CharterError, match="must be a mapping"):
        PieceParser().parse(b"- just\n- a list\n")


def test_an_edit_to_one_version_parses_that_version_only() -> None:
    text = source()
    parser = PieceParser()
    parser.parse(text)
    before = parser.pieces_parsed
    edited = text.replace(b"stage: production", b"stage: retired", 1)
    assert parser.parse(edited) == whole(edited)
    assert parser.pieces_parsed - before == 1  # the model's own fields are known by their text
    assert parser.full_parses == 0


def test_an_entry_edited_again_later_parses_only_what_changed_since() -> None:
    """Edits to other models in between do not make the first model's versions forgotten."""
    text = BASIC_INVENTORY.encode() + VERSIONS
    parser = PieceParser()
    parser.parse(text)
    steps = [text.replace(b"roc_auc: 0.81", b"roc_auc: 0.82"),  # credit@1.1.0
             text.replace(b"roc_auc: 0.81", b"roc_auc: 0.82").replace(b"Churn", b"Churn risk"),
             text.replace(b"roc_auc: 0.81", b"roc_auc: 0.83").replace(b"Churn", b"Churn risk")]
    for edited in steps:
        before = parser.pieces_parsed
        assert parser.parse(edited) == whole(edited)
        assert parser.pieces_parsed - before == 1
    assert parser.full_parses == 0


@pytest.mark.parametrize("edit", [
    (b"title: a\n  m1:", b"title: a  m1:"),  # the next entry's key joins the line before it
    (b"title: x\n# note\n  m2:", b"title: x# note\n  m2:"),  # a comment after the run joins it
    (b"  m2:\n", b"    m2:\n"),  # an entry's key moves into the entry before it
    (b"  m1:\n", b"  m1:\n    extra: 1\n"),  # a line at the end of the entry before
    (b"title: y\n", b"title: y\n  m3:\n    title: z\n"),  # an entry appended at the end
    (b"title: y\n", b"title: y\nsettings: {}\n"),  # the frame grows after the last entry
    (b"title: x\n", "title: \u00e9t\u00e9\n".encode()),  # beyond ASCII: bytes are not characters
    (b"  m0:\n    title: a\n", "  m0:\n    title: \u00e0\n".encode()),
])
def test_edits_at_the_boundaries_of_entries_parse_as_the_whole_file(edit: tuple[bytes, bytes]
                                                                   ) -> None:
    text = b"charter: 1\nmodels:\n  m0:\n    title: a\n  m1:\n    title: x\n# note\n" \
           b"  m2:\n    title: y\n"
    parser = PieceParser()
    assert pieces(parser, text) == whole(text)
    edited = text.replace(*edit)
    assert edited != text
    assert pieces(parser, edited) == whole(edited)
    again = edited.replace(b"title: y", b"title: z")  # an edit after one beyond ASCII
    assert pieces(parser, again) == whole(again)


BLOCK_VERSIONS = b"""\
charter: 1
models:
  m:
    title: a
    versions:
      "1.0.0":
        stage: production
        validation: {by: vera, date: 2024-06-01, outcome: approved}
        deployments:
          - {target: api, since: 2024-06-02}
      "1.1.0":   # the next one
        # a comment before its fields
        stage: development
        evaluation: {metrics: {roc_auc: 0.8}}
"""


def test_a_version_edit_parses_only_field_texts_not_seen_before() -> None:
    """A block-style version is cut into its fields, each text parsed once: a field that
    another version already had (a stage, a validation) is not parsed again."""
    parser = PieceParser()
    assert parser.parse(BLOCK_VERSIONS) == whole(BLOCK_VERSIONS)
    before = parser.fields_parsed
    edited = BLOCK_VERSIONS.replace(b"stage: development", b"stage: production")
    assert parser.parse(edited) == whole(edited)
    assert parser.fields_parsed == before  # `stage: production` was parsed for 1.0.0
    edited = edited.replace(b"roc_auc: 0.8}", b"roc_auc: 0.9}")
    assert parser.parse(edited) == whole(edited)
    assert parser.fields_parsed == before + 1
    assert parser.full_parses == 0


@pytest.mark.parametrize("edit", [
    (b'"1.1.0":   # the next one', b'"1.1.0": null'),  # a value on the key line
    (b'"1.1.0":   # the next one', b'"1.1.0": {}'),
    (b'"1.1.0":   # the next one', b'"1.1.0": |'),
    (b"        stage: development\n", b"        stage: development\n       x: 1\n"),
    (b"        stage: development\n", b"        stage: development\n        stage: x\n"),
    (b"        stage: development\n", b"        stage: development,\n        - x\n"),
    (b"evaluation: {metrics: {roc_auc: 0.8}}", b"evaluation: {metrics: {roc_auc: 0.8},\n"
     b"        more: 1}"),  # a flow mapping continued at the fields' column
    (b"        stage: development\n", b"        stage: development\n          more\n"),
    (b"        stage: development\n", b"        stage: >\n          folded\n"),
    (b'"1.1.0":   # the next one', b"1.1.0:"),  # a plain key
    (b'"1.1.0":   # the next one', b'"1.1.0": # x\n'),
])
def test_version_fields_cut_parse_as_the_whole_file(edit: tuple[bytes, bytes]) -> None:
    parser = PieceParser()
    assert pieces(parser, BLOCK_VERSIONS) == whole(BLOCK_VERSIONS)
    edited = BLOCK_VERSIONS.replace(*edit)
    assert edited != BLOCK_VERSIONS
    assert pieces(parser, edited) == whole(edited)
    assert pieces(PieceParser(), edited) == whole(edited)


@pytest.mark.parametrize("seed", range(5))
def test_the_changed_span_of_two_texts_is_where_they_differ(seed: int) -> None:
    """What an edit replaced, found by comparing chunks (of bytes through a view), is the
    longest shared start and end, in bytes as in text, however long the texts."""
    rng = random.Random(seed)
    before = bytes(rng.choice(b"ab\n") for _ in range(rng.choice([0, 5, 40000, 70000])))
    for _ in range(20):
        start = rng.randrange(len(before) + 1)
        stop = min(len(before), start + rng.choice([0, 1, 3, 20000]))
        after = before[:start] + bytes(rng.choice(b"ab\n") for _ in range(rng.choice(
            [0, 1, 2, 30]))) + before[stop:]
        shared = 0
        while shared < min(len(before), len(after)) and before[shared] == after[shared]:
            shared += 1
        end = 0
        while end < min(len(before), len(after)) - shared and (
                before[-1 - end] == after[-1 - end]):
            end += 1
        expected = (shared, len(before) - end)
        assert changed_span(before, after) == expected
        assert changed_span(before.decode(), after.decode()) == expected
        before = after
