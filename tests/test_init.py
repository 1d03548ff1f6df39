"""`charter init`: the scaffold passes `charter check` and `charter test` as created."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from charter import __version__
from conftest import REPO_ROOT, GitRepo, run_charter


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
    assert "schedule:" in text


def scaffold_steps(root: Path) -> list[dict[str, Any]]:
    workflow = yaml.safe_load((root / ".github/workflows/governance.yml").read_text())
    found: list[dict[str, Any]] = workflow["jobs"]["gate"]["steps"]
    return found


def test_the_workflow_uses_the_action_at_this_release(repo: GitRepo) -> None:
    run = repo.charter("init")
    assert run.code == 0, run.err
    uses = [s["uses"] for s in scaffold_steps(repo.root) if "uses" in s]
    assert f"<owner>/charter@v{__version__}" in uses
    assert "replace <owner> with the GitHub repository you take Charter from" in run.out
    gate = next(s for s in scaffold_steps(repo.root) if s.get("id") == "charter")
    action = yaml.safe_load((REPO_ROOT / "action.yml").read_text())
    assert set(gate["with"]) <= set(action["inputs"])
    assert gate["with"]["all"] == "${{ github.event_name != 'pull_request' }}"
    tests = next(s for s in scaffold_steps(repo.root) if s.get("name") == "Policy tests")
    assert tests["run"].startswith("charter test --require-tests")  # the action put it on PATH
    readme = (repo.root / "README.md").read_text()
    assert "full commit SHA" in readme and f"# v{__version__}" in readme
    for path in repo.root.rglob("*"):
        if path.is_file() and ".git" not in path.parts:
            assert "charter==" not in path.read_text(), path


def test_init_pins_the_action_it_is_given(tmp_path: Path) -> None:
    sha = "0123456789abcdef0123456789abcdef01234567"
    run = run_charter(tmp_path, "init", str(tmp_path / "gov"), "--action", f"acme/charter@{sha}")
    assert run.code == 0, run.err
    assert "<owner>" not in run.out
    steps = scaffold_steps(tmp_path / "gov")
    assert [s["uses"] for s in steps if s.get("id") == "charter"] == [f"acme/charter@{sha}"]
    readme = (tmp_path / "gov/README.md").read_text()
    assert f'pip install "charter[all] @ git+https://github.com/acme/charter@{sha}"' in readme
    hostile = run_charter(tmp_path, "init", str(tmp_path / "bad"), "--action", 'x"; rm -rf /')
    assert hostile.code == 2
    assert "give OWNER/REPO@REF" in hostile.err
    assert not (tmp_path / "bad").exists()
