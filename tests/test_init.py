"""`charter init`: the scaffold passes `charter check` and `charter test` as created."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from conftest import GitRepo, run_charter


def test_init_into_an_empty_directory_passes_check_and_test(repo: GitRepo) -> None:
    run = repo.charter("init")
    assert run.code == 0, run.err
    for path in ("models.yaml", "policies/governance.yaml", "policies/tests/governance.yaml",
                 ".github/workflows/governance.yml", "README.md"):
        assert (repo.root / path).is_file(), path
    repo.commit("governance repository")
    check = repo.charter("check", "--all")
    assert check.code == 0, check.out + check.err
    assert "PASS: 0 blocking, 0 warnings" in check.out
    test = repo.charter("test", "--require-tests", "--coverage")
    assert test.code == 0, test.out + test.err
    assert "rule coverage: 2 of 2 local rules expected both to pass and to fail" in test.out
    assert "condition coverage: 4 of 4 conditions" in test.out
    assert repo.charter("validate").code == 0


def test_init_creates_the_directory_and_check_finds_the_packs(tmp_path: Path) -> None:
    run = run_charter(tmp_path, "init", "governance")
    assert run.code == 0, run.err
    root = tmp_path / "governance"
    for command in (["init", "-q", "-b", "main"], ["add", "-A"],
                    ["-c", "user.name=T", "-c", "user.email=t@example.com", "commit", "-qm",
                     "init"]):
        subprocess.run(["git", *command], cwd=root, check=True)
    run = run_charter(root, "check", "--all", "--format", "json")
    assert run.code == 0, run.err
    assert '"SR117-008"' in run.out and '"EUAI-001"' in run.out and '"RAI-001"' in run.out
    assert run_charter(tmp_path, "test", str(root)).code == 0


def test_init_overwrites_nothing(repo: GitRepo) -> None:
    repo.write("models.yaml", "charter: 1\n")
    run = repo.charter("init")
    assert run.code == 2
    assert "already has models.yaml" in run.err
    assert (repo.root / "models.yaml").read_text() == "charter: 1\n"
    assert not (repo.root / "policies").exists()


def test_the_scaffolded_workflow_is_a_valid_github_workflow(repo: GitRepo) -> None:
    tool = str(Path(sys.executable).parent / "check-jsonschema")  # a test dependency
    repo.charter("init")
    workflow = repo.root / ".github/workflows/governance.yml"
    result = subprocess.run([tool, "--builtin-schema", "vendor.github-workflows",
                             str(workflow)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    text = workflow.read_text()
    assert "permissions:\n  contents: read" in text
    assert "schedule:" in text and "charter check --all" in text


def test_init_pins_the_install_spec_it_is_given(tmp_path: Path) -> None:
    spec = "git+https://git.example.com/governance/charter@0123456789abcdef"
    run = run_charter(tmp_path, "init", str(tmp_path / "gov"), "--install", spec)
    assert run.code == 0, run.err
    workflow = (tmp_path / "gov/.github/workflows/governance.yml").read_text()
    assert f'python -m pip install "{spec}"' in workflow
    hostile = run_charter(tmp_path, "init", str(tmp_path / "bad"), "--install", 'x"; rm -rf /')
    assert hostile.code == 2
    assert "not allowed" in hostile.err
