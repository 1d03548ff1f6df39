"""JSON Schema validation that answers both where (file:line:col) and what, with suggestions."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterable, Iterator
from functools import cache, lru_cache
from importlib import resources
from typing import Any

import jsonschema
import jsonschema.validators
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from charter.errors import Problem
from charter.source.yamlsource import KeyPath, SourceMap, format_path
from charter.suggest import did_you_mean

SCHEMA_NAMES = ("models", "policies", "policy-tests")


@cache
def load_schema(name: str) -> dict[str, Any]:
    text = resources.files("charter.schemas").joinpath(f"{name}.schema.json").read_text()
    schema: dict[str, Any] = json.loads(text)
    return schema


@lru_cache(maxsize=256)
def _ecma_pattern(pattern: str) -> re.Pattern[str]:
    """A JSON Schema pattern (ECMA-262) for Python: there `$` is the end of the text, while
    Python's `$` also matches before a final newline and would let the id "credit\\n" pass."""
    out: list[str] = []
    in_class = escaped = False
    for char in pattern:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "[":
            in_class = True
        elif char == "]":
            in_class = False
        elif char == "$" and not in_class:
            char = r"\Z"
        out.append(char)
    return re.compile("".join(out))


def _pattern(validator: Any, pattern: str, instance: Any, schema: Any
             ) -> Iterator[jsonschema.ValidationError]:
    if validator.is_type(instance, "string") and not _ecma_pattern(pattern).search(instance):
        yield jsonschema.ValidationError(f"{instance!r} does not match {pattern!r}")


_Validator = jsonschema.validators.extend(Draft202012Validator, {"pattern": _pattern})


@cache
def _validator(
    name: str, definition: str | None = None, shallow: bool = False
) -> Any:
    schema = load_schema(name)
    resource: Resource[Any] = Resource.from_contents(schema)
    registry: Registry[Any] = Registry().with_resource(schema["$id"], resource)
    if definition is not None:
        target: dict[str, Any] = {"$ref": f"{schema['$id']}#/$defs/{definition}"}
    elif shallow:
        # The top level alone: entity maps are checked entry by entry, so that a pull request
        # pays only for the entities it touches.
        target = copy.deepcopy(schema)
        for prop in target["properties"].values():
            if prop.get("additionalProperties", False) not in (False, True):
                prop["additionalProperties"] = True
    else:
        target = schema
    return _Validator(
        target, registry=registry, format_checker=Draft202012Validator.FORMAT_CHECKER
    )


def validate(
    data: Any,
    source: SourceMap,
    schema: str,
    definition: str | None = None,
    prefix: KeyPath = (),
    shallow: bool = False,
) -> list[Problem]:
    validator = _validator(schema, definition, shallow)
    problems: list[Problem] = []
    for error in validator.iter_errors(data):
        problems.extend(_describe(error, source, prefix))
    return sorted(_drop_explained(problems), key=lambda p: (p.line, p.column, p.message))


def _drop_explained(problems: list[Problem]) -> list[Problem]:
    """A required key reported missing because it was misspelt is said once, by the typo."""
    typos = {(p.key_path.rsplit(".", 1)[0], p.hint) for p in problems if p.hint}
    return [
        p for p in problems
        if not (p.message.startswith("missing required key ")
                and (p.key_path, f"did you mean {p.message[21:]}?") in typos)
    ]


def _describe(
    error: jsonschema.ValidationError, source: SourceMap, prefix: KeyPath
) -> Iterable[Problem]:
    leaf = _deepest(error)
    path: KeyPath = (*prefix, *leaf.absolute_path)
    if leaf.validator == "additionalProperties" and isinstance(leaf.instance, dict):
        allowed = sorted(leaf.schema.get("properties", {}))
        for key in leaf.instance:
            if key in allowed or key.startswith("x-"):
                continue
            yield _problem(source, (*path, key), f"unknown key {key!r}", did_you_mean(key, allowed))
        return
    if leaf.validator == "required" and isinstance(leaf.instance, dict):
        missing = [k for k in leaf.validator_value if k not in leaf.instance]
        for key in missing:
            yield _problem(source, path, f"missing required key {key!r}")
        return
    if leaf.validator == "enum":
        options = ", ".join(str(v) for v in leaf.validator_value)
        hint = did_you_mean(str(leaf.instance), [str(v) for v in leaf.validator_value])
        yield _problem(source, path, f"{leaf.instance!r} is not one of {options}", hint)
        return
    if leaf.validator == "propertyNames" or "propertyNames" in leaf.absolute_schema_path:
        # the error names the mapping; the key itself is where the reader must look
        key = (leaf.instance,) if isinstance(leaf.instance, str) else ()
        yield _problem(source, (*path, *key), f"invalid name: {leaf.message}")
        return
    if leaf.validator == "format" and leaf.validator_value == "date":
        yield _problem(source, path, f"{leaf.instance!r} is not a real date (YYYY-MM-DD)")
        return
    yield _problem(source, path, leaf.message)


def _deepest(error: jsonschema.ValidationError) -> jsonschema.ValidationError:
    """For oneOf/anyOf errors, the sub-error that went deepest is the most useful to show."""
    if not error.context:
        return error
    best = max(error.context, key=lambda e: (len(e.absolute_path), -len(e.message)))
    if len(best.absolute_path) > len(error.absolute_path):
        return _deepest(best)
    return error


def _problem(source: SourceMap, path: KeyPath, message: str, hint: str = "") -> Problem:
    mark = source.locate(path)
    return Problem(message, source.file_of(path), mark.line, mark.column, format_path(path),
                   hint)



def schema_text(name: str) -> str:
    if name not in SCHEMA_NAMES:
        raise ValueError(name)
    return json.dumps(load_schema(name), indent=2) + "\n"
