"""Bad evidence input as data: a problem names its area, the file and the models.yaml key."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from charter.source.yamlsource import KeyPath

# The area decides which built-in rule (charter:evidence) turns a problem into a finding.
AREAS = {
    "artifact": "EV-001",
    "metrics": "EV-002",
    "evaluation": "EV-003",
    "environment": "EV-004",
    "data": "EV-005",
    "unmeasured": "EV-006",
    "monitoring": "EV-007",
    "unverified": "EV-008",
    "record": "EV-101",
    "unbacked": "EV-103",
}
# Inputs the settings put out of reach: reported, but not as failures.
UNREACHABLE = ("uri-not-allowed", "no-location")


class InputError(Exception):
    """An input cannot be used: `code` is stable, the message says what and where."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class EvidenceProblem:
    area: str
    code: str
    message: str
    file: str | None
    key: str  # dotted, for people: artifact.sha256
    path: KeyPath  # absolute key path in models.yaml, where the finding points

    def as_dict(self) -> dict[str, Any]:
        return {"area": self.area, "code": self.code, "message": self.message,
                "file": self.file, "key": self.key, "path": list(self.path)}


def dotted(path: KeyPath) -> str:
    return ".".join(str(p) for p in path)


def failure(area: str, error: InputError, key: Sequence[str | int]) -> dict[str, Any]:
    """A step's result when its input cannot be used: what, why, and the key to fix."""
    return {"error": {"area": area, "code": error.code, "message": error.message,
                      "key": list(key)}}
