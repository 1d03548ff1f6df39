"""The live partitions of a version: one file per period, named by `{period}` in its path.

A period is a month (`YYYY-MM`) or a day (`YYYY-MM-DD`). A partition counts as complete
once its period has ended: drift is measured on the newest period that ended on or before
the run's date, performance on the newest one that ended at least `label_delay_days` before
it and whose labels are all there. Only complete periods are read, so a file still being
written for the running month is never hashed into the ledger.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from charter.evidence.problems import InputError

PLACEHOLDER = "{period}"
_PERIOD = r"(?P<period>[0-9]{4}-[0-9]{2}(?:-[0-9]{2})?)"


@dataclass(frozen=True, order=True)
class Partition:
    ends: dt.date  # the last day the period covers
    period: str  # as written in the name: YYYY-MM or YYYY-MM-DD
    location: str  # repository path or URI, as the store reads it


def period_end(period: str) -> dt.date:
    """The last day of `period`; raises InputError for a date that does not exist."""
    try:
        if len(period) == 7:
            year, month = int(period[:4]), int(period[5:])
            return dt.date(year, month, calendar.monthrange(year, month)[1])
        return dt.date.fromisoformat(period)
    except ValueError:
        raise InputError("bad-period", f"{period!r} is not a date (YYYY-MM or YYYY-MM-DD)"
                         ) from None


def partitions(pattern: str, root: Path, allowed_schemes: Collection[str],
               commit: str | None = None) -> list[Partition]:
    """Every partition `pattern` names, oldest first: in the working tree, or at `commit`."""
    if "\0" in pattern:
        raise InputError("bad-path", f"{pattern!r}: a path cannot hold a NUL character")
    if pattern.count(PLACEHOLDER) != 1:
        raise InputError("bad-pattern", f"{pattern}: the live path needs `{PLACEHOLDER}` "
                         "exactly once")
    shape = re.compile(re.escape(pattern).replace(re.escape(PLACEHOLDER), _PERIOD))
    names = _remote(pattern, allowed_schemes) if "://" in pattern else _local(pattern, root,
                                                                              commit)
    found = []
    for name in names:
        match = shape.fullmatch(name)
        if match:
            found.append(Partition(period_end(match["period"]), match["period"], name))
    return sorted(found)


def _local(pattern: str, root: Path, commit: str | None) -> list[str]:
    pure = PurePosixPath(pattern)
    if pure.is_absolute() or ".." in pure.parts:
        raise InputError("outside-repository", f"{pattern}: paths must be relative and stay "
                         "inside the repository (use a URI for other storage)")
    if commit is not None:
        from charter.vcs.git import list_tree

        folder = pattern.split(PLACEHOLDER, 1)[0].rpartition("/")[0]
        return sorted(e.path for e in list_tree(root, commit, [folder] if folder else []))
    base = root.resolve()
    return sorted(p.relative_to(base).as_posix()
                  for p in base.glob(pattern.replace(PLACEHOLDER, "*")) if p.is_file())


def _remote(pattern: str, allowed_schemes: Collection[str]) -> list[str]:
    scheme = pattern.split("://", 1)[0].lower()
    if scheme not in allowed_schemes:
        raise InputError("uri-not-allowed", f"{pattern}: {scheme}:// is not in "
                         "settings.allowed_uri_schemes")
    import fsspec

    try:
        fs, path = fsspec.core.url_to_fs(pattern.replace(PLACEHOLDER, "*"))
        listed = fs.glob(path)
    except (OSError, ValueError, ImportError) as exc:
        raise InputError("unreadable", f"{pattern}: cannot list the partitions: {exc}"
                         ) from None
    return sorted(fs.unstrip_protocol(p) if "://" not in p else p for p in listed)


def newest_ended(found: list[Partition], by: dt.date) -> Partition | None:
    """The newest partition whose period ended on or before `by`."""
    ended = [p for p in found if p.ends <= by]
    return ended[-1] if ended else None
