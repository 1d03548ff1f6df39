"""The result document as JSON: `charter_result: 1`, documented in the README."""

from __future__ import annotations

import json

from charter.result import CheckResult


def render(result: CheckResult) -> str:
    return json.dumps(result.as_dict(), indent=2, sort_keys=False, default=str) + "\n"
