"""Schema validation: the compiled validator and jsonschema agree, and start-up stays light."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from charter.source import schema
from charter.source.yamlsource import load_yaml_text
from conftest import ENGINE, REPO_ROOT, GitRepo

SCHEMAS = REPO_ROOT / "engine" / "charter" / "schemas"

# The optional libraries jsonschema's format checker imports when they are installed.
FORMAT_LIBRARIES = ("fqdn", "idna", "isoduration", "jsonpointer", "rfc3339_validator",
                    "rfc3986_validator", "rfc3987", "rfc3987_syntax", "uri_template",
                    "webcolors", "lark")


def _formats(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if isinstance(node.get("format"), str):
            yield node["format"]
        for value in node.values():
            yield from _formats(value)
    elif isinstance(node, list):
        for item in node:
            yield from _formats(item)


def test_every_format_the_schemas_use_has_a_checker_charter_chose() -> None:
    used = {f for path in SCHEMAS.glob("*.json") for f in _formats(json.loads(path.read_text()))}
    assert used <= set(schema.FORMATS)


@pytest.mark.parametrize(("text", "valid"), [
    ("2024-02-29", True), ("2023-02-29", False), ("2024-13-01", False), ("2024-1-01", False),
    ("2024-01-01\n", False), ("20240101", False), ("0000-01-01", False),
    ("２０２４-01-01", False), ("2024-01-01T00:00:00", False),
])
def test_dates_are_real_calendar_days(text: str, valid: bool) -> None:
    assert schema.is_date(text) is valid


def test_validate_does_not_import_optional_format_libraries(governed: GitRepo) -> None:
    """In an environment that holds jsonschema's format extras, validating a valid inventory
    imports none of them (rfc3987-syntax alone builds a grammar for a second or more)."""
    installed = [n for n in FORMAT_LIBRARIES if importlib.util.find_spec(n) is not None]
    if not installed:
        pytest.skip("no optional format library installed (the `test` extra installs them)")
    probe = ("import runpy, sys\n"
             "sys.argv = ['charter', 'validate']\n"
             "try:\n"
             "    runpy.run_module('charter', run_name='__main__')\n"
             "except SystemExit as exit:\n"
             "    code = exit.code\n"
             "print(code, sorted(m for m in sys.modules if m.split('.')[0] in "
             f"{FORMAT_LIBRARIES!r}))\n")
    result = subprocess.run([sys.executable, "-c", probe], cwd=governed.root,
                            capture_output=True, text=True,
                            env={"PYTHONPATH": str(ENGINE), "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "0 []"


# Differential: the compiled validator accepts a document iff jsonschema does, and the
# problems reported are the same whichever path found them.

def _documents() -> list[tuple[Any, str, str | None, bool]]:
    inventory = load_yaml_text((REPO_ROOT / "models.yaml").read_text(), "models.yaml").data
    docs: list[tuple[Any, str, str | None, bool]] = [(inventory, "models", None, True),
                                                     (inventory, "models", None, False)]
    docs += [(team, "models", "team", False) for team in inventory["teams"].values()]
    docs += [(model, "models", "model", False) for model in inventory["models"].values()]
    docs += [(data, "models", "dataset", False) for data in inventory["datasets"].values()]
    for path in sorted((REPO_ROOT / "policies").glob("*.yaml")):
        docs.append((load_yaml_text(path.read_text(), path.name).data, "policies", None, False))
    for path in sorted((REPO_ROOT / "policies" / "tests").glob("*.yaml"))[:3]:
        docs.append((load_yaml_text(path.read_text(), path.name).data, "policy-tests", None,
                     False))
    return docs


DOCUMENTS = _documents()
KEYS = sorted({"stage", "owner", "charter", "versions", "risk_tier", "validation", "date",
               "outcome", "path", "sha256", "metrics", "members", "validates", "severity",
               "rules", "require", "field", "gte", "x-note", "titel", "applies_to", "by",
               "X-note", "x-", "rule", "entity", "result", "equals", "all", "not", "traffic"})
# Values where validators tend to part: booleans that equal 0 and 1, integral floats, integers
# beyond 64 bits, Unicode digits and look-alike letters (patterns, formats, enums), strings
# ending in a newline (`$` in patterns), lengths counted in code points.
SCALARS = (st.none() | st.booleans() | st.integers(-2, 3) | st.sampled_from(
               [1.0, 0.0, 0.5, -1e300, 2**64, -(2**63) - 1, 10**400])
           | st.floats(allow_nan=False) | st.text(max_size=4) | st.sampled_from(
               ["2024-02-29", "2023-02-29", "2024-1-1", "2024-01-01\n", "production", "prod",
                "high", "a" * 64, "credit\n", "credit", "1.0.0", "", "x-y", "Error", "error",
                "version", "approved", "dana", "loans@2024-06", "Loans@x", "charter:pack",
                "2024-0\u0661-01", "\uff50roduction", "cr\u00e9dit", "e\u0301", "1.0.0\n",
                "pass", "fail", "skip", "VAL-001", "a" * 63 + "\u0661", "credit@1.0.0"]))
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
    st.sampled_from(KEYS), inner, max_size=3), max_leaves=6)


def _paths(node: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield path
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(
        node, list) else ()
    for key, value in items:
        yield from _paths(value, (*path, key))


def _mutate(doc: Any, path: tuple[Any, ...], action: str, value: Any, key: str) -> Any:
    if not path:
        return value if action == "replace" else doc
    parent, last = path[:-1], path[-1]
    copy = json.loads(json.dumps(doc))  # plain data: the generated values are JSON
    holder = copy
    for part in parent:
        holder = holder[part]
    if action == "delete":
        del holder[last]
    elif action == "replace":
        holder[last] = value
    elif isinstance(holder[last], dict):
        holder[last][key] = value
    return copy


def _jsonable(value: Any) -> bool:
    try:
        json.dumps(value, allow_nan=False)
    except ValueError:
        return False
    return True


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_compiled_validator_agrees_with_jsonschema(data: st.DataObject) -> None:
    doc, name, definition, shallow = data.draw(st.sampled_from(DOCUMENTS))
    doc = json.loads(json.dumps(doc, default=str))
    for _ in range(data.draw(st.integers(1, 3))):
        path = data.draw(st.sampled_from(list(_paths(doc))))
        action = data.draw(st.sampled_from(["delete", "replace", "add"]))
        value = data.draw(VALUES.filter(_jsonable))
        doc = _mutate(doc, path, action, value, data.draw(st.sampled_from(KEYS)))
    source = load_yaml_text("{}", "models.yaml").source
    detailed = schema.validate(doc, source, name, definition, shallow=shallow, fast=False)
    assert schema._accepts(name, definition, shallow, doc) == (not detailed)
    assert schema.validate(doc, source, name, definition, shallow=shallow) == detailed


@pytest.mark.parametrize(("name", "document"), [
    # an expectation allows no extension keys: the detailed path once described the error
    # away (it took every `x-` key for allowed), so the two validators disagreed
    ("policy-tests", {"charter": 1, "cases": [{"name": "c", "inventory": {}, "expect": [
        {"rule": "VAL-001", "entity": "credit@1.0.0", "result": "pass", "x-note": None}]}]}),
    ("policies", {"charter": 1, "rules": {"VAL-001": {
        "title": "t", "severity": "error", "applies_to": "version",
        "require": {"field": "stage", "equals": "production", "x-note": "why"}}}}),
])
def test_an_extension_key_where_the_schema_allows_none_is_refused_by_both_paths(
        name: str, document: dict[str, Any]) -> None:
    source = load_yaml_text("{}", "models.yaml").source
    detailed = schema.validate(document, source, name, fast=False)
    assert [p.message for p in detailed] == ["unknown key 'x-note'"]
    assert not schema._accepts(name, None, False, document)
    assert schema.validate(document, source, name) == detailed


@pytest.mark.parametrize("value", [True, 1.0, 2, "1"])
def test_format_version_one_is_the_number_one_and_not_true(value: Any) -> None:
    source = load_yaml_text("{}", "models.yaml").source
    doc = {"charter": value}
    fast = schema.validate(doc, source, "models", shallow=True)
    assert fast == schema.validate(doc, source, "models", shallow=True, fast=False)
    assert (fast == []) is (value == 1 and value is not True)


def test_a_schema_error_keeps_its_line_and_suggestion(governed: GitRepo) -> None:
    text = (governed.root / "models.yaml").read_text()
    governed.write("models.yaml", text.replace("risk_tier: high", "risk_teir: high"))
    result = governed.charter("validate")
    assert result.code == 2
    assert "models.yaml:15" in result.out + result.err
    assert "did you mean 'risk_tier'?" in result.out + result.err
