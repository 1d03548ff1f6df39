"""`charter monitor` on every evidence backend: streamed in bounded memory and on Apache Spark,
a run records exactly what the whole read records (figures, rows, hashes, bands, verdict)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from conftest import GitRepo
from monitor_helpers import build


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def dry_run(repo: GitRepo, *args: str) -> dict[str, Any]:
    run = repo.charter("monitor", "--as-of", "2026-05-31", "--dry-run", "--output", "json",
                       *args, timeout=600)
    assert run.code == 0, run.err
    [found] = json.loads(run.out)["runs"]
    record: dict[str, Any] = found["record"]
    return record


def with_settings(repo: GitRepo, settings: str) -> None:
    text = (repo.root / "models.yaml").read_text()
    repo.write("models.yaml", text.replace("charter: 1\n", f"charter: 1\n{settings}", 1))
    repo.commit("evidence settings")  # on main: trust settings come from the default branch


def as_parquet(repo: GitRepo) -> None:
    """The same data as Parquet files, declared with their own hashes."""
    text = (repo.root / "models.yaml").read_text()
    for csv in sorted((repo.root / "data").rglob("*.csv")):
        target = csv.with_suffix(".parquet")
        pd.read_csv(csv).to_parquet(target, index=False)
        relative = csv.relative_to(repo.root).as_posix()
        text = text.replace(f"{relative}, sha256: {sha(csv)}",
                            f"{relative[:-4]}.parquet, sha256: {sha(target)}")
        csv.unlink()
    repo.write("models.yaml", text.replace('loans-{period}.csv"', 'loans-{period}.parquet"'))
    repo.commit("parquet")


def test_a_streamed_run_records_what_the_whole_read_records(repo: GitRepo) -> None:
    build(repo)
    whole = dry_run(repo)
    with_settings(repo, "settings: {evidence: {stream_above_mb: 0}}\n")
    streamed = dry_run(repo)
    assert whole["results"]["performance"]["live"] is not None
    assert streamed == whole


@pytest.mark.usefixtures("spark")
@pytest.mark.xdist_group("spark")
def test_a_run_on_spark_records_what_pandas_records(repo: GitRepo) -> None:
    build(repo)
    as_parquet(repo)
    whole = dry_run(repo)
    distributed = dry_run(repo, "--engine", "spark", "--spark-master", "local[2]")
    assert whole["inputs"]["live"][0]["location"].endswith(".parquet")
    assert distributed == whole
