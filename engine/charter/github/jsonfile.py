"""Read a JSON document that someone else wrote (a reviews file, a CI event) within limits."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from charter.errors import CharterError

MAX_JSON_BYTES = 64 * 1024 * 1024


def read_json(path: Path, what: str, shown_as: str | None = None) -> Any:
    """The document at `path`; every way it cannot be read is a CharterError naming it."""
    name = shown_as or str(path)
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_JSON_BYTES + 1)
    except OSError as exc:
        raise CharterError.at(f"cannot read {what}: {exc.strerror}", file=name) from None
    if len(raw) > MAX_JSON_BYTES:
        raise CharterError.at(f"{what} is over the {MAX_JSON_BYTES:,}-byte limit", file=name)
    try:
        return json.loads(raw.decode("utf-8-sig"))
    except RecursionError:
        raise CharterError.at(f"{what} nests too deeply to be read", file=name) from None
    except ValueError as exc:  # also UnicodeDecodeError and ints of more than 4,300 digits
        raise CharterError.at(f"{what} is not JSON: {exc}", file=name) from None
