"""CLI conventions: colour, verbosity, dates, file outputs, project config, completion."""

from __future__ import annotations

import json
import os
import pty
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ENGINE, TODAY, GitRepo, run_charter
from scenarios import check, mixed_change

ANSI = "\033["
COLOUR_ENV = {"NO_COLOR": "", "FORCE_COLOR": ""}


def test_a_bad_date_names_its_option(governed: GitRepo) -> None:
    run = governed.charter("check", "--today", "2026-13-01")
    assert run.code == 2
    assert ("Invalid value for '--today': '2026-13-01' is not a date (YYYY-MM-DD)"
            in run.err)
    since = governed.charter("history", "--since", "soon")
    assert since.code == 2
    assert "Invalid value for '--since': 'soon' is not a date (YYYY-MM-DD)" in since.err


def test_colour_follows_where_each_text_goes(governed: GitRepo) -> None:
    mixed_change(governed)
    forced = {**COLOUR_ENV, "FORCE_COLOR": "1"}
    check(governed, "--format", "text=out/report.txt", "--format", "json", env=forced)
    assert ANSI not in (governed.root / "out/report.txt").read_text()
    assert check(governed, env=forced).out.count(ANSI) > 0
    always = check(governed, "--color", "always", "--format", "text=out/always.txt",
                   env=COLOUR_ENV)
    assert ANSI in (governed.root / "out/always.txt").read_text()
    assert ANSI in always.out  # always: the verdict line on the pipe too
    assert ANSI not in check(governed, env=COLOUR_ENV).out  # a pipe is not a terminal


@pytest.mark.parametrize(("args", "env", "coloured"), [
    ((), {"NO_COLOR": "1", "FORCE_COLOR": "1"}, False),  # NO_COLOR beats FORCE_COLOR
    (("--color", "always"), {"NO_COLOR": "1"}, True),  # the flag beats NO_COLOR
    (("--color", "never"), {"FORCE_COLOR": "1"}, False),
    (("--color", "auto"), {"FORCE_COLOR": "1"}, True),
])
def test_colour_precedence(governed: GitRepo, args: tuple[str, ...], env: dict[str, str],
                           coloured: bool) -> None:
    run = check(governed, *args, env={**COLOUR_ENV, **env})
    assert (ANSI in run.out) is coloured, run.out


def test_colour_on_a_terminal(governed: GitRepo) -> None:
    main, secondary = pty.openpty()
    env = {**os.environ, "PYTHONPATH": str(ENGINE), "NO_COLOR": "", "FORCE_COLOR": ""}
    process = subprocess.run([sys.executable, "-m", "charter", "check", "--today", TODAY,
                              "--evidence", "none"], cwd=governed.root, stdout=secondary,
                             stderr=subprocess.PIPE, env=env, timeout=120)
    os.close(secondary)
    out = os.read(main, 65536).decode()
    os.close(main)
    assert process.returncode == 0
    assert f"{ANSI}32mPASS" in out


def test_file_only_formats_print_a_verdict_line(governed: GitRepo) -> None:
    mixed_change(governed)
    run = check(governed, "--format", "json=out/result.json")
    assert run.code == 1
    assert run.out == ("FAIL: 1 blocking, 1 warning, 1 info, 1 waived "
                       "(json written to out/result.json)\n")
    quiet = check(governed, "--format", "json=out/result.json", "-q")
    assert quiet.code == 1 and quiet.out == ""


def test_plural_words_agree_with_their_counts(governed: GitRepo) -> None:
    mixed_change(governed)
    run = check(governed)
    assert "FAIL: 1 blocking, 1 warning, 1 info, 1 waived" in run.out
    markdown = check(governed, "--format", "markdown")
    assert "· 1 warning ·" in markdown.out


def test_quiet_verbose_and_debug_work_on_every_command(governed: GitRepo) -> None:
    from charter.cli import cli

    for name in sorted(cli.commands):
        run = governed.charter(name, "-q", "-v", "--debug", "--color", "never", "--help")
        assert run.code == 0, (name, run.err)
        for option in ("-q, --quiet", "-v, --verbose", "--debug", "--color"):
            assert option in run.out, (name, option)
    assert governed.charter("validate", "--debug").code == 0
    assert governed.charter("-q", "validate").code == 0


def test_verbose_says_what_was_written_and_quiet_says_nothing(governed: GitRepo) -> None:
    verbose = check(governed, "-v", "--format", "sarif=out/x.sarif", "--format", "text")
    assert "charter: wrote sarif to out/x.sarif" in verbose.err
    quiet = check(governed, "--quiet")
    assert quiet.code == 0 and quiet.out == "" and quiet.err == ""


