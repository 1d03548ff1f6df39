"""Choosing the evidence engine: settings.evidence and --engine; Spark's needs said plainly."""

from __future__ import annotations

import os
from pathlib import Path

from charter.evidence.backends import Backend
from charter.evidence.settings import EvidenceSettings
from conftest import GitRepo, without_modules
from evidence_helpers import build_demo


def test_the_engine_comes_from_settings_evidence() -> None:
    settings = EvidenceSettings.of({"settings": {"evidence": {
        "engine": "spark", "spark_master": "spark://head:7077", "stream_above_mb": 64}}})
    assert settings.backend == Backend("spark", "spark://head:7077", 64.0)
    assert EvidenceSettings.of({}).backend == Backend("pandas", "local[*]", 256.0)


def test_an_unknown_engine_is_a_schema_error(repo: GitRepo) -> None:
    build_demo(repo, settings="settings:\n  evidence: {engine: dask}\n")
    run = repo.charter("validate")
    assert run.code == 2
    assert "settings.evidence.engine" in run.out + run.err


def test_spark_without_pyspark_says_what_to_install(repo: GitRepo, tmp_path: Path) -> None:
    build_demo(repo)
    run = repo.charter("evidence", "--engine", "spark",
                       env=without_modules(tmp_path, "pyspark"))
    assert run.code == 2
    assert "pip install 'charter[spark]'" in run.err
    assert "Traceback" not in run.err


def test_spark_without_java_says_so(repo: GitRepo, tmp_path: Path) -> None:
    build_demo(repo, settings="settings:\n  evidence: {engine: spark}\n")
    repo.commit("evidence on spark")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("git",):
        found = next(Path(p) / tool for p in os.environ["PATH"].split(os.pathsep)
                     if (Path(p) / tool).exists())
        (bin_dir / tool).symlink_to(found)
    run = repo.charter("evidence", env={"PATH": str(bin_dir), "JAVA_HOME": ""})
    assert run.code == 2
    assert "Java 17" in run.err
    assert "Traceback" not in run.err


def test_spark_reads_object_stores_through_hadoop_and_files_from_the_verified_copy(
        tmp_path: Path) -> None:
    from charter.evidence.backends.spark import location
    from charter.evidence.files import Fetched

    copy = tmp_path / "copy.parquet"
    assert location(Fetched("s3://bank/holdout.parquet", copy, "0" * 64, 1)) == \
        "s3a://bank/holdout.parquet"
    assert location(Fetched("hdfs://lake/holdout.parquet", copy, "0" * 64, 1)) == \
        "hdfs://lake/holdout.parquet"
    for name in ("data/holdout.parquet", "https://host/holdout.parquet"):
        assert location(Fetched(name, copy, "0" * 64, 1)) == str(copy)
