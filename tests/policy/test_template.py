from __future__ import annotations

from charter.policy.template import fill


def test_placeholders_come_from_values_then_context() -> None:
    text = fill("{id}: {value} < {expected} (owner {model.owner})",
                {"id": "m@1", "value": 0.7, "expected": 0.75},
                {"model": {"owner": "risk"}})
    assert text == "m@1: 0.7 < 0.75 (owner risk)"


def test_no_attribute_access_or_format_tricks() -> None:
    values = {"value": 1}
    assert fill("{value.__class__}", values, {}) == "{value.__class__}"
    assert fill("{value!r:>10}", values, {}) == "{value!r:>10}"
    assert fill("{__import__}", values, {}) == "{__import__}"


def test_braces_escape_and_unknown_names_stay() -> None:
    assert fill("{{literal}} {nothing}", {}, {}) == "{literal} {nothing}"


def test_lists_of_text_read_as_words() -> None:
    assert fill("next: {expected}", {"expected": ["staging", "retired"]}, {}) == (
        "next: staging, retired")


def test_hyphenated_context_keys_resolve() -> None:
    assert fill("{requirements.scikit-learn}", {}, {"requirements": {"scikit-learn": "1.5"}}) == (
        "1.5")


def test_a_projection_lists_every_item() -> None:
    context = {"same_content": [{"id": "a@1", "created": "2024-01-01"}, {"id": "b@2"}]}
    assert fill("recorded earlier: {same_content[*].id}", {}, context) == (
        "recorded earlier: a@1, b@2")
    # no indexing, and a projection reads keys of plain data: no item has `__class__`
    assert fill("{same_content[0].id} {same_content[*].__class__}", {}, context) == (
        "{same_content[0].id} none")