def test_output_folders_are_created_only_inside_the_working_directory(
        governed: GitRepo, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere" / "deeper" / "result.json"
    run = check(governed, "--format", f"json={outside}")
    assert run.code == 2
    assert (f"cannot write json output to {outside}: the folder {outside.parent} does not "
            "exist") in run.err
    assert not (tmp_path / "elsewhere").exists()
    inside = check(governed, "--format", "json=reports/nested/result.json")
    assert inside.code == 0, inside.err
    assert json.loads((governed.root / "reports/nested/result.json").read_text())
    (tmp_path / "there").mkdir()
    existing = check(governed, "--format", f"json={tmp_path / 'there' / 'r.json'}")
    assert existing.code == 0 and (tmp_path / "there" / "r.json").is_file()


def test_completion_scripts_complete_commands(governed: GitRepo, tmp_path: Path) -> None:
    shim = tmp_path / "bin" / "charter"
    shim.parent.mkdir()
    shim.write_text(f"#!/bin/sh\nexec {sys.executable} -m charter \"$@\"\n")
    shim.chmod(0o755)
    env = {**os.environ, "PYTHONPATH": str(ENGINE), "PATH": f"{shim.parent}:{os.environ['PATH']}"}
    script = run_charter(governed.root, "completion", "bash")
    assert script.code == 0 and "_charter_completion" in script.out
    (tmp_path / "complete.bash").write_text(script.out)
    bash = subprocess.run(["bash", "-c", f"source {tmp_path / 'complete.bash'}; "
                           "COMP_WORDS=(charter che); COMP_CWORD=1; _charter_completion charter; "
                           "echo \"${COMPREPLY[@]}\""], capture_output=True, text=True,
                          env=env, cwd=governed.root, timeout=60)
    assert bash.stdout.split() == ["check"], bash.stdout + bash.stderr
    options = subprocess.run(["bash", "-c", f"source {tmp_path / 'complete.bash'}; "
                              "COMP_WORDS=(charter check --evid); COMP_CWORD=2; "
                              "_charter_completion charter; echo \"${COMPREPLY[@]}\""],
                             capture_output=True, text=True, env=env, cwd=governed.root,
                             timeout=60)
    assert options.stdout.split() == ["--evidence"], options.stdout + options.stderr
    for shell, marker in (("zsh", "#compdef charter"), ("fish", "complete --no-files "
                                                                "--command charter")):
        run = run_charter(governed.root, "completion", shell)
        assert run.code == 0 and marker in run.out, run.out
    assert run_charter(governed.root, "completion", "tcsh").code == 2


def test_project_config_sets_cli_defaults(governed: GitRepo) -> None:
    governed.write(".charter.yaml", f"""\
        today: {TODAY}
        evidence: none
        formats: [json=out/result.json, text]
        """)
    governed.commit("project settings")  # what judges a change comes from its base
    mixed_change(governed)
    run = governed.charter("check")
    assert run.code == 1, run.err
    document = json.loads((governed.root / "out/result.json").read_text())
    assert document["today"] == TODAY and document["evidence"] == {}
    assert "FAIL: 1 blocking" in run.out
    flag = governed.charter("check", "--today", "2026-01-02", "--format", "json")
    assert json.loads(flag.out)["today"] == "2026-01-02"  # the command line wins
    env = governed.charter("check", env={"CHARTER_TODAY": "2026-02-03"})
    assert json.loads((governed.root / "out/result.json").read_text())["today"] == \
        "2026-02-03", env.err  # the environment beats the file


def test_pyproject_tool_charter_table_and_debug_sources(governed: GitRepo) -> None:
    governed.write("pyproject.toml", f"""\
        [project]
        name = "demo"

        [tool.charter]
        today = "{TODAY}"
        evidence = "none"
        base = "HEAD"
        """)
    governed.commit("project settings")
    run = governed.charter("check", "--debug", "--format", "json",
                           env={"CHARTER_EVIDENCE": "none"})
    assert run.code == 0, run.err
    document = json.loads(run.out)
    assert document["base"]["commit"] == governed.git("rev-parse", "HEAD")
    assert re.search(r"charter: debug: today = '2026-11-27' \(pyproject.toml at merge base "
                     r"with main \([0-9a-f]{10}\):5\)", run.err), run.err
    assert "charter: debug: evidence = 'none' (environment CHARTER_EVIDENCE)" in run.err
    assert "charter: debug: format = ('json',) (command line)" in run.err
    assert "charter: debug: policies_from = 'base' (default)" in run.err


def test_a_change_cannot_choose_what_judges_it(governed: GitRepo) -> None:
    """Settings that decide how a change is judged come from the base revision's file."""
    governed.git("checkout", "-q", "-b", "feature")
    governed.write("policies/rules.yaml", "charter: 1\nrules: {}\n")
    governed.write("models.yaml", (governed.root / "models.yaml").read_text() + """\
      "1.1.0":
        stage: development
        training_data: [loans@2024-06]
        evaluation: {dataset: loans@2024-06, target: defaulted, metrics: {roc_auc: 0.61}}
""")
    governed.write(".charter.yaml", "policies_from: head\nbase: HEAD\ntoday: 2020-01-01\n")
    governed.commit("weaker rules, a weaker model, and settings to pass")
    run = governed.charter("check", "--evidence", "none", "--format", "json")
    assert run.code == 1, run.out + run.err
    document = json.loads(run.out)
    assert document["policies"]["from"] == "base"
    assert document["base"]["commit"] == governed.git("rev-parse", "main")
    assert document["today"] != "2020-01-01"
    assert [f["rule"] for f in document["findings"]] == ["PERF-001"]
    assert (".charter.yaml:1: policies_from 'head' is not the base revision's (unset) and "
            "does not apply") in run.err
    assert ".charter.yaml:3: today '2020-01-01' is not the base revision's" in run.err
    given = governed.charter("check", "--evidence", "none", "--policies-from", "head",
                             "--today", TODAY)
    assert given.code == 0, given.out + given.err  # the command line is the workflow's choice
    governed.git("checkout", "-q", "main")
    governed.git("merge", "-q", "--ff-only", "feature")
    governed.write(".charter.yaml", "policies_from: base\n")
    later = governed.charter("check", "--evidence", "none", "--debug")
    # merged, the settings judge the next change: the working tree's edit does not
    assert "charter: debug: policies_from = 'head' (.charter.yaml at " in later.err, later.err
    assert "charter: debug: today = '2020-01-01' (.charter.yaml at " in later.err


def test_unknown_or_bad_config_keys_are_errors(governed: GitRepo) -> None:
    governed.write(".charter.yaml", "today: 2026-11-27\nevidense: none\n")
    run = governed.charter("check")
    assert run.code == 2
    assert ".charter.yaml:2: unknown key 'evidense' (did you mean 'evidence'?)" in run.err
    governed.write(".charter.yaml", "evidence: some\n")
    bad = governed.charter("check")
    assert bad.code == 2
    assert ".charter.yaml:1:1: evidence: 'some' is not one of 'auto', 'all', 'none'" \
        in bad.err
    (governed.root / ".charter.yaml").unlink()
    governed.write("pyproject.toml", "[tool.charter]\nreport = {page_size = 'a4'}\n"
                   "colour = 'never'\n")
    toml = governed.charter("check")
    assert toml.code == 2
    assert "pyproject.toml:3: unknown key 'colour' (did you mean 'color'?)" in toml.err


def test_config_report_options_and_cache_size(governed: GitRepo) -> None:
    from charter.config import load_config

    governed.write(".charter.yaml", "report: {page_size: letter, evidence: false}\n"
                   "cache_max_mib: 64\ncolor: always\n")
    config = load_config(governed.root)
    assert config.value("report", "page_size") == "letter"
    assert config.cache_max_mib == 64
    assert config.where("cache_max_mib") == ".charter.yaml:2"
    run = governed.charter("check", "--today", TODAY, "--evidence", "none", env=COLOUR_ENV)
    assert ANSI in run.out  # color: always from the file


def test_ev008_names_its_entity_once(repo: GitRepo) -> None:
    import re

    from evidence_helpers import build_demo

    demo = build_demo(repo)
    text = re.sub(r"\{path: data/(\w+)\.csv, sha256: [0-9a-f]+,",
                  r'{uri: "s3://lake/\1.csv",', (demo.root / "models.yaml").read_text())
    demo.repo.write("models.yaml", text)
    run = demo.repo.charter("check", "--evidence", "all", "--base", "none", "--today", TODAY)
    line = next(x for x in run.out.splitlines() if " EV-008 " in x)
    message = line.split(":11  ", 1)[1]
    assert message.count("scorer@1.0.0") == 1, message
    assert message == (
        "scorer@1.0.0: evaluation data loans-holdout@1 cannot be read (s3://lake/holdout.csv: "
        "s3:// is not in settings.allowed_uri_schemes); reference data loans-train@1 cannot be "
        "read (s3://lake/train.csv: s3:// is not in settings.allowed_uri_schemes); current data "
        "loans-live@1 cannot be read (s3://lake/live.csv: s3:// is not in "
        "settings.allowed_uri_schemes)")
