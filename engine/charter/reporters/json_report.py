"""The result document as JSON: `charter_result: 1`, documented in the README."""

from __future__ import annotations

from charter.reporters.indented_json import dumps_indented
from charter.result import CheckResult


def render(result: CheckResult) -> str:
    # the bytes of json.dumps(..., indent=2, sort_keys=False, default=str), written faster
    return dumps_indented(result.as_dict(), indent=2, default=str) + "\n"
