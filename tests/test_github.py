"""`charter check` inside a GitHub Actions run, played with a real repository and event file."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from conftest import ENGINE, TODAY, GitRepo, Run
from scenarios import add_policies, change_models, check


def actions_env(repo: GitRepo, tmp_path: Path, head: str, base: str) -> dict[str, str]:
    event = {"action": "synchronize", "number": 12,
             "pull_request": {"number": 12, "user": {"login": "dana"},
                              "head": {"sha": head, "ref": "feature"},
                              "base": {"sha": base, "ref": "main"}},
             "repository": {"full_name": "acme/models"}}
    event_path = tmp_path / "event.json"
    event_path.write_text(json.dumps(event))
    summary = tmp_path / "summary.md"
    summary.write_text("# Earlier step\n")
    return {"GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": "pull_request",
            "GITHUB_EVENT_PATH": str(event_path), "GITHUB_STEP_SUMMARY": str(summary),
            "GITHUB_OUTPUT": str(tmp_path / "output"), "GITHUB_BASE_REF": "main",
            "GITHUB_SHA": head, "GITHUB_REPOSITORY": "acme/models",
            "GITHUB_SERVER_URL": "https://github.com", "GITHUB_RUN_ID": "4242"}


def pull_request(repo: GitRepo) -> tuple[str, str]:
    """A feature branch with one blocking finding, a warning, a note and a waived finding."""
    add_policies(repo)
    base = repo.git("rev-parse", "HEAD")
    repo.git("checkout", "-q", "-b", "feature")
    change_models(repo)
    head = repo.commit("add credit 0.9.0 and 1.1.0")
    return base, head


def outputs(env: dict[str, str]) -> dict[str, str]:
    text = Path(env["GITHUB_OUTPUT"]).read_text()
    return dict(line.split("=", 1) for line in text.splitlines())


def test_a_pull_request_run_annotates_summarises_and_sets_outputs(governed: GitRepo,
                                                                  tmp_path: Path) -> None:
    base, head = pull_request(governed)
    env = actions_env(governed, tmp_path, head, base)
    run = check(governed, "--format", "text", "--format", "sarif=reports/charter.sarif",
                "--format", "junit=reports/charter-junit.xml", env=env)
    assert run.code == 1, run.err
    lines = run.out.splitlines()
    perf_line = next(i for i, text in enumerate(
        (governed.root / "models.yaml").read_text().splitlines(), 1) if "roc_auc: 0.70" in text)
    assert lines[0] == "::group::Charter: fail, 1 blocking, 1 warning, 1 info, 1 waived"
    assert lines[1] == (f"::error file=models.yaml,line={perf_line},endLine={perf_line},col=75,"
                        "endColumn=90,title=PERF-001 (error)%3A High-risk models reach an AUC "
                        "of 0.75::credit@1.1.0: roc_auc 0.7 is below 0.75")
    assert lines[2].startswith("::warning file=models.yaml,line=12,endLine=12,col=3,"
                               "endColumn=10,title=DOC-001 (warning)%3A Models state their "
                               "intended use::credit: Models state their intended use: "
                               "intended_use is absent%0AFix: Describe what")
    assert lines[3].startswith("::notice file=models.yaml,")
    assert "title=DOC-002 (info)" in lines[3]
    assert "title=PERF-001 (waived by W-7)" in lines[4]
    assert lines[5] == "::endgroup::"
    # the human report follows, with workflow commands switched off around it
    stop = re.fullmatch(r"::stop-commands::([0-9a-f]{32})", lines[6])
    assert stop is not None
    assert lines[-1] == f"::{stop.group(1)}::"
    assert lines[7].startswith("charter check: working tree against merge base with main")

    summary = Path(env["GITHUB_STEP_SUMMARY"]).read_text()
    assert summary.startswith("# Earlier step\n## ❌ Charter: fail — 1 blocking finding\n")
    assert (f"| `PERF-001` | `credit@1.1.0` | [models.yaml:{perf_line}](https://github.com/"
            f"acme/models/blob/{head}/models.yaml#L{perf_line}) | credit@1.1.0: roc\\_auc 0.7 "
            "is below 0.75 |") in summary
    assert "### Waivers in use (1)" in summary
    assert ("Written by this check (attached to [this run](https://github.com/acme/models/"
            "actions/runs/4242) as artifacts):") in summary
    assert "- `reports/charter.sarif`\n- `reports/charter-junit.xml`" in summary
    assert "https://github.com/acme/models/security/code-scanning?query=pr%3A12" in summary

    assert outputs(env) == {
        "verdict": "fail", "exit-code": "1", "blocking": "1", "errors": "1", "warnings": "1",
        "info": "1", "waived": "1",
        "reports": '["reports/charter.sarif", "reports/charter-junit.xml"]',
        "sarif-report": "reports/charter.sarif", "junit-report": "reports/charter-junit.xml"}
    assert (governed.root / "reports/charter.sarif").is_file()
    assert (governed.root / "reports/charter-junit.xml").is_file()


def test_a_clean_pull_request_passes_with_outputs(governed: GitRepo, tmp_path: Path) -> None:
    base = governed.git("rev-parse", "HEAD")
    governed.git("checkout", "-q", "-b", "feature")
    text = (governed.root / "models.yaml").read_text()
    governed.write("models.yaml", text.replace("title: Credit default\n",
                                               "title: Credit default risk\n"))
    head = governed.commit("retitle")
    env = actions_env(governed, tmp_path, head, base)
    run = check(governed, "--format", "json=reports/charter.json", env=env)
    assert run.code == 0, run.out + run.err
    assert run.out.splitlines() == [
        "::group::Charter: pass, 0 blocking, 0 warnings, 0 info, 0 waived", "::endgroup::"]
    assert outputs(env)["verdict"] == "pass"
    assert outputs(env)["json-report"] == "reports/charter.json"
    assert "## ✅ Charter: pass" in Path(env["GITHUB_STEP_SUMMARY"]).read_text()


def test_machine_output_on_stdout_stays_parseable(governed: GitRepo, tmp_path: Path) -> None:
    base, head = pull_request(governed)
    env = actions_env(governed, tmp_path, head, base)
    run = check(governed, "--format", "json", env=env)
    assert run.code == 1
    body = run.out.split("\n", 1)[1].rsplit("\n", 2)[0]  # inside the stop-commands markers
    assert json.loads(body)["verdict"] == "fail"
    assert "::error file=models.yaml" in run.err
    assert json.loads(body)["links"]["repository"] == "https://github.com/acme/models"


def test_a_run_that_cannot_decide_says_so_and_exits_2(governed: GitRepo, tmp_path: Path
                                                      ) -> None:
    base = governed.git("rev-parse", "HEAD")
    text = (governed.root / "models.yaml").read_text()
    governed.write("models.yaml", text.replace("risk_tier: high", "risk_teir: high"))
    env = actions_env(governed, tmp_path, base, base)
    run = check(governed, env=env)
    assert run.code == 2
    assert ("::error file=models.yaml,line=15,col=5,title=Charter%3A error::models.yaml:15:5: "
            "$.models.credit.risk_teir: unknown key 'risk_teir'") in run.err
    assert outputs(env) == {"verdict": "error", "exit-code": "2"}
    summary = Path(env["GITHUB_STEP_SUMMARY"]).read_text()
    assert "## ⚠️ Charter: error — the check could not decide" in summary
    assert "unknown key &#x27;risk_teir&#x27;" in summary


def test_no_github_and_outside_actions_print_only_the_report(governed: GitRepo,
                                                             tmp_path: Path) -> None:
    base, head = pull_request(governed)
    env = actions_env(governed, tmp_path, head, base)
    quiet: Run = check(governed, "--no-github", env=env)
    assert quiet.code == 1
    assert "::" not in quiet.out
    assert not Path(env["GITHUB_OUTPUT"]).exists()
    outside = check(governed)
    assert outside.code == 1 and "::" not in outside.out



def test_reporters_and_actions_integration_stay_light(governed: GitRepo, tmp_path: Path
                                                      ) -> None:
    """No pandas, scikit-learn, matplotlib, weasyprint, nor an HTTP client unless asked for."""
    base, head = pull_request(governed)
    env = {**os.environ, **actions_env(governed, tmp_path, head, base), "PYTHONPATH": str(ENGINE)}
    argv = ["charter", "check", "--today", TODAY, "--evidence", "none",
            *(f"--format={name}=reports/out.{name}" for name in ("sarif", "junit", "markdown",
                                                                  "github", "json"))]
    probe = (f"import sys\nsys.argv = {argv!r}\nfrom charter.cli import main\ncode = main()\n"
             "heavy = [m for m in ('pandas', 'sklearn', 'matplotlib', 'weasyprint', "
             "'urllib.request') if m in sys.modules]\nprint('HEAVY', heavy, code)\n")
    result = subprocess.run([sys.executable, "-c", probe], cwd=governed.root, env=env,
                            capture_output=True, text=True, timeout=300)
    assert "HEAVY [] 1" in result.stdout, result.stdout + result.stderr
