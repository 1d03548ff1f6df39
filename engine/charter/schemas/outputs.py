"""JSON Schemas of the machine-readable outputs: check's result, history, lineage, evidence."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

OUTPUT_SCHEMAS = ("result", "history", "lineage", "evidence")


def output_schema(name: str) -> dict[str, Any]:
    if name not in OUTPUT_SCHEMAS:
        raise ValueError(name)
    text = resources.files("charter.schemas").joinpath(f"{name}.schema.json").read_text()
    schema: dict[str, Any] = json.loads(text)
    return schema


def output_schema_text(name: str) -> str:
    return json.dumps(output_schema(name), indent=2, ensure_ascii=False) + "\n"
