"""The monitoring ledger's format: canonical bytes, names that carry the content's digest,
nothing overwritten, edits detected."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from charter.errors import CharterError
from charter.monitoring.ledger import (
    encode_run,
    kpi_model,
    parse_run_path,
    read_run,
    run_problems,
    runs_by_version,
    worst,
    write_run,
)

SHA = "ab" * 32


def record(**changes: object) -> dict[str, object]:
    out: dict[str, object] = {
        "charter_monitoring_run": 1, "model": "credit", "version": "1.0.0",
        "as_of": "2025-09-30", "engine_version": "1.0.0",
        "inputs": {"reference": {"location": "data/ref.csv", "sha256": SHA},
                   "live": [{"location": "data/live-2025-09.csv", "sha256": SHA,
                             "period": "2025-09", "rows": 10}]},
        "results": {"drift": {"band": "amber", "features": {
            "income": {"kind": "numeric", "psi": 0.12, "ks": 0.05, "band": "amber"}}},
            "performance": None},
        "verdict": "amber"}
    out.update(changes)
    return out


def test_a_run_is_written_once_under_a_name_that_carries_its_digest(tmp_path: Path) -> None:
    path, new = write_run(tmp_path, record())
    assert new
    where = parse_run_path(path)
    assert where is not None and where.version_id == "credit@1.0.0"
    assert where.as_of == "2025-09-30"
    data = (tmp_path / path).read_bytes()
    assert data == encode_run(record())
    assert read_run(path, data)["verdict"] == "amber"
    assert write_run(tmp_path, record()) == (path, False)  # identical: nothing written


def test_an_edited_run_is_detected(tmp_path: Path) -> None:
    path, _ = write_run(tmp_path, record())
    edited = (tmp_path / path).read_bytes().replace(b'"amber"', b'"green"')
    problems = run_problems(path, edited)
    assert problems and "was edited" in problems[0].message
    with pytest.raises(CharterError):
        read_run(path, edited)


def test_a_renamed_run_must_match_its_path(tmp_path: Path) -> None:
    path, _ = write_run(tmp_path, record())
    data = (tmp_path / path).read_bytes()
    moved = path.replace("credit/1.0.0", "credit/2.0.0")
    assert any("the file's path says '2.0.0'" in p.message for p in run_problems(moved, data))


def test_a_record_outside_the_schema_is_refused(tmp_path: Path) -> None:
    with pytest.raises(CharterError) as raised:
        write_run(tmp_path, record(verdict="purple"))
    assert "verdict" in raised.value.render()
    bad = encode_run(record(verdict="purple"))
    problems = run_problems(f"monitoring/credit/1.0.0/2025-09-30-{_digest(bad)}.json", bad)
    assert problems and problems[0].line > 1  # points into the file


def test_non_canonical_bytes_are_refused() -> None:
    data = (json.dumps(record()) + "\n").encode()
    problems = run_problems(f"monitoring/credit/1.0.0/2025-09-30-{_digest(data)}.json", data)
    assert any("canonical" in p.message for p in problems)


def test_paths_that_are_not_runs() -> None:
    for path in ("monitoring/credit/1.0.0/notes.json", "monitoring/credit/kpi.yaml",
                 "monitoring/credit/1.0.0/x/2025-09-30-0123456789abcdef.json",
                 "models/credit/1.0.0/2025-09-30-0123456789abcdef.json"):
        assert parse_run_path(path) is None
    assert kpi_model("monitoring/credit/kpi.yaml") == "credit"
    assert kpi_model("monitoring/credit/1.0.0/kpi.yaml") is None


def test_runs_are_grouped_by_version_oldest_first() -> None:
    paths = ["monitoring/a/1/2025-10-31-" + "1" * 16 + ".json",
             "monitoring/a/1/2025-09-30-" + "2" * 16 + ".json",
             "monitoring/a/2/2025-09-30-" + "3" * 16 + ".json", "monitoring/a/kpi.yaml"]
    grouped = runs_by_version(paths)
    assert [r.as_of for r in grouped["a@1"]] == ["2025-09-30", "2025-10-31"]
    assert list(grouped) == ["a@1", "a@2"]
    assert worst(["green", "red", "amber"]) == "red" and worst([]) == "green"


def _digest(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()[:16]
