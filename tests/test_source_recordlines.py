"""The lines of a version's record that say what it is, told from the parser's positions."""

from __future__ import annotations

from charter.inventory.independence import DECIDED_FIELDS
from charter.source.recordlines import content_lines, parser_lines
from charter.source.yamlsource import load_yaml_text

PATH = ("models", "credit", "versions", "1.1.0")


def lines_of(text: str) -> list[int]:
    document = load_yaml_text(text, "models.yaml")
    record = document.data["models"]["credit"]["versions"]["1.1.0"]
    key_line = document.source.locate(PATH).line
    fields = {key: document.source.locate((*PATH, key)).line for key in record}
    return content_lines(text.splitlines(), key_line, fields, DECIDED_FIELDS)


def test_what_was_decided_about_the_version_is_left_out() -> None:
    text = ("models:\n"                                   # 1
            "  credit:\n"                                 # 2
            "    versions:\n"                             # 3
            "      \"1.1.0\":\n"                          # 4
            "        stage: staging\n"                    # 5
            "        artifact:\n"                         # 6
            "          # the file itself\n"               # 7
            "          path: m.skops\n"                   # 8
            "        validation:\n"                       # 9
            "          by: vera\n"                        # 10
            "        training_data: [loans@2024-06]\n"    # 11
            "        approvals:\n"                        # 12
            "        - {by: victor}\n"                    # 13
            "      \"1.2.0\":\n"                          # 14
            "        parameters: {depth: 3}\n")           # 15
    assert lines_of(text) == [4, 6, 8, 11]


def test_a_value_that_looks_like_a_decided_field_is_still_what_it_is() -> None:
    """A flow value continued on a line that reads like `stage:` is the field it belongs to."""
    text = ("models:\n"
            "  credit:\n"
            "    versions:\n"
            "      \"1.1.0\":\n"
            "        stage: staging\n"
            "        training_data: [loans@2024-06,\n"
            "         stage: loans@2024-09]\n"
            "        validation: {by: vera}\n")
    assert lines_of(text) == [4, 6, 7]


def test_a_flow_record_on_one_line_is_its_key_line() -> None:
    text = ("models:\n"
            "  credit:\n"
            "    versions:\n"
            "      \"1.1.0\": {stage: staging, validation: {by: vera}, algorithm: gbm}\n"
            "      \"1.2.0\": {stage: development}\n")
    assert lines_of(text) == [4]


def test_a_flow_record_over_several_lines_counts_whole() -> None:
    """Fields written on the key's line cannot be told apart from it: every line counts."""
    text = ("models:\n"
            "  credit:\n"
            "    versions:\n"
            "      \"1.1.0\": {stage: staging,\n"
            "         validation: {by: vera},\n"
            "         algorithm: gbm}\n")
    assert lines_of(text) == [4, 5, 6]


def test_the_parsers_lines_are_numbered_as_git_numbers_them() -> None:
    """The YAML parser starts a line at "\r", "\r\n", U+0085, U+2028 and U+2029; git only
    at "\n"."""
    text = 'a: "x\u2028y"\nb: 1\rc: 2\r\nd: 3\n'
    lines, on_git = parser_lines(text)
    assert lines == ['a: "x', 'y"', "b: 1", "c: 2", "d: 3"]
    assert on_git == [1, 1, 2, 2, 3]
    document = load_yaml_text(text, "f.yaml")
    assert [document.source.locate((key,)).line for key in "abcd"] == [1, 3, 4, 5]
