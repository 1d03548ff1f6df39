"""A progress bar for long evidence runs: on a terminal only, never in CI logs."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")


def wants_progress() -> bool:
    return sys.stderr.isatty() and not os.environ.get("CI")


def progress(items: Iterable[T], total: int, label: str) -> Iterator[T]:
    if not wants_progress() or total < 2:
        yield from items
        return
    from tqdm import tqdm

    yield from tqdm(items, total=total, desc=label, unit="version", file=sys.stderr,
                    leave=False)
