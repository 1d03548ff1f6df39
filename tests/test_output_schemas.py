"""Machine-readable outputs: each has a published JSON Schema, and every output meets it."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from conftest import TODAY, GitRepo
from scenarios import check, mixed_change
from test_reporters_junit import JUNIT_XSD

DOCUMENTS = ("result", "history", "lineage", "evidence")


def schema_of(repo: GitRepo, name: str) -> dict[str, Any]:
    run = repo.charter("schema", name)
    assert run.code == 0, run.err
    schema: dict[str, Any] = json.loads(run.out)
    return schema


def assert_valid(document: Any, schema: dict[str, Any]) -> None:
    validator = jsonschema.Draft202012Validator(schema)
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
              for e in validator.iter_errors(document)]
    assert not errors, errors[:5]
    undeclared = sorted(undeclared_keys(document, schema, schema))
    assert not undeclared, f"keys the schema does not document: {undeclared}"


def undeclared_keys(value: Any, schema: dict[str, Any], root: dict[str, Any],
                    path: str = "$") -> set[str]:
    """The schema allows extra keys (the compatibility promise), but our own outputs must
    document every key they emit."""
    schema = resolve(schema, root)
    found: set[str] = set()
    for branch in schema.get("oneOf", []):
        branch = resolve(branch, root)
        if jsonschema.Draft202012Validator({**branch, "$defs": root.get("$defs", {})}
                                           ).is_valid(value):
            found |= undeclared_keys(value, branch, root, path)
    if isinstance(value, dict):
        properties = schema.get("properties", {})
        extra = schema.get("additionalProperties")
        for key, item in value.items():
            if key in properties:
                found |= undeclared_keys(item, properties[key], root, f"{path}.{key}")
            elif isinstance(extra, dict):
                found |= undeclared_keys(item, extra, root, f"{path}.{key}")
            elif "properties" in schema and extra is None:
                found.add(f"{path}.{key}")
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for index, item in enumerate(value):
            found |= undeclared_keys(item, schema["items"], root, f"{path}[{index}]")
    return found


def resolve(schema: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].removeprefix("#/$defs/")
        schema = root["$defs"][name]
    return schema


@pytest.mark.parametrize("name", DOCUMENTS)
def test_schema_command_prints_a_versioned_json_schema(repo: GitRepo, name: str) -> None:
    schema = schema_of(repo, name)
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == f"https://charter.dev/schemas/{name}-v1.json"
    assert schema["properties"][f"charter_{name}"] == {"const": 1, "description": (
        "Major version of this document's format; additive changes keep it.")}


def test_check_json_meets_the_result_schema(governed: GitRepo) -> None:
    schema = schema_of(governed, "result")
    mixed_change(governed)
    run = check(governed, "--format", "json")
    assert run.code == 1
    assert_valid(json.loads(run.out), schema)
    governed.write("policies/rules.yaml", (governed.root / "policies/rules.yaml").read_text()
                   .replace("gte: 0.75", "gte: 0.8"))
    impact = check(governed, "--format", "json", "--all")
    document = json.loads(impact.out)
    assert document["impact"] is not None
    assert_valid(document, schema)


def test_history_json_meets_its_schema(governed: GitRepo) -> None:
    schema = schema_of(governed, "history")
    mixed_change(governed)
    governed.commit("new versions")
    for args in ((), ("credit",), ("--in-production-on", "2026-07-01"),
                 ("--ever-in-production",)):
        run = governed.charter("history", "--format", "json", *args)
        assert run.code == 0, run.err
        assert_valid(json.loads(run.out), schema)


def test_lineage_json_meets_its_schema(governed: GitRepo) -> None:
    schema = schema_of(governed, "lineage")
    for args in ((), ("--impacted-by", "loans@2024-06")):
        run = governed.charter("lineage", "--format", "json", *args)
        assert run.code == 0, run.err
        document = json.loads(run.out)
        assert document["charter_lineage"] == 1
        assert_valid(document, schema)


def test_evidence_json_meets_its_schema(repo: GitRepo) -> None:
    from evidence_helpers import build_demo

    demo = build_demo(repo)
    schema = schema_of(repo, "evidence")
    run = demo.repo.charter("evidence", "--format", "json", "--today", TODAY)
    assert run.code == 0, run.err
    assert_valid(json.loads(run.out), schema)


def test_check_junit_has_times_and_meets_the_xsd(governed: GitRepo) -> None:
    mixed_change(governed)
    run = check(governed, "--format", "junit=out/junit.xml")
    assert run.code == 1
    text = (governed.root / "out/junit.xml").read_text()
    root = ET.fromstring(text)
    for element in (root, *root.iter("testsuite"), *root.iter("testcase")):
        assert float(element.get("time", "-1")) >= 0, element.tag
    assert float(root.get("time", "0")) > 0
    if JUNIT_XSD.is_file():
        import xmlschema

        xmlschema.XMLSchema(str(JUNIT_XSD)).validate(text)


def test_a_fresh_cache_is_not_said_to_answer(repo: GitRepo, tmp_path: Path) -> None:
    from evidence_helpers import build_demo

    demo = build_demo(repo)
    text = (demo.root / "models.yaml").read_text()
    start = text.index('      "1.0.0":')
    twin = text[start:].replace('"1.0.0":', '"1.1.0":').replace(
        "stage: production", "stage: development").replace(
        "        deployments: [{target: api, since: 2026-01-01}]\n", "")
    demo.repo.write("models.yaml", text + twin)
    env = {"CHARTER_CACHE_DIR": str(tmp_path / "cache")}
    first = demo.repo.charter("evidence", "--today", TODAY, env=env)
    assert first.code == 0, first.err
    assert "shared between versions, none from the cache" in first.err
    assert "charter evidence for 2 versions:" in first.err
    second = demo.repo.charter("evidence", "--today", TODAY, env=env)
    assert "0 steps computed, 8 from the cache" in second.err
