"""'Did you mean …?' for names a user mistyped."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable

_CUTOFF = 0.6  # similarity ratio of a suggestion to the word
_STEM = 4  # a shared beginning this long marks the same stem ("retirement", "retired")
_STEM_CUTOFF = 0.5  # a candidate of the same stem may be a little less similar overall
_FAMILY_CUTOFF = 0.6  # similarity of the leading words of ids ("PERF" in "PERF-001")
_LEAD = re.compile(r"[A-Za-z]+")


def closest(word: str, options: Iterable[str]) -> str | None:
    choices = list(dict.fromkeys(str(o) for o in options))
    folded = word.casefold()
    same = [c for c in choices if c.casefold() == folded]
    if same:
        return same[0]
    scored = [(c, _ratio(folded, c.casefold())) for c in choices if _same_family(word, c)]
    stemmed = [(_shared_start(folded, c.casefold()), r, c) for c, r in scored]
    by_stem = [s for s in stemmed if s[0] >= _STEM and s[1] >= _STEM_CUTOFF]
    if by_stem:
        return max(by_stem, key=lambda s: (s[0], s[1]))[2]
    similar = [(r, c) for c, r in scored if r >= _CUTOFF]
    if similar:
        return max(similar, key=lambda s: s[0])[1]
    # Abbreviations ("prod" for "production") are too short for a similarity ratio.
    prefixed = [c for c in choices if len(word) >= 3 and c.casefold().startswith(folded)]
    return prefixed[0] if len(prefixed) == 1 else None


def _shared_start(a: str, b: str) -> int:
    count = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        count += 1
    return count


def _ratio(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, a, b).ratio()


def _same_family(word: str, candidate: str) -> bool:
    """Rule ids and versioned names share their digits with many others ("NOPE-001" and
    "EV-001"): their leading words must resemble each other, not only the numbers."""
    ours, theirs = _LEAD.match(word), _LEAD.match(candidate)
    if ours is None or theirs is None or (ours.end() == len(word) and
                                          theirs.end() == len(candidate)):
        return True
    return _ratio(ours.group().casefold(), theirs.group().casefold()) >= _FAMILY_CUTOFF


def did_you_mean(word: str, options: Iterable[str], quote: bool = True) -> str:
    match = closest(word, options)
    if match is None:
        return ""
    return f"did you mean {match!r}?" if quote else f"did you mean {match}?"
