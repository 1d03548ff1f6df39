"""Read evaluation and monitoring data (CSV, Parquet) with pandas, only the needed columns."""

from __future__ import annotations

import bz2
import csv
import gzip
import io
import lzma
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from charter.evidence.files import Fetched
from charter.evidence.problems import InputError

if TYPE_CHECKING:
    import pandas as pd

SUFFIXES = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet"}
READABLE = ("csv", "parquet")
# A header past these limits is refused before pandas spends minutes on it.
MAX_COLUMNS = 10_000
MAX_HEADER_BYTES = 1 << 20
MAX_PARQUET_FOOTER_BYTES = 64 << 20
_OPENERS: dict[str, Callable[..., Any]] = {".gz": gzip.open, ".bz2": bz2.open,
                                                   ".xz": lzma.open}


def dataset_format(record: Mapping[str, Any], location: str) -> str:
    declared = record.get("format")
    if isinstance(declared, str):
        return declared
    name = location.split("?", 1)[0]
    if name.endswith(".csv.gz"):
        return "csv"
    return SUFFIXES.get(Path(name).suffix.lower(), "other")


def read_frame(fetched: Fetched, fmt: str, columns: Mapping[str, str]) -> pd.DataFrame:
    """The `columns` (name -> role, for messages) of a dataset; all of them must exist."""
    import pandas as pd

    if fmt not in READABLE:
        raise InputError("unsupported-format", f"{fetched.name}: format {fmt!r} cannot be "
                         "read (supported: csv, parquet)")
    wanted = list(dict.fromkeys(columns))
    try:
        if fmt == "csv":
            _unambiguous(fetched, _bounded_csv_header(fetched), columns)
            header = pd.read_csv(fetched.path, nrows=0).columns
            _require(fetched, header, columns)
            frame = pd.read_csv(fetched.path, usecols=wanted, low_memory=False)
        else:
            import pyarrow.parquet as pq

            _bounded_parquet_footer(fetched)
            header = pq.read_schema(fetched.path).names
            _within_columns(fetched, len(header))
            _require(fetched, header, columns)
            frame = pd.read_parquet(fetched.path, columns=wanted)
    except InputError:
        raise
    except pd.errors.EmptyDataError:
        raise InputError("empty", f"{fetched.name}: the file is empty") from None
    except (ValueError, OSError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise InputError("unreadable", f"{fetched.name}: cannot read as {fmt}: "
                         f"{str(exc).strip().splitlines()[0][:200]}") from None
    except Exception as exc:  # pyarrow raises its own types for damaged files
        raise InputError("unreadable", f"{fetched.name}: cannot read as {fmt}: "
                         f"{type(exc).__name__}: {str(exc)[:200]}") from None
    if frame.empty:
        raise InputError("empty", f"{fetched.name}: the dataset has no rows")
    return frame[wanted]


def _require(fetched: Fetched, header: Sequence[str], columns: Mapping[str, str]) -> None:
    _unambiguous(fetched, header, columns)
    present = set(header)
    missing = [(name, role) for name, role in columns.items() if name not in present]
    if missing:
        described = ", ".join(f"{role} column {name!r}" for name, role in missing)
        code = "missing-target" if any(r == "target" for _, r in missing) else "missing-column"
        raise InputError(code, f"{fetched.name}: no {described}")


def _unambiguous(fetched: Fetched, header: Sequence[str], columns: Mapping[str, str]) -> None:
    """A needed column named twice is refused: readers differ on which one they take
    (pandas the first, renaming the other; Spark and others neither), so a label written
    twice with different values would be measured on whichever the author wanted."""
    twice = [(name, role) for name, role in columns.items()
             if sum(1 for h in header if h == name) > 1]
    if twice:
        described = ", ".join(f"{role} column {name!r}" for name, role in twice)
        raise InputError("ambiguous-column", f"{fetched.name}: the header names the "
                         f"{described} more than once, so which one is meant cannot be told")


def _bounded_csv_header(fetched: Fetched) -> list[str]:
    """The header's names as written (pandas renames a repeated one), within the limits."""
    opener = _OPENERS.get(fetched.path.suffix.lower(), open)
    with opener(fetched.path, "rb") as handle:
        line = handle.readline(MAX_HEADER_BYTES + 1)
    if len(line) > MAX_HEADER_BYTES:
        raise InputError("header-too-large", f"{fetched.name}: the header line is longer than "
                         f"the limit of {MAX_HEADER_BYTES:,} bytes")
    text = line.decode("utf-8-sig", errors="replace")
    names = next(csv.reader(io.StringIO(text)), [])
    _within_columns(fetched, len(names))
    return [name.strip("\r\n") for name in names]


def _bounded_parquet_footer(fetched: Fetched) -> None:
    """The schema is in the footer, whose length the file's last 8 bytes give."""
    size = fetched.path.stat().st_size
    if size < 12:
        return  # not Parquet: pyarrow says so
    with fetched.path.open("rb") as handle:
        handle.seek(size - 8)
        tail = handle.read(8)
    footer = int.from_bytes(tail[:4], "little")
    if tail[4:] == b"PAR1" and footer > MAX_PARQUET_FOOTER_BYTES:
        raise InputError("header-too-large", f"{fetched.name}: the Parquet footer is "
                         f"{footer:,} bytes, over the limit of {MAX_PARQUET_FOOTER_BYTES:,}")


def _within_columns(fetched: Fetched, count: int) -> None:
    if count > MAX_COLUMNS:
        raise InputError("header-too-large", f"{fetched.name}: {count:,} columns, over the "
                         f"limit of {MAX_COLUMNS:,}")
