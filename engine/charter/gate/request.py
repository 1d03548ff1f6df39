"""What the gate is asked to judge: a plain value, built by the command line or a test."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the gate's request is read by light commands too
    from charter.github.reviews import ReviewOptions

EMPTY_BASE = "none"


@dataclass(frozen=True)
class CheckOptions:
    root: Path
    base: str | None = None  # a ref, "none" for an empty base, None for the default
    head: str | None = None  # a ref, or None for the working tree
    policies_from: str = "base"
    today: dt.date = field(default_factory=lambda: dt.datetime.now(dt.UTC).date())
    scope_all: bool = False
    use_cache: bool = True
    evidence: str = "auto"
    reviews: ReviewOptions | None = None  # check the sign-offs against the PR's reviews
    # the default base when already found (commit, label): `base` None and no setting
    default_base: tuple[str, str] | None = None
