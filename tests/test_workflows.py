"""The workflows, the composite action and the pre-commit hook that ship in this repository."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import ENGINE, REPO_ROOT, GitRepo
from scenarios import mixed_change

WORKFLOWS = sorted((REPO_ROOT / ".github" / "workflows").glob("*.yml"))
ACTION = REPO_ROOT / "action.yml"  # at the root: `uses: OWNER/charter@REF`
CHECK_JSONSCHEMA = Path(sys.executable).parent / "check-jsonschema"


def load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(path.read_text())
    return data


def triggers(workflow: dict[str, Any]) -> dict[str, Any]:
    on = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as true
    return on if isinstance(on, dict) else {name: None for name in on}


def steps(document: dict[str, Any]) -> list[dict[str, Any]]:
    if "runs" in document:
        found: list[dict[str, Any]] = document["runs"]["steps"]
        return found
    return [step for job in document["jobs"].values() for step in job.get("steps", [])]


def test_workflow_files_exist() -> None:
    assert [p.name for p in WORKFLOWS] == ["ci.yml", "governance.yml", "monitor.yml",
                                             "reports.yml"]
    assert ACTION.is_file()


@pytest.mark.parametrize(("schema", "files"), [
    ("vendor.github-workflows", WORKFLOWS),
    ("custom.github-workflows-require-timeout", WORKFLOWS),
    ("vendor.github-actions", [ACTION]),
])
def test_files_match_githubs_schemas(schema: str, files: list[Path]) -> None:
    result = subprocess.run([str(CHECK_JSONSCHEMA), "--builtin-schema", schema,
                             *map(str, files)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("path", [*WORKFLOWS, ACTION], ids=lambda p: p.name)
def test_no_expression_expands_inside_a_script(path: Path) -> None:
    for step in steps(load(path)):
        assert "${{" not in step.get("run", ""), f"{path.name}: {step.get('name')}"


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_least_privilege_and_no_privileged_pull_request_code(path: Path) -> None:
    workflow = load(path)
    assert "pull_request_target" not in triggers(workflow)
    assert workflow["permissions"] == {}
    for name, job in workflow["jobs"].items():
        assert isinstance(job.get("permissions"), dict), f"{name} declares its permissions"
        assert "timeout-minutes" in job
    for step in steps(workflow):
        if step.get("uses", "").startswith("actions/checkout@"):
            assert step["with"]["persist-credentials"] is False
            assert step["with"]["fetch-depth"] == 0


def test_governance_gate() -> None:
    workflow = load(REPO_ROOT / ".github/workflows/governance.yml")
    assert set(triggers(workflow)) == {"pull_request", "pull_request_review", "merge_group"}
    gate = workflow["jobs"]["gate"]
    # the job that runs the pull request's code can write nothing
    assert set(gate["permissions"].values()) == {"read"}
    check = next(s for s in gate["steps"] if s.get("id") == "check")
    assert "${{ github.event.pull_request.base.sha" in check["env"]["BASE_SHA"]
    assert '--base "$BASE_SHA"' in check["run"]
    assert "--format sarif=reports/charter.sarif" in check["run"]
    assert "--reviews-from github" in check["run"]
    assert any(s.get("run") == "python -m pip install --disable-pip-version-check '.[all]'"
               for s in gate["steps"])
    assert any(s.get("uses", "").startswith("actions/upload-artifact@")
               and s["with"]["path"] == "reports/" for s in gate["steps"])
    scanning = workflow["jobs"]["code-scanning"]
    assert scanning["permissions"]["security-events"] == "write"
    assert not any("run" in s for s in scanning["steps"])  # runs no code from the PR
    upload = next(s for s in scanning["steps"] if "upload-sarif" in s.get("uses", ""))
    assert upload["with"]["sarif_file"] == "reports/charter.sarif"


def test_reports_and_schedule() -> None:
    workflow = load(REPO_ROOT / ".github/workflows/reports.yml")
    on = triggers(workflow)
    assert on["push"] == {"branches": ["main"]}
    assert on["schedule"][0]["cron"]
    runs = [s.get("run", "") for s in steps(workflow)]
    assert "charter report --out reports/" in runs
    assert any(r.startswith("charter check --all") for r in runs)


def test_monitoring_schedule_proposes_the_ledger_and_tracks_breaches() -> None:
    workflow = load(REPO_ROOT / ".github/workflows/monitor.yml")
    on = triggers(workflow)
    assert on["schedule"][0]["cron"] and "workflow_dispatch" in on
    [job] = workflow["jobs"].values()
    assert job["permissions"] == {"contents": "write", "pull-requests": "write",
                                  "issues": "write"}
    runs = [s.get("run", "") for s in job["steps"]]
    assert 'charter monitor ${AS_OF:+--as-of "$AS_OF"}' in runs
    assert any(r.startswith("charter monitor --github-issues") for r in runs)
    propose = next(r for r in runs if "gh pr create" in r)
    assert "git add -A monitoring/" in propose and 'push --force origin "$LEDGER_BRANCH"' in \
        propose


def test_ci_runs_the_projects_own_gates() -> None:
    workflow = load(REPO_ROOT / ".github/workflows/ci.yml")
    assert "bash .ci/run" in [s.get("run") for s in steps(workflow)]


def test_action_interface() -> None:
    action = load(ACTION)
    assert action["runs"]["using"] == "composite"
    assert {"base", "formats", "reports-directory", "policies-from"} <= set(action["inputs"])
    outputs = {name: spec["value"] for name, spec in action["outputs"].items()}
    assert outputs["verdict"] == "${{ steps.check.outputs.verdict }}"
    assert {"blocking", "warnings", "waived", "errors", "info"} <= set(outputs)


def test_action_installs_the_engine_from_its_own_checkout_with_every_extra() -> None:
    install = next(s for s in steps(load(ACTION)) if s.get("name") == "Install Charter")
    assert install["run"] == ('python -m pip install --disable-pip-version-check '
                              '"$GITHUB_ACTION_PATH[all]"')


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_workflows_install_every_extra(path: Path) -> None:
    installs = [s["run"] for s in steps(load(path)) if "pip install" in s.get("run", "")]
    assert installs, path.name
    for run in installs:
        assert run.endswith(("'.[all]'", "'.[test]'")), run  # test pulls in all


def test_action_script_runs_charter(governed: GitRepo, tmp_path: Path) -> None:
    """The action's own script, with a `charter` on PATH that runs this engine."""
    mixed_change(governed)
    script = next(s for s in steps(load(ACTION)) if s.get("id") == "check")
    shim = tmp_path / "bin" / "charter"
    shim.parent.mkdir()
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m charter "$@"\n')
    shim.chmod(0o755)
    output = tmp_path / "output"
    env = {**os.environ, "PATH": f"{shim.parent}{os.pathsep}{os.environ['PATH']}",
           "PYTHONPATH": str(ENGINE), "NO_COLOR": "1", "GITHUB_ACTIONS": "true",
           "GITHUB_OUTPUT": str(output), "INPUT_BASE": "main", "INPUT_POLICIES_FROM": "base",
           "INPUT_FORMATS": "sarif junit=out/j.xml markdown", "INPUT_REPORTS": "reports",
           "INPUT_REVIEWS_FROM": "", "INPUT_ALL": "false"}
    result = subprocess.run(["bash", "-e", "-c", script["run"]], cwd=governed.root, env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "::error file=models.yaml" in result.stdout
    values = dict(line.split("=", 1) for line in output.read_text().splitlines())
    assert values["verdict"] == "fail"
    assert values["sarif-report"] == "reports/charter.sarif"
    assert json.loads(values["reports"]) == ["reports/charter.sarif", "out/j.xml",
                                             "reports/charter.md"]
    for path in json.loads(values["reports"]):
        assert (governed.root / path).is_file()


def test_pre_commit_hook(governed: GitRepo) -> None:
    hooks = yaml.safe_load((REPO_ROOT / ".pre-commit-hooks.yaml").read_text())
    hook = next(h for h in hooks if h["id"] == "charter-validate")
    assert hook["entry"] == "charter validate" and hook["language"] == "python"
    assert hook["pass_filenames"] is False
    assert "additional_dependencies" not in hook  # pre-commit installs the core only
    files = re.compile(hook["files"])
    assert [p for p in ("models.yaml", "policies/rules.yaml", "policies/tests/a.yaml",
                        "README.md", "engine/models.yaml") if files.search(p)] == [
        "models.yaml", "policies/rules.yaml"]
    run = governed.charter(*hook["entry"].split()[1:])
    assert run.code == 0, run.err
    assert run.out.startswith("models.yaml is valid")
