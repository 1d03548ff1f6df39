"""The monitoring ledger as the reports read it: the runs and KPI observations recorded at
the reported commit, read from git's blobs at that commit, each run checked with `read_run`
(an unsound run is kept with its problems, never with its figures)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from charter.errors import CharterError
from charter.monitoring.ledger import LEDGER_FOLDER, kpi_model, parse_run_path, read_run
from charter.vcs import git


def read_ledger(root: Path, commit: str) -> dict[str, Any]:
    """The ledger at `commit`: {"runs": {model@version: [run, ...] oldest first},
    "kpi": {model: {"path", "observations", "problems"}}}, plain data."""
    entries = [e for e in git.list_tree(root, commit, [LEDGER_FOLDER])
               if parse_run_path(e.path) is not None or kpi_model(e.path) is not None]
    contents = _read_blobs(root, [e.blob for e in entries if not e.is_symlink])
    runs: dict[str, list[dict[str, Any]]] = {}
    kpi: dict[str, dict[str, Any]] = {}
    for entry in entries:
        data = None if entry.is_symlink else contents.get(entry.blob)
        model = kpi_model(entry.path)
        if model is not None:
            kpi[model] = read_kpi(entry.path, data)
            continue
        where = parse_run_path(entry.path)
        assert where is not None
        runs.setdefault(where.version_id, []).append(_run(entry.path, data))
    for found in runs.values():
        found.sort(key=lambda r: (r["as_of"], r["digest"]))
    return {"runs": dict(sorted(runs.items())), "kpi": dict(sorted(kpi.items()))}


def _read_blobs(root: Path, blobs: Sequence[str]) -> dict[str, bytes]:
    if not blobs:
        return {}
    reader = git.BlobReader(root)
    try:
        reader.prefetch(list(blobs))
        found = {blob: reader.read_next() for blob in blobs}
    finally:
        reader.close()
    return {blob: data for blob, data in found.items() if data is not None}


def _run(path: str, data: bytes | None) -> dict[str, Any]:
    where = parse_run_path(path)
    assert where is not None
    record: dict[str, Any] | None = None
    if data is None:
        problems = ["not a regular file (a symbolic link or unreadable): not a recorded run"]
    else:
        try:
            record = read_run(path, data)
            problems = []
        except CharterError as exc:
            problems = [p.message for p in exc.problems] or [exc.render()]
    return {"path": path, "name": path.rsplit("/", 1)[1], "as_of": where.as_of,
            "digest": where.digest, "sound": record is not None, "problems": problems,
            "record": record, "verdict": (record or {}).get("verdict")}


def read_kpi(path: str, data: bytes | None) -> dict[str, Any]:
    """KPI observations of one model, read as the gate reads them (`monitoring.kpi`): a file
    the gate would refuse shows its problems and no observations."""
    from charter.monitoring.kpi import kpi_problems

    out: dict[str, Any] = {"path": path, "observations": [], "problems": []}
    if data is None:
        out["problems"].append("not a regular file")
        return out
    found, problems = kpi_problems(path, data)
    if problems or found is None:
        out["problems"] = [p.render() for p in problems]
        return out
    out["observations"] = sorted(
        ({"period": str(o["period"]), "value": float(o["value"]), "note": o.get("note"),
          "recorded_by": o.get("recorded_by")} for o in found.observations),
        key=lambda o: o["period"])
    return out


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def number(value: Any) -> float | None:
    return float(value) if is_number(value) else None
