"""Read policy test files (policies/tests/*.yaml) into cases with their fixtures."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from charter.errors import CharterError
from charter.source.schema import validate
from charter.source.yamlsource import KeyPath, Mark, SourceMap, load_yaml_text

RESULTS = ("pass", "fail", "waived", "skip")
EMPTY_BASE = "none"


@dataclass(frozen=True)
class Expectation:
    rule: str
    entity: str
    result: str  # pass | fail | waived | skip
    file: str
    line: int


@dataclass(frozen=True)
class Case:
    name: str
    file: str
    line: int
    today: dt.date | None
    head: Mapping[str, Any]
    source: SourceMap  # where the head's keys were written, in the test file
    base: Mapping[str, Any] | None  # None: an empty base (everything is new)
    policies_changed: bool
    evidence: Mapping[str, Any]
    expect: tuple[Expectation, ...]
    monitoring: Mapping[str, Any] = field(default_factory=dict)  # the ledger, as data


def merge_patch(target: Any, patch: Any) -> Any:
    """JSON Merge Patch (RFC 7386): mappings merge recursively, null removes a key."""
    if not isinstance(patch, Mapping):
        return patch
    merged = dict(target) if isinstance(target, Mapping) else {}
    for key, value in patch.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = merge_patch(merged.get(key), value)
    return merged


def discover(path: Path) -> list[Path]:
    """A test file, or every YAML file under a folder, in a stable order."""
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise CharterError.at(f"no policy tests at {path}",
                              hint="write them in policies/tests/*.yaml (`charter schema "
                                   "policy-tests`)")
    return sorted(p for p in path.rglob("*") if p.is_file() and p.suffix in (".yaml", ".yml"))


def load_cases(path: Path, label: str) -> list[Case]:
    """The cases of one test file; `label` is how the file is named in output."""
    document = load_yaml_text(path.read_bytes(), label)
    data = document.data
    if not isinstance(data, Mapping):
        raise CharterError.at("a policy test file is a mapping with `charter: 1` and `cases:`",
                              file=label, line=1)
    problems = validate(data, document.source, "policy-tests")
    if problems:
        raise CharterError(problems, summary=f"{label}: invalid policy test file")
    marks = document.source.marks
    shared = data.get("inventory") or {}
    today = _date(data.get("today"))
    cases = []
    for i, raw in enumerate(data["cases"]):
        at: KeyPath = ("cases", i)
        head = {"charter": 1, **merge_patch(shared, raw.get("inventory") or {})}
        source = SourceMap(label, {**_rebase(marks, ("inventory",)),
                                   **_rebase(marks, (*at, "inventory"))})
        base_raw = raw.get("base")
        base = None if base_raw == EMPTY_BASE else head if base_raw is None else {
            "charter": 1, **merge_patch(shared, base_raw)}
        evidence = merge_patch(data.get("evidence") or {}, raw.get("evidence") or {})
        monitoring = merge_patch(data.get("monitoring") or {}, raw.get("monitoring") or {})
        expect = tuple(
            Expectation(str(e["rule"]), str(e["entity"]), str(e["result"]), label,
                        document.source.locate((*at, "expect", j)).line)
            for j, e in enumerate(raw["expect"]))
        cases.append(Case(str(raw["name"]), label, document.source.locate(at).line,
                          _date(raw.get("today")) or today, head, source, base,
                          bool(raw.get("policies_changed", False)), evidence, expect,
                          monitoring))
    return cases


def _rebase(marks: Mapping[KeyPath, Mark], prefix: KeyPath) -> dict[KeyPath, Mark]:
    """The marks under `prefix`, keyed as if the fragment were a models.yaml of its own."""
    size = len(prefix)
    return {path[size:]: mark for path, mark in marks.items()
            if path[:size] == prefix and len(path) > size}


def _date(value: Any) -> dt.date | None:
    return None if value is None else dt.date.fromisoformat(str(value))
