"""The safe loader: positions, duplicate keys, tags and the limits on hostile input."""

from __future__ import annotations

import pytest

from charter.errors import CharterError
from charter.source.yamlsource import MAX_DEPTH, Mark, load_yaml_text


def problem(text: str, **kwargs: int) -> str:
    with pytest.raises(CharterError) as info:
        load_yaml_text(text, "f.yaml", **kwargs)
    return info.value.render()


def test_every_key_and_item_keeps_its_position() -> None:
    doc = load_yaml_text("a:\n  b: [x, {c: 1}]\n  d: 2\n", "f.yaml")
    assert doc.data == {"a": {"b": ["x", {"c": 1}], "d": 2}}
    assert doc.source.marks[("a", "d")] == Mark(3, 3)
    assert doc.source.marks[("a", "b", 1, "c")] == Mark(2, 11)
    assert doc.source.locate(("a", "d", "missing", 3)) == Mark(3, 3)


def test_dates_stay_iso_text_and_plain_types_are_typed() -> None:
    doc = load_yaml_text("d: 2024-07-01\nn: 3\nf: 0.5\nb: true\nz: ~\ns: '3'\n", "f.yaml")
    assert doc.data == {"d": "2024-07-01", "n": 3, "f": 0.5, "b": True, "z": None, "s": "3"}


def test_duplicate_keys_are_errors() -> None:
    assert "f.yaml:3:1: $.a: duplicate key 'a' (first defined on line 1)" in problem(
        "a: 1\nb: 2\na: 3\n")


def test_python_tags_are_refused() -> None:
    message = problem("a: !!python/object/apply:os.system [echo hi]\n")
    assert "unsupported YAML tag" in message


def test_custom_tags_are_refused() -> None:
    assert "unsupported YAML tag !secret" in problem("a: !secret x\n")


def test_deep_nesting_is_refused() -> None:
    assert f"nesting deeper than {MAX_DEPTH} levels" in problem("[" * 200 + "]" * 200)


def test_file_size_limit() -> None:
    assert "over the 100-byte limit" in problem("a: " + "x" * 200, max_bytes=100)


def test_alias_bomb_is_refused() -> None:
    lines = ['a: &a ["x","x","x","x","x","x","x","x","x"]']
    for i in range(9):
        prev, cur = chr(ord("a") + i), chr(ord("b") + i)
        lines.append(f"{cur}: &{cur} [" + ",".join([f"*{prev}"] * 9) + "]")
    assert "expands to more than" in problem("\n".join(lines))


def test_aliases_and_merge_keys_work_within_limits() -> None:
    doc = load_yaml_text("base: &b {x: 1, y: 2}\nuse: {<<: *b, y: 3}\nsame: *b\n", "f.yaml")
    assert doc.data["use"] == {"x": 1, "y": 3}
    assert doc.data["same"] == {"x": 1, "y": 2}


def test_boolean_looking_keys_must_be_quoted() -> None:
    assert 'quote it: "on"' in problem("on: 1\n")


def test_syntax_errors_point_at_the_line_and_suggest_quoting() -> None:
    message = problem("a: b: c\n")
    assert message.startswith("f.yaml:1:")
    assert 'quote a value that contains ": "' in message


def test_invalid_utf8_is_a_clear_error() -> None:
    with pytest.raises(CharterError, match="not UTF-8"):
        load_yaml_text(b"a: \xff\xfe\n", "f.yaml")


def test_multiple_documents_are_refused() -> None:
    assert "only one YAML document" in problem("a: 1\n---\nb: 2\n")


def test_indentation_error_names_the_line_indented_wrongly() -> None:
    # libyaml stops on line 5, the first line that no longer fits; line 4 is the mistake
    text = "models:\n  credit:\n    title: x\n  owner: y\n    risk_tier: high\n"
    assert problem(text) == (
        "f.yaml:4:3: YAML syntax error on line 5: mapping values are not allowed in this "
        "context (check the indentation of line 4: it has 2 spaces, line 3 has 4 spaces, "
        "line 5 has 4 spaces)")


def test_indentation_error_on_the_line_itself() -> None:
    text = "models:\n  credit:\n    title: x\n   owner: y\n    risk_tier: high\n"
    assert problem(text) == (
        "f.yaml:4:4: YAML syntax error: did not find expected key (check the indentation of "
        "line 4: it has 3 spaces, line 3 has 4 spaces, line 5 has 4 spaces)")
    listed = "a:\n  v:\n    - x\n   - y\n"
    assert "check the indentation of line 4: it has 3 spaces" in problem(listed)


def test_a_value_with_a_colon_is_not_an_indentation_error() -> None:
    assert problem("a:\n  title: Credit: default\n") == (
        "f.yaml:2:16: YAML syntax error: mapping values are not allowed in this context "
        "(quote a value that contains \": \")")


def test_indentation_error_of_a_line_that_left_its_block() -> None:
    text = "datasets:\n  loans:\n  owner: data\n    contains_pii: false\n"
    assert problem(text).startswith(
        "f.yaml:3:3: YAML syntax error on line 4: mapping values are not allowed in this "
        "context (check the indentation of line 3: it has 2 spaces")


SCALARS = ["1", "-7", "0x1F", "0o17", "1_000", "1:20", "1.5", "-.inf", "1e3", "yes", "No",
           "true", "off", "~", "null", "", "'1'", '"yes"', "abc", "1.0.0", "+12"]


@pytest.mark.parametrize("repeat", range(2))
def test_scalars_read_the_same_the_first_time_and_after(repeat: int) -> None:
    """Scalar texts resolve and build once; later reads reuse them, with the same result
    (and type) as YAML's own reading."""
    import yaml

    text = "".join(f"k{i}: {s}\n" for i, s in enumerate(SCALARS))
    expected = yaml.safe_load(text)
    for _ in range(2):
        data = load_yaml_text(text, "x.yaml").data
        assert data == expected
        assert [type(v) for v in data.values()] == [type(v) for v in expected.values()]


def test_marks_can_stop_at_a_depth() -> None:
    text = "a:\n  b:\n    c: 1\n  d: [1, 2]\n"
    full = load_yaml_text(text, "x.yaml")
    shallow = load_yaml_text(text, "x.yaml", mark_depth=2)
    assert shallow.data == full.data
    assert shallow.source.marks == {k: v for k, v in full.source.marks.items() if len(k) <= 2}
