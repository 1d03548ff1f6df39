"""Fill message templates safely: `{name}` looks up plain values, nothing else.

No attribute access, no indexing (but `[*]`, every item of a list), no format specs:
`{model.__class__}` is a field lookup in plain data (and finds nothing), so a template cannot
reach into Python objects.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from charter.policy.conditions import lookup, show

# `{a.b}` and `{items[*].id}` (every item's id, listed): names and projections of plain data
_PLACEHOLDER = re.compile(
    r"\{\{|\}\}|\{([A-Za-z_][\w-]*(?:\[\*\])?(?:\.[A-Za-z_][\w-]*(?:\[\*\])?)*)\}")


def fill(template: str, values: Mapping[str, Any], context: Mapping[str, Any]) -> str:
    def replace(match: re.Match[str]) -> str:
        token = match.group(0)
        if token in ("{{", "}}"):
            return token[0]
        name = match.group(1)
        if name in values:
            value = values[name]
        else:
            value = lookup(_quote(name), context)
            if value is None:
                return token
        if isinstance(value, list) and value and all(
                isinstance(v, Mapping) and isinstance(v.get("message"), str) for v in value):
            return _problems([v["message"] for v in value])
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return ", ".join(value) if value else "none"
        return value if isinstance(value, str) else show(value)

    return _PLACEHOLDER.sub(replace, template)


def _problems(messages: list[str]) -> str:
    """Evidence problems, each `entity: what`; the entity once when they share it."""
    entity = messages[0].split(": ", 1)[0] + ": "
    if len(messages) > 1 and all(m.startswith(entity) for m in messages):
        return entity + "; ".join(m.removeprefix(entity) for m in messages)
    return "; ".join(messages)


def _quote(name: str) -> str:
    # Hyphens are legal in our ids but not in bare JMESPath identifiers.
    return ".".join(f'"{part[:-3]}"[*]' if part.endswith("[*]") else f'"{part}"'
                    for part in name.split("."))
