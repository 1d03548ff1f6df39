"""The command line as a user meets it: schemas, explanations, exit codes, lean imports."""

from __future__ import annotations

import json
import subprocess
import sys

from conftest import ENGINE, REPO_ROOT, TODAY, GitRepo, run_charter


def test_schema_prints_valid_json_schemas(repo: GitRepo) -> None:
    for name in ("models", "policies"):
        run = repo.charter("schema", name)
        assert run.code == 0
        schema = json.loads(run.out)
        assert schema["$schema"].startswith("https://json-schema.org/draft/2020-12")
        assert schema["properties"]["charter"] == {"const": 1, **(
            {"description": "Format version of this file."} if name == "models" else {})}


def test_explain_prints_a_rule_in_plain_words(governed: GitRepo) -> None:
    run = governed.charter("explain", "PERF-001")
    assert run.code == 0
    assert "PERF-001: High-risk models reach an AUC of 0.75" in run.out
    assert "Applies to:   every model version where model.risk_tier = 'high'" in run.out
    assert "Requires:     evaluation.metrics.roc_auc ≥ 0.75" in run.out
    assert "SR 11-7 §V" in run.out
    builtin = governed.charter("explain", "LC-001")
    assert "Defined in charter:lifecycle" in builtin.out


def test_explain_suggests_close_rule_ids(governed: GitRepo) -> None:
    run = governed.charter("explain", "PERF-01")
    assert run.code == 2
    assert "did you mean PERF-001?" in run.err


def test_explain_operators_documents_every_operator(repo: GitRepo) -> None:
    run = repo.charter("explain", "--operators")
    for name in ("exists", "equals", "in", "gt", "gte", "lt", "lte", "matches",
                 "max_age_days", "changed", "transition", "count", "all", "any", "not"):
        assert f"  {name} " in run.out


def test_unknown_format_is_bad_input(governed: GitRepo) -> None:
    run = governed.charter("check", "--format", "yaml")
    assert run.code == 2
    assert "unknown format 'yaml'" in run.err


def test_bad_today_is_bad_input(governed: GitRepo) -> None:
    run = governed.charter("check", "--today", "yesterday")
    assert run.code == 2
    assert "is not a date" in run.err


def test_check_does_not_import_heavy_libraries(governed: GitRepo) -> None:
    script = (
        "import sys\n"
        "from charter.cli import _run, cli\n"
        f"sys.argv = ['charter', 'check', '--all', '--evidence', 'none', '--today', '{TODAY}']\n"
        "code = _run(cli)\n"
        "heavy = sorted({m.split('.')[0] for m in sys.modules} & {'pandas', 'sklearn', "
        "'matplotlib', 'weasyprint', 'scipy', 'numpy'})\n"
        "print('HEAVY', heavy, code)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=governed.root,
                            capture_output=True, text=True, env={"PYTHONPATH": str(ENGINE),
                                                                 "PATH": "/usr/bin:/bin"})
    assert "HEAVY [] 0" in result.stdout, result.stdout + result.stderr


def test_this_repository_passes_its_own_gate() -> None:
    run = run_charter(REPO_ROOT, "check", "--all", "--base", "HEAD", "--today", TODAY,
                      "--no-cache")
    assert run.code == 0, run.out + run.err
    assert "PASS" in run.out


def test_internal_errors_are_one_line_without_debug(governed: GitRepo) -> None:
    run = governed.charter("check", "--repo", str(governed.root / "nope"))
    assert run.code == 2
    assert "Traceback" not in run.err
    assert "is not a directory" in run.err


def test_check_outside_git_compares_with_an_empty_base(tmp_path: object) -> None:
    from pathlib import Path

    from conftest import BASIC_INVENTORY

    folder = Path(str(tmp_path))
    (folder / "models.yaml").write_text(BASIC_INVENTORY)
    run = run_charter(folder, "check", "--evidence", "none", "--today", TODAY)
    assert run.code == 0, run.err
    assert "not a git repository: compared with an empty base" in run.out
