"""Three-valued results of a condition: it holds, it does not, or its data is missing."""

from __future__ import annotations

import enum
from collections.abc import Callable
from typing import Any

# A text, or how to write it: most outcomes pass and are never shown, so their words are
# written only when read (a finding, a trace), and then once.
Text = str | Callable[[], str]


class State(enum.Enum):
    PASS = "pass"
    FAIL = "fail"
    MISSING = "missing"


class Outcome:
    __slots__ = ("_found", "_requirement", "expected", "field", "located_at", "missing",
                 "state", "value")

    def __init__(self, state: State, requirement: Text = "", found: Text = "",
                 field: str | None = None, value: Any = None, expected: Any = None,
                 missing: tuple[str, ...] = (), located_at: tuple[str, ...] = ()) -> None:
        self.state = state
        self._requirement = requirement  # the condition in plain words
        self._found = found  # what was observed, in plain words
        self.field = field
        self.value = value
        self.expected = expected
        self.missing = missing
        self.located_at = located_at  # fields that point at the source line

    @property
    def holds(self) -> bool:
        return self.state is State.PASS

    @property
    def requirement(self) -> str:
        if not isinstance(self._requirement, str):
            self._requirement = self._requirement()
        return self._requirement

    @property
    def found(self) -> str:
        if not isinstance(self._found, str):
            self._found = self._found()
        return self._found

    def _key(self) -> tuple[Any, ...]:
        return (self.state, self.requirement, self.found, self.field, self.value,
                self.expected, self.missing, self.located_at)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Outcome) and self._key() == other._key()

    __hash__ = None  # type: ignore[assignment]  # it holds values that need not hash

    def __repr__(self) -> str:
        names = ("state", "requirement", "found", "field", "value", "expected", "missing",
                 "located_at")
        pairs = zip(names, self._key(), strict=True)
        return f"Outcome({', '.join(f'{n}={v!r}' for n, v in pairs)})"
