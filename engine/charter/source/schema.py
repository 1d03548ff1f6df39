"""JSON Schema validation that answers both where (file:line:col) and what, with suggestions.

Every document is first checked by a validator compiled to Python code (fastjsonschema), which
only says yes or no; a document it refuses is validated again by jsonschema, whose errors carry
the paths and alternatives the messages need. jsonschema is imported only then: importing it
imports every optional format library installed (some build grammars at import time), so a
valid inventory is validated without it. Formats are checked by Charter's own functions, the
same in both validators.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
from collections.abc import Callable, Iterable, Iterator
from functools import cache, lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Any

import fastjsonschema

from charter.errors import Problem
from charter.source.yamlsource import KeyPath, SourceMap, format_path
from charter.suggest import did_you_mean

if TYPE_CHECKING:
    import jsonschema

SCHEMA_NAMES = ("models", "policies", "policy-tests", "kpi")

_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def is_date(text: str) -> bool:
    """RFC 3339 full-date: YYYY-MM-DD, and a day that exists."""
    if not _DATE.fullmatch(text):
        return False
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return True


# The formats the schemas use, each with the checker Charter chose (a test keeps this in step
# with engine/charter/schemas); other strings are not checked for any format.
FORMATS: dict[str, Callable[[str], bool]] = {"date": is_date}


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


def _target(name: str, definition: str | None, shallow: bool) -> dict[str, Any]:
    """The schema a validation checks: a whole file, one definition, or the top level alone."""
    schema = load_schema(name)
    if definition is not None:
        return {"$id": schema["$id"], "$defs": schema["$defs"],
                "$ref": f"#/$defs/{definition}"}
    if shallow:
        # The top level alone: entity maps are checked entry by entry, so that a pull request
        # pays only for the entities it touches.
        target = copy.deepcopy(schema)
        for prop in target["properties"].values():
            if prop.get("additionalProperties", False) not in (False, True):
                prop["additionalProperties"] = True
        return target
    return schema


@cache
def _fast_validator(name: str, definition: str | None, shallow: bool
                    ) -> Callable[[Any], Any]:
    from charter.schemas import compiled

    kept = compiled.validator(name, definition, shallow, FORMATS)  # generated ahead of time
    if kept is not None:
        return kept
    validator: Callable[[Any], Any] = fastjsonschema.compile(
        _target(name, definition, shallow), formats=FORMATS, use_default=False)
    return validator


def _accepts(name: str, definition: str | None, shallow: bool, data: Any) -> bool:
    try:
        _fast_validator(name, definition, shallow)(data)
    except fastjsonschema.JsonSchemaValueException:
        return False
    return True


@cache
def _detailed_validator(name: str, definition: str | None, shallow: bool) -> Any:
    import jsonschema
    import jsonschema.validators
    from referencing import Registry, Resource

    def pattern(validator: Any, pattern: str, instance: Any, schema: Any
                ) -> Iterator[jsonschema.ValidationError]:
        if validator.is_type(instance, "string") and not _ecma_pattern(pattern).search(
                instance):
            yield jsonschema.ValidationError(f"{instance!r} does not match {pattern!r}")

    schema = load_schema(name)
    resource: Resource[Any] = Resource.from_contents(schema)
    registry: Registry[Any] = Registry().with_resource(schema["$id"], resource)
    target = _target(name, None, shallow) if definition is None else {
        "$ref": f"{schema['$id']}#/$defs/{definition}"}
    checker = jsonschema.FormatChecker(formats=())
    for format_name, test in FORMATS.items():
        checker.checks(format_name)(lambda value, test=test: not isinstance(value, str) or test(
            value))
    extended = jsonschema.validators.extend(jsonschema.Draft202012Validator,
                                            {"pattern": pattern})
    return extended(target, registry=registry, format_checker=checker)


def validate(
    data: Any,
    source: SourceMap,
    schema: str,
    definition: str | None = None,
    prefix: KeyPath = (),
    shallow: bool = False,
    fast: bool = True,
) -> list[Problem]:
    """Schema problems of `data`; `fast=False` skips the compiled validator (its plain twin,
    for differential tests)."""
    if fast and _accepts(schema, definition, shallow, data):
        return []
    validator = _detailed_validator(schema, definition, shallow)
    problems: list[Problem] = []
    for error in validator.iter_errors(data):
        described = list(_describe(error, source, prefix))
        # an error is never described away: the document is refused whatever the words
        problems.extend(described or [_problem(source, (*prefix, *error.absolute_path),
                                               error.message)])
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
        patterns = [_ecma_pattern(p) for p in leaf.schema.get("patternProperties", {})]
        for key in leaf.instance:
            # only what the schema allows is left out: an `x-` key is allowed only where
            # the object's patternProperties say so
            if key in allowed or any(p.search(key) for p in patterns):
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
