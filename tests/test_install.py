"""The light core and its extras: what `pip install charter` runs without the heavy libraries,
and the one-line error naming the extra when a command needs one."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from charter.extras import EXTRAS
from conftest import REPO_ROOT, TODAY, GitRepo, without_modules
from scenarios import change_models

EVIDENCE_MODULES = tuple(module for module, _ in EXTRAS["evidence"])
REPORTS_MODULES = tuple(module for module, _ in EXTRAS["reports"])
CORE_ONLY = (*EVIDENCE_MODULES, *REPORTS_MODULES)
HEAVY = {"numpy", "pandas", "pyarrow", "scikit-learn", "scipy", "weasyprint", "matplotlib"}


@pytest.fixture
def core(tmp_path: Path) -> dict[str, str]:
    """A charter process that sees only the core's libraries."""
    return without_modules(tmp_path, *CORE_ONLY)


def names(requirements: list[str]) -> set[str]:
    return {re.split(r"[<>=!~;\[ ]", req, maxsplit=1)[0] for req in requirements}


def test_the_core_needs_only_light_libraries() -> None:
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]
    assert names(project["dependencies"]) == {"click", "pyyaml", "jsonschema", "fastjsonschema",
                                              "referencing", "jmespath", "networkx",
                                              "google-re2"}


def test_the_extras_named_in_errors_are_the_ones_pyproject_installs() -> None:
    extras = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"]
    for extra, modules in EXTRAS.items():
        assert names(extras[extra]) == {dist for _, dist in modules}, extra
    assert extras["all"] == ["charter[evidence,reports]"]  # spark stays opt-in
    assert "charter[all,spark]" in extras["test"]  # CI runs the Spark tests


def test_core_commands_run_without_the_heavy_libraries(governed: GitRepo,
                                                       core: dict[str, str]) -> None:
    change_models(governed)
    runs = {
        "validate": (governed.charter("validate", env=core), 0),
        "check": (governed.charter("check", "--evidence", "none", "--today", TODAY, env=core),
                  1),
        "explain": (governed.charter("explain", "PERF-001", env=core), 0),
        "schema": (governed.charter("schema", "models", env=core), 0),
        "docs": (governed.charter("docs", env=core), 0),
        "history": (governed.charter("history", env=core), 0),
        "init": (governed.charter("init", "scaffold", env=core), 0),
        "test": (governed.charter("test", "scaffold", env=core), 0),  # the scaffold's tests
    }
    for output in ("text", "openlineage", "cyclonedx"):
        runs[f"lineage {output}"] = (governed.charter("lineage", "--format", output, env=core),
                                     0)
    for name, (run, code) in runs.items():
        assert (run.code, "Traceback" in run.err) == (code, False), f"{name}: {run.err}"
    assert "PERF-001" in runs["check"][0].out


def test_check_that_must_measure_names_the_evidence_extra(governed: GitRepo,
                                                          core: dict[str, str]) -> None:
    change_models(governed)  # adds two versions: evidence (--evidence auto) measures them
    run = governed.charter("check", "--today", TODAY, env=core)
    assert run.code == 2, run.out + run.err
    assert run.err == (
        "charter: error: evidence cannot be computed: the 'evidence' extra is not installed "
        "(no numpy, pandas, pyarrow, scikit-learn, scipy, skops, fsspec, tqdm, packaging); "
        "install it with pip install 'charter[evidence]', or pass --evidence none to check "
        "without evidence\n")


def test_check_with_nothing_to_measure_needs_no_extra(governed: GitRepo,
                                                      core: dict[str, str]) -> None:
    governed.write("docs/notes.md", "A change that touches no model version.\n")
    run = governed.charter("check", "--today", TODAY, env=core)
    assert run.code == 0, run.out + run.err


def test_evidence_command_names_its_extra(governed: GitRepo, core: dict[str, str]) -> None:
    run = governed.charter("evidence", env=core)
    assert run.code == 2
    assert run.err.startswith("charter: error: charter evidence cannot measure versions: the "
                              "'evidence' extra is not installed (no numpy, pandas,")
    assert run.err.endswith("install it with pip install 'charter[evidence]'\n")


def test_report_names_the_extras_it_needs(governed: GitRepo, tmp_path: Path) -> None:
    run = governed.charter("report", env=without_modules(tmp_path, *REPORTS_MODULES))
    assert run.code == 2
    assert run.err == ("charter: error: charter report cannot render PDFs: the 'reports' extra "
                       "is not installed (no jinja2, weasyprint, matplotlib, pyhanko); install "
                       "it with pip install 'charter[reports]'\n")
    run = governed.charter("report", env=without_modules(tmp_path, "sklearn"))
    assert run.code == 2
    assert run.err == ("charter: error: charter report cannot measure evidence for the dossiers: "
                       "the 'evidence' extra is not installed (no scikit-learn); install it "
                       "with pip install 'charter[evidence]', or pass --no-evidence to report "
                       "without it\n")
    assert not (governed.root / "reports").exists()


def test_check_reports_names_the_reports_extra(governed: GitRepo, tmp_path: Path) -> None:
    change_models(governed)
    run = governed.charter("check", "--evidence", "none", "--reports", "out",
                           env=without_modules(tmp_path, "weasyprint"))
    assert run.code == 2
    assert run.err == ("charter: error: --reports cannot render the change report: the "
                       "'reports' extra is not installed (no weasyprint); install it with pip "
                       "install 'charter[reports]'\n")



@pytest.mark.network
def test_a_core_install_validates_and_checks_without_the_heavy_libraries(
        governed: GitRepo, tmp_path: Path) -> None:
    """`pip install charter` for real, into a fresh environment, from PyPI."""
    source = tmp_path / "source"
    shutil.copytree(REPO_ROOT / "engine", source / "engine",
                    ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(REPO_ROOT / name, source / name)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = str(venv / "bin" / "python")
    install = subprocess.run([sys.executable, "-m", "pip", "--python", python, "install",
                              "--disable-pip-version-check", "--quiet", str(source)],
                             capture_output=True, text=True, timeout=900)
    assert install.returncode == 0, install.stdout + install.stderr
    listed = subprocess.run([sys.executable, "-m", "pip", "--python", python, "list",
                             "--format", "json"], capture_output=True, text=True, check=True)
    installed = {p["name"].lower() for p in json.loads(listed.stdout)}
    assert installed & HEAVY == set()
    assert {"charter", "click", "jsonschema", "google-re2"} <= installed

    change_models(governed)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"} | {"NO_COLOR": "1"}

    def charter(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(venv / "bin" / "charter"), *args], cwd=governed.root,
                              env=env, capture_output=True, text=True, timeout=300)

    validate = charter("validate")
    assert validate.returncode == 0, validate.stderr
    assert validate.stdout.startswith("models.yaml is valid")
    check = charter("check", "--evidence", "none", "--today", TODAY)
    assert check.returncode == 1, check.stdout + check.stderr
    assert "PERF-001" in check.stdout
    evidence = charter("check", "--today", TODAY)
    assert evidence.returncode == 2
    assert "pip install 'charter[evidence]'" in evidence.stderr
