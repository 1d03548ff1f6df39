"""The monitoring ledger: one JSON file per monitoring run, append-only, committed in git.

A run of version V of model M judged as of date D is written to
`monitoring/M/V/D-<digest>.json`, where `<digest>` is the first 16 hex digits of the sha256 of
the file's exact bytes. The name therefore changes with any edit: a recorded run cannot be
altered without the change showing as a deletion and an addition, both of which the gate
blocks. The bytes are canonical (sorted keys, two-space indent, UTF-8, one final newline), so
the same results always give the same file, and a rerun of an identical run writes nothing.

Business KPI observations of model M live beside the runs, in `monitoring/M/kpi.yaml`.
Any other file under `monitoring/` is not part of the ledger; the gate decides what to make
of it (it never narrows what is judged).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from charter.errors import CharterError, Problem
from charter.layout import LEDGER_FOLDER as LEDGER_FOLDER

KPI_FILE = "kpi.yaml"
RUN_FORMAT = 1
DIGEST_LENGTH = 16
BANDS = ("green", "amber", "red")  # in order of severity

_RUN_NAME = re.compile(r"(?P<as_of>[0-9]{4}-[0-9]{2}-[0-9]{2})-(?P<digest>[0-9a-f]{16})\.json")
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+-]*")


@dataclass(frozen=True, order=True)
class RunPath:
    """Where one run is recorded; orders by date, then digest."""

    model: str
    version: str
    as_of: str
    digest: str

    @property
    def path(self) -> str:
        return f"{LEDGER_FOLDER}/{self.model}/{self.version}/{self.as_of}-{self.digest}.json"

    @property
    def version_id(self) -> str:
        return f"{self.model}@{self.version}"


def parse_run_path(path: str) -> RunPath | None:
    """The run a repository path records, or None when it is not a run's file."""
    parts = path.split("/")
    if len(parts) != 4 or parts[0] != LEDGER_FOLDER:
        return None
    _, model, version, name = parts
    found = _RUN_NAME.fullmatch(name)
    if found is None or not _ID.fullmatch(model) or not _ID.fullmatch(version):
        return None
    return RunPath(model, version, found["as_of"], found["digest"])


def kpi_path(model: str) -> str:
    return f"{LEDGER_FOLDER}/{model}/{KPI_FILE}"


def kpi_model(path: str) -> str | None:
    """The model whose KPI observations `path` holds, or None."""
    parts = path.split("/")
    if len(parts) == 3 and parts[0] == LEDGER_FOLDER and parts[2] == KPI_FILE \
            and _ID.fullmatch(parts[1]):
        return parts[1]
    return None


def in_ledger_folder(path: str) -> bool:
    return path == LEDGER_FOLDER or path.startswith(LEDGER_FOLDER + "/")


def encode_run(record: Mapping[str, Any]) -> bytes:
    """The canonical bytes of a run: the same record always gives the same file."""
    text = json.dumps(record, indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False)
    return (text + "\n").encode("utf-8")


def digest_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:DIGEST_LENGTH]


def run_path_of(record: Mapping[str, Any], data: bytes) -> RunPath:
    return RunPath(str(record["model"]), str(record["version"]), str(record["as_of"]),
                   digest_of(data))


def run_problems(path: str, data: bytes) -> list[Problem]:
    """What is wrong with the file at `path` as a recorded run (nothing: a sound record)."""
    where = parse_run_path(path)
    if where is None:
        return [Problem("not a monitoring run's name: expected "
                        "monitoring/<model>/<version>/<YYYY-MM-DD>-<16 hex digits>.json",
                        file=path)]
    if digest_of(data) != where.digest:
        return [Problem(f"the file's sha256 begins {digest_of(data)}, not {where.digest} as "
                        "its name says: a recorded run was edited", file=path,
                        hint="restore the file as `charter monitor` wrote it")]
    try:
        record = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        return [Problem(f"not valid JSON: {exc}", file=path)]
    problems = _schema_problems(record, path, data)
    if problems:
        return problems
    for key, expected in (("model", where.model), ("version", where.version),
                          ("as_of", where.as_of)):
        if record[key] != expected:
            problems.append(Problem(f"{key} is {record[key]!r} but the file's path says "
                                    f"{expected!r}", file=path, key_path=f"$.{key}"))
    if encode_run(record) != data:
        problems.append(Problem("not in canonical form (sorted keys, two-space indent, one final "
                                "newline): it was not written by `charter monitor`", file=path))
    return problems


def read_run(path: str, data: bytes) -> dict[str, Any]:
    """A recorded run, checked; bad input raises CharterError pointing at the file."""
    problems = run_problems(path, data)
    if problems:
        raise CharterError(problems, summary=f"{path} is not a sound monitoring run")
    record: dict[str, Any] = json.loads(data.decode("utf-8"))
    return record


def write_run(root: Path, record: Mapping[str, Any]) -> tuple[str, bool]:
    """Record a run under `root`; returns its repository path and whether it was new.

    An identical run already recorded is left as it is. Nothing is ever overwritten."""
    data = encode_run(record)
    where = run_path_of(record, data)
    problems = _schema_problems(record, where.path, data)
    if problems:
        raise CharterError(problems, summary="refusing to record an unsound monitoring run")
    target = root / where.path
    if target.exists():
        if target.read_bytes() == data:
            return where.path, False
        raise CharterError.at("a different file already holds this run's name", file=where.path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=".run-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return where.path, True


def runs_by_version(paths: Iterable[str]) -> dict[str, list[RunPath]]:
    """Run files grouped by version id (`model@version`), oldest first."""
    out: dict[str, list[RunPath]] = {}
    for path in paths:
        where = parse_run_path(path)
        if where is not None:
            out.setdefault(where.version_id, []).append(where)
    for runs in out.values():
        runs.sort()
    return out


def worst(bands: Iterable[str]) -> str:
    """The most severe of `bands` (green when there are none)."""
    return max(bands, key=BANDS.index, default="green")


def _schema_problems(record: Any, path: str, data: bytes) -> list[Problem]:
    from charter.source.schema import validate
    from charter.source.yamlsource import load_yaml_text

    try:
        source = load_yaml_text(data, path).source  # JSON is YAML: gives lines for messages
    except CharterError:
        from charter.source.yamlsource import SourceMap

        source = SourceMap(path, {})
    return validate(record, source, "monitoring-run")
