"""Read evaluation and monitoring data (CSV, Parquet) with pandas, only the needed columns."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from charter.evidence.files import Fetched
from charter.evidence.problems import InputError

if TYPE_CHECKING:
    import pandas as pd

SUFFIXES = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet"}
READABLE = ("csv", "parquet")


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
            header = pd.read_csv(fetched.path, nrows=0).columns
            _require(fetched, header, columns)
            frame = pd.read_csv(fetched.path, usecols=wanted, low_memory=False)
        else:
            import pyarrow.parquet as pq

            header = pq.read_schema(fetched.path).names
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
    present = set(header)
    missing = [(name, role) for name, role in columns.items() if name not in present]
    if missing:
        described = ", ".join(f"{role} column {name!r}" for name, role in missing)
        code = "missing-target" if any(r == "target" for _, r in missing) else "missing-column"
        raise InputError(code, f"{fetched.name}: no {described}")
