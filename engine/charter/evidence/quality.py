"""Basic data quality of the datasets a report names: rows counted, missing values per
column, rows against the declared count and against the source's rows. Cached by the file's
content hash like the rest of the evidence."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from charter.evidence.files import FileStore, declared_location
from charter.evidence.frames import dataset_format
from charter.evidence.problems import InputError
from charter.inventory.entities import dataset_record
from charter.vcs.cache import Cache

QUALITY_FORMAT = 1


def dataset_quality(root: Path, inventory: Mapping[str, Any], refs: Iterable[str],
                    commit: str | None = None, use_cache: bool = True
                    ) -> dict[str, dict[str, Any]]:
    """ref -> {rows, columns, missing, declared_rows, source_rows} or {error}."""
    cache = Cache.for_repo(root, use_cache)
    out: dict[str, dict[str, Any]] = {}
    with FileStore(root, commit, (), cache) as files:
        for ref in sorted(set(refs)):
            record = dataset_record(inventory, ref) or {}
            out[ref] = _measure(files, cache, record)
    for ref, figures in out.items():
        record = dataset_record(inventory, ref) or {}
        figures["declared_rows"] = record.get("rows")
        sources = [str(s) for s in record.get("derived_from") or []]
        figures["sources"] = {s: (out.get(s) or {}).get("rows",
                                                       (dataset_record(inventory, s) or {})
                                                       .get("rows")) for s in sources}
    return out


def _measure(files: FileStore, cache: Cache, record: Mapping[str, Any]) -> dict[str, Any]:
    location = declared_location(record)
    if location is None:
        return {"error": "no path or uri is declared"}
    fmt = dataset_format(record, location)
    if fmt not in ("csv", "parquet"):
        return {"error": f"format {fmt!r} is not measured"}
    try:
        fetched = files.fetch(location)
    except InputError as exc:
        return {"error": str(exc)}
    key = hashlib.sha256(f"{QUALITY_FORMAT}\0{fmt}\0{fetched.sha256}".encode()).hexdigest()
    found = cache.get("quality", key)
    if isinstance(found, dict) and "rows" in found:
        return dict(found)
    figures = _figures(fetched.path, fmt)
    cache.put("quality", key, figures)
    return dict(figures)


def _figures(path: Path, fmt: str) -> dict[str, Any]:
    import pandas as pd

    try:
        frame = pd.read_parquet(path) if fmt == "parquet" else pd.read_csv(path)
    except Exception as exc:  # a file pandas cannot read has no figures, only the reason
        return {"error": f"cannot read: {type(exc).__name__}: {exc}"}
    missing = {str(c): int(n) for c, n in frame.isna().sum().items()}
    return {"rows": len(frame), "columns": int(frame.shape[1]), "missing": missing}
