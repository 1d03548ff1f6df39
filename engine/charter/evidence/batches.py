"""Read evaluation and monitoring data in batches: Parquet by record batches, CSV by chunks.

The same checks as `frames.read_frame` (bounded header, every named column present), so a
streamed run refuses what a whole read refuses, with the same messages.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING

from charter.evidence.files import Fetched
from charter.evidence.frames import (
    READABLE,
    _bounded_csv_header,
    _bounded_parquet_footer,
    _require,
    _unambiguous,
    _within_columns,
)
from charter.evidence.problems import InputError

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

BATCH_ROWS = 1 << 16


def read_batches(fetched: Fetched, fmt: str, columns: Mapping[str, str],
                 batch_rows: int = BATCH_ROWS) -> Iterator[pd.DataFrame]:
    """The `columns` of a dataset, `batch_rows` rows at a time; raises InputError."""
    import pandas as pd

    if fmt not in READABLE:
        raise InputError("unsupported-format", f"{fetched.name}: format {fmt!r} cannot be "
                         "read (supported: csv, parquet)")
    wanted = list(dict.fromkeys(columns))
    rows = 0
    try:
        for batch in _batches(fetched, fmt, columns, wanted, batch_rows):
            rows += len(batch)
            if len(batch):
                yield batch
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
    if not rows:
        raise InputError("empty", f"{fetched.name}: the dataset has no rows")


def _batches(fetched: Fetched, fmt: str, columns: Mapping[str, str], wanted: list[str],
             batch_rows: int) -> Iterator[pd.DataFrame]:
    import pandas as pd

    if fmt == "csv":
        _unambiguous(fetched, _bounded_csv_header(fetched), columns)
        _require(fetched, pd.read_csv(fetched.path, nrows=0).columns, columns)
        with pd.read_csv(fetched.path, usecols=wanted, chunksize=batch_rows) as chunks:
            for chunk in chunks:
                yield chunk[wanted]
        return
    import pyarrow.parquet as pq

    _bounded_parquet_footer(fetched)
    header = pq.read_schema(fetched.path).names
    _within_columns(fetched, len(header))
    _require(fetched, header, columns)
    # Without pre-buffering, pyarrow's pool stays flat however many row groups are read.
    with pq.ParquetFile(fetched.path, pre_buffer=False, buffer_size=1 << 20) as file:
        for batch in file.iter_batches(batch_size=batch_rows, columns=wanted):
            yield batch.to_pandas()[wanted]


def read_rows(fetched: Fetched, fmt: str, columns: Mapping[str, str], rows: np.ndarray,
              batch_rows: int = BATCH_ROWS) -> pd.DataFrame:
    """The rows at 0-based positions `rows` (in that order), read batch by batch."""
    import numpy as np
    import pandas as pd

    wanted = np.sort(rows)
    parts: list[pd.DataFrame] = []
    start = 0
    for batch in read_batches(fetched, fmt, columns, batch_rows):
        end = start + len(batch)
        inside = wanted[(wanted >= start) & (wanted < end)]
        if inside.size:
            parts.append(batch.iloc[inside - start])
        start = end
    picked = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(
        columns=list(dict.fromkeys(columns)))
    order = np.searchsorted(wanted, rows)
    return picked.iloc[order].reset_index(drop=True)

