"""'Did you mean …?': suggestions a user can trust, and none that mislead."""

from __future__ import annotations

from pathlib import Path

import pytest

from charter.suggest import closest
from conftest import GitRepo, run_charter

VERSION_KEYS = ["stage", "algorithm", "artifact", "requirements", "retired", "training_data",
                "evaluation", "validation", "deployments", "monitoring"]
RULES = ["EV-001", "EV-002", "PERF-001", "VAL-001", "VAL-002", "LC-001", "SR117-007"]


@pytest.mark.parametrize(("word", "options", "expected"), [
    ("retirement", VERSION_KEYS, "retired"),  # same stem beats a closer edit distance
    ("perf-001", RULES, "PERF-001"),  # case does not hide the rule
    ("NOPE-001", RULES, None),  # sharing "-001" is not resemblance
    ("PERF-01", RULES, "PERF-001"),
    ("VAL-01", RULES, "VAL-001"),
    ("SR117-07", RULES, "SR117-007"),
    ("greater", ["gte", "gt", "lte", "lt", "equals"], "gte"),
    ("risk_teir", ["risk_tier", "owner", "title"], "risk_tier"),
    ("prod", ["development", "staging", "production", "retired"], "production"),
    ("loanz@2024-06", ["loans@2024-06", "credit@2024-06"], "loans@2024-06"),
    ("zzz", ["stage", "owner"], None),
])
def test_closest(word: str, options: list[str], expected: str | None) -> None:
    assert closest(word, options) == expected


def test_a_mistyped_version_key_suggests_the_key_of_the_same_stem(governed: GitRepo) -> None:
    text = (governed.root / "models.yaml").read_text()
    governed.write("models.yaml", text.replace(
        "        deployments:", "        retirement: {date: 2026-07-01}\n        deployments:"))
    run = governed.charter("validate")
    assert run.code == 2
    assert "unknown key 'retirement' (did you mean 'retired'?)" in run.err


def test_explain_accepts_a_rule_id_in_any_case(governed: GitRepo) -> None:
    run = governed.charter("explain", "perf-001")
    assert run.code == 0, run.err
    assert run.out.startswith("PERF-001: High-risk models reach an AUC of 0.75")
    builtin = governed.charter("explain", "lc-001")
    assert builtin.code == 0 and "Defined in charter:lifecycle" in builtin.out


def test_explain_suggests_nothing_for_an_unrelated_id(governed: GitRepo) -> None:
    run = governed.charter("explain", "NOPE-001")
    assert run.code == 2
    assert "no rule 'NOPE-001' in force" in run.err
    assert "did you mean" not in run.err


def test_check_in_an_empty_directory_suggests_init(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    run = run_charter(empty, "check")
    assert run.code == 2
    assert "models.yaml not found" in run.err
    assert "charter init" in run.err


def test_check_names_the_line_indented_wrongly(governed: GitRepo) -> None:
    text = (governed.root / "models.yaml").read_text()
    lines = text.splitlines()
    wrong = next(i for i, line in enumerate(lines) if line == "    owner: risk-analytics")
    lines[wrong] = "  owner: risk-analytics"
    governed.write("models.yaml", "\n".join(lines) + "\n")
    run = governed.charter("check", "--evidence", "none")
    assert run.code == 2
    assert (f"models.yaml:{wrong + 1}:3: YAML syntax error on line {wrong + 2}: mapping values "
            f"are not allowed in this context (check the indentation of line {wrong + 1}: it "
            f"has 2 spaces, line {wrong} has 2 spaces, line {wrong + 2} has 4 spaces)") in run.err
