"""The schemas' yes-or-no validators, compiled to Python ahead of time.

fastjsonschema generates a validator's code from a schema on every run, which costs more than
a pull request's check does otherwise. The code it generates for the validators every run
uses is kept here, one module per validator (`python -m charter.source.schema_codegen` writes
them again; a test fails when they drift from what fastjsonschema would generate now). Another
fastjsonschema version, or a validator not kept here, is compiled at run time as before.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from functools import partial
from typing import Any

import fastjsonschema

# (schema, definition, shallow): the validators of every check, validate and policy test
KEPT: tuple[tuple[str, str | None, bool], ...] = (
    ("models", None, True), ("models", "model", False), ("models", "dataset", False),
    ("models", "team", False), ("policies", None, False), ("policy-tests", None, False))


def module_name(name: str, definition: str | None, shallow: bool) -> str:
    kind = definition or ("top" if shallow else "whole")
    return f"{name.replace('-', '_')}__{kind}"


def validator(name: str, definition: str | None, shallow: bool,
              formats: dict[str, Callable[[str], bool]]) -> Callable[[Any], Any] | None:
    """The kept validator, or None when there is none for this fastjsonschema."""
    if (name, definition, shallow) not in KEPT:
        return None
    module = importlib.import_module(f"{__name__}.{module_name(name, definition, shallow)}")
    if module.VERSION != fastjsonschema.VERSION:
        return None
    return partial(getattr(module, module.ENTRY), custom_formats=formats)
