"""The gate as a library call: a request in, a `CheckResult` out; no output, no exit codes."""

from charter.gate.base import base_revision, default_base_ref
from charter.gate.judge import gate, judge_revisions
from charter.gate.request import EMPTY_BASE, CheckOptions

__all__ = ["EMPTY_BASE", "CheckOptions", "base_revision", "default_base_ref", "gate",
           "judge_revisions"]
