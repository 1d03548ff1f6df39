"""Findings: the one value type every reporter consumes."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields
from typing import Any

SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: str  # error | warning | info
    entity: str  # credit-default@2.1.0, a dataset ref, a model id, or a waiver id
    entity_kind: str  # model | version | dataset | change | waiver | policy
    message: str
    file: str
    line: int
    column: int = 1
    title: str = ""
    model: str | None = None
    field: str | None = None
    requirement: str = ""  # the condition the rule requires, in plain words
    found: str = ""  # what the engine observed
    remediation: str = ""
    references: tuple[str, ...] = ()
    waived_by: str | None = None
    waiver_justification: str = ""
    waiver_approved_by: str = ""
    waiver_expires: str = ""
    end_line: int = 0  # where the located entry ends; 0 when unknown
    end_column: int = 0  # one past its last character, as SARIF counts

    @property
    def waived(self) -> bool:
        return self.waived_by is not None

    @property
    def blocking(self) -> bool:
        return self.severity == "error" and not self.waived

    def sort_key(self) -> tuple[Any, ...]:
        return (self.waived, SEVERITY_ORDER.get(self.severity, 9), self.model or "",
                self.entity, self.file, self.line, self.rule)

    def as_dict(self) -> dict[str, Any]:
        # the fields hold only strings, numbers and a tuple of strings: no deep copy needed
        # (dataclasses.asdict copies recursively, a tenth of a full check's output time)
        data = {name: getattr(self, name) for name in _FIELD_NAMES}
        data["references"] = list(self.references)
        data["blocking"] = self.blocking
        return data


_FIELD_NAMES = tuple(f.name for f in fields(Finding))


@dataclass(frozen=True)
class Counts:
    blocking: int
    errors: int
    warnings: int
    info: int
    waived: int

    @classmethod
    def of(cls, findings: Iterable[Finding]) -> Counts:
        items = list(findings)
        active = [f for f in items if not f.waived]
        return cls(
            blocking=sum(f.blocking for f in items),
            errors=sum(f.severity == "error" for f in active),
            warnings=sum(f.severity == "warning" for f in active),
            info=sum(f.severity == "info" for f in active),
            waived=sum(f.waived for f in items),
        )


def verdict_of(findings: Iterable[Finding]) -> str:
    return "fail" if any(f.blocking for f in findings) else "pass"
