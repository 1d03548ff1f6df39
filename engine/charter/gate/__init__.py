"""The gate as a library call: a request in, a `CheckResult` out; no output, no exit codes.

The names load on first use, so a command that needs one small part of the gate (the base
revision, the ledger) does not import the whole of it."""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from charter.gate.base import base_revision, default_base_ref
    from charter.gate.judge import gate, judge_revisions
    from charter.gate.request import EMPTY_BASE, CheckOptions

_HOMES = {"base_revision": "base", "default_base_ref": "base", "gate": "judge",
          "judge_revisions": "judge", "EMPTY_BASE": "request", "CheckOptions": "request"}
__all__ = ["EMPTY_BASE", "CheckOptions", "base_revision", "default_base_ref", "gate",
           "judge_revisions"]


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module 'charter.gate' has no attribute {name!r}")
    return getattr(import_module(f"charter.gate.{_HOMES[name]}"), name)
