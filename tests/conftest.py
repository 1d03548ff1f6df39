"""Shared fixtures: real git repositories in temporary folders, and the CLI run as a user would."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ENGINE = Path(__file__).resolve().parents[1] / "engine"
REPO_ROOT = Path(__file__).resolve().parents[1]
OFFICIAL_SCHEMAS = REPO_ROOT / "tests" / "schemas"  # vendored: see its README.md
TODAY = "2026-11-27"


@pytest.fixture(autouse=True)
def _fence_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
                ) -> None:
    """Tests must not write to the real home folder or reach the network."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(home / ".gitconfig"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for name in ("GITHUB_ACTIONS", "GITHUB_BASE_REF", "GITHUB_STEP_SUMMARY", "GITHUB_OUTPUT",
                 "GITHUB_EVENT_PATH", "GITHUB_SHA", "GITHUB_TOKEN", "CHARTER_CACHE_DIR",
                 "GITHUB_API_URL", "GITHUB_REPOSITORY", "GITHUB_SERVER_URL", "GITHUB_RUN_ID",
                 "GITHUB_EVENT_NAME"):
        monkeypatch.delenv(name, raising=False)


@dataclass
class Run:
    code: int
    out: str
    err: str


@dataclass
class GitRepo:
    """A real git repository in a temporary folder, driven like a user would."""

    root: Path

    def git(self, *args: str) -> str:
        result = subprocess.run(["git", *args], cwd=self.root, capture_output=True, text=True,
                                check=True)
        return result.stdout.strip()

    def write(self, path: str, text: str) -> Path:
        target = self.root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(text))
        return target

    def commit(self, message: str = "change", date: str | None = None,
               author: str = "Dana Scientist <dana@example.com>") -> str:
        self.git("add", "-A")
        env = {**os.environ}
        if date:
            env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = date
        subprocess.run(["git", "commit", "-q", "--allow-empty", "-m", message,
                        f"--author={author}"], cwd=self.root, check=True, env=env)
        return self.git("rev-parse", "HEAD")

    def charter(self, *args: str, env: dict[str, str] | None = None,
                timeout: float = 300) -> Run:
        return run_charter(self.root, *args, env=env, timeout=timeout)


def run_charter(cwd: Path, *args: str, env: dict[str, str] | None = None,
                timeout: float = 300) -> Run:
    """The `charter` command in a child process, exactly as a user runs it."""
    full_env = {**os.environ, "PYTHONPATH": str(ENGINE), "NO_COLOR": "1", **(env or {})}
    result = subprocess.run([sys.executable, "-m", "charter", *args], cwd=cwd,
                            capture_output=True, text=True, env=full_env, timeout=timeout)
    return Run(result.returncode, result.stdout, result.stderr)


def without_modules(tmp_path: Path, *modules: str) -> dict[str, str]:
    """Environment for a charter process in which `modules` cannot be imported, as if they
    were not installed (for `run_charter`'s `env`)."""
    site = tmp_path / "site"
    site.mkdir(exist_ok=True)
    (site / "sitecustomize.py").write_text(
        "import sys\n" + "".join(f"sys.modules[{m!r}] = None\n" for m in modules))
    return {"PYTHONPATH": f"{site}{os.pathsep}{ENGINE}"}


@pytest.fixture
def repo(tmp_path: Path) -> Iterator[GitRepo]:
    root = tmp_path / "repo"
    root.mkdir()
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=root, check=True)
    for key, value in (("user.name", "Test"), ("user.email", "test@example.com"),
                       ("commit.gpgsign", "false")):
        subprocess.run(["git", "config", key, value], cwd=root, check=True)
    yield GitRepo(root)


@pytest.fixture
def example_facts(repo: GitRepo) -> Any:
    """ReportFacts of this repository's own example (models.yaml, policies/, monitoring/),
    committed on a fixed date, without evidence."""
    import shutil

    from charter.report.facts import gather_facts

    shutil.copy(REPO_ROOT / "models.yaml", repo.root / "models.yaml")
    shutil.copytree(REPO_ROOT / "policies", repo.root / "policies")
    shutil.copytree(REPO_ROOT / "monitoring", repo.root / "monitoring")
    repo.commit("the governed example", date="2026-11-20T10:00:00+00:00")
    return gather_facts(repo.root, evidence=False)


BASIC_INVENTORY = """\
charter: 1
teams:
  risk-analytics: {members: [dana, ravi]}
  model-risk: {members: [vera, victor], validates: true}
datasets:
  loans:
    owner: risk-analytics
    contains_pii: false
    versions: {"2024-09": {path: data/loans.csv, created: 2024-09-30},
      "2024-06": {path: data/loans.csv, created: 2024-06-30}}
models:
  credit:
    title: Credit default
    owner: risk-analytics
    risk_tier: high
    purpose: Price loans by default risk
    versions:
      "1.0.0":
        stage: production
        algorithm: GradientBoostingClassifier
        artifact: {path: models/credit-1.0.0.skops, sha256: "%s"}
        training_data: [loans@2024-06]
        evaluation:
          dataset: loans@2024-06
          target: defaulted
          metrics: {roc_auc: 0.81}
        validation: {by: vera, date: 2026-06-01, outcome: approved}
        deployments:
          - {target: scoring-api, since: 2026-06-02, traffic: 100}
        monitoring: {reference: loans@2024-06, current: loans@2024-09, every_days: 3650}
""" % ("a" * 64)

BASIC_POLICIES = """\
charter: 1
rules:
  VAL-001:
    title: Production versions are validated and approved
    severity: error
    applies_to: version
    match: {stage: production}
    require: {field: validation.outcome, equals: approved}
    remediation: Have model risk validate the version.
  PERF-001:
    title: High-risk models reach an AUC of 0.75
    severity: error
    applies_to: version
    match: {model.risk_tier: high}
    require: {field: evaluation.metrics.roc_auc, gte: 0.75}
    message: "{id}: roc_auc {value} is below {expected}"
    references: ["SR 11-7 §V"]
"""


@pytest.fixture
def governed(repo: GitRepo) -> GitRepo:
    """A repository whose main branch holds a small compliant inventory and policies."""
    repo.write("models.yaml", BASIC_INVENTORY)
    repo.write("policies/rules.yaml", BASIC_POLICIES)
    repo.commit("initial inventory")
    return repo


@pytest.fixture(scope="session")
def spark() -> Iterator[object]:
    """One local Spark session for the test run (two cores, small shuffles, no UI).

    Without PySpark or Java the Spark tests skip, saying why; CI sets CHARTER_REQUIRE_SPARK=1
    so that they fail instead."""
    from charter.evidence.backends import spark_unavailable

    why = spark_unavailable()
    if why:
        if os.environ.get("CHARTER_REQUIRE_SPARK") == "1":
            pytest.fail(f"CHARTER_REQUIRE_SPARK=1 but {why}")
        pytest.skip(why)
    from pyspark.sql import SparkSession

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)  # workers: this Python
    session = (SparkSession.builder.master("local[2]").appName("charter tests")
               .config("spark.ui.enabled", "false")
               .config("spark.ui.showConsoleProgress", "false")
               .config("spark.sql.shuffle.partitions", "4")
               .config("spark.default.parallelism", "4")
               # Small files still split into several partitions.
               .config("spark.sql.files.maxPartitionBytes", "16384")
               .config("spark.sql.files.openCostInBytes", "0")
               .config("spark.sql.execution.arrow.maxRecordsPerBatch", "250")
               .config("spark.driver.host", "127.0.0.1")
               .config("spark.sql.execution.arrow.pyspark.enabled", "true")
               .getOrCreate())
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()
