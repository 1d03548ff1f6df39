"""Words that agree with their numbers."""

from __future__ import annotations


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """`1 warning`, `2 warnings`; `plural_form` for irregular words."""
    word = singular if count == 1 else plural_form or f"{singular}s"
    return f"{count} {word}"
