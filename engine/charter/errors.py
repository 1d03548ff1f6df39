"""One error type for "the input is wrong", mapped to exit code 2 at the entry point."""

from __future__ import annotations

from dataclasses import dataclass, field

EXIT_PASS = 0
EXIT_BLOCKED = 1
EXIT_BAD_INPUT = 2
MAX_SHOWN = 50  # problems printed for one error


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input file, pointing at the exact place."""

    message: str
    file: str = ""
    line: int = 0
    column: int = 0
    key_path: str = ""
    hint: str = ""

    def render(self) -> str:
        where = self.file
        if where and self.line:
            where = f"{where}:{self.line}:{self.column}" if self.column else f"{where}:{self.line}"
        parts = [f"{where}: " if where else ""]
        if self.key_path:
            parts.append(f"{self.key_path}: ")
        parts.append(self.message)
        if self.hint:
            parts.append(f" ({self.hint})")
        return "".join(parts)


@dataclass
class CharterError(Exception):
    """Bad input or configuration: reported in one or more lines, exit code 2."""

    problems: list[Problem] = field(default_factory=list)
    summary: str = ""

    def __post_init__(self) -> None:
        super().__init__(self.summary or (self.problems[0].render() if self.problems else ""))

    @classmethod
    def at(cls, message: str, **where: str | int) -> CharterError:
        return cls([Problem(message, **where)])  # type: ignore[arg-type]

    def render(self, limit: int = MAX_SHOWN) -> str:
        """The summary and the first `limit` problems: an alias repeated a thousand times
        must not print megabytes of the same mistake."""
        lines = [self.summary] if self.summary else []
        lines += [p.render() for p in self.problems[:limit]]
        hidden = len(self.problems) - limit
        if hidden > 0:
            lines.append(f"… and {hidden} more problem{'s' if hidden != 1 else ''}")
        return "\n".join(lines)
