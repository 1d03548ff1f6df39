"""Three-valued results of a condition: it holds, it does not, or its data is missing."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any


class State(enum.Enum):
    PASS = "pass"
    FAIL = "fail"
    MISSING = "missing"


@dataclass(frozen=True)
class Outcome:
    state: State
    requirement: str = ""  # the condition in plain words
    found: str = ""  # what was observed, in plain words
    field: str | None = None
    value: Any = None
    expected: Any = None
    missing: tuple[str, ...] = ()
    located_at: tuple[str, ...] = ()  # fields that point at the source line

    @property
    def holds(self) -> bool:
        return self.state is State.PASS
