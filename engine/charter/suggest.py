"""'Did you mean …?' for names a user mistyped."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def closest(word: str, options: Iterable[str]) -> str | None:
    choices = [str(o) for o in options]
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    if close:
        return close[0]
    # Abbreviations ("prod" for "production") are too short for a similarity ratio.
    prefixed = [c for c in choices if len(word) >= 3 and c.startswith(word)]
    return prefixed[0] if len(prefixed) == 1 else None


def did_you_mean(word: str, options: Iterable[str], quote: bool = True) -> str:
    match = closest(word, options)
    if match is None:
        return ""
    return f"did you mean {match!r}?" if quote else f"did you mean {match}?"
