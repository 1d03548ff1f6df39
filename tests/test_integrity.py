"""Checks beyond the schema, through `charter validate` as a user runs it."""

from __future__ import annotations

import pytest

from conftest import BASIC_INVENTORY, GitRepo


@pytest.mark.parametrize(("old", "new", "expected"), [
    ("training_data: [loans@2024-06]", "training_data: [loanz@2024-06]",
     "dataset 'loanz@2024-06' is not declared (did you mean 'loans@2024-06'?)"),
    ("    owner: risk-analytics\n    risk_tier", "    owner: risk-analytic\n    risk_tier",
     "owner 'risk-analytic' is not a declared team (did you mean 'risk-analytics'?)"),
    ("validation: {by: vera,", "validation: {by: dana,",
     "validator 'dana' is not a member of a validating team"),
    ("date: 2026-06-01", "date: 2026-02-30", "'2026-02-30' is not a real date"),
    ("stage: production", "stage: prod",
     "'prod' is not one of development, staging, production, retired (did you mean "
     "'production'?)"),
    ("          target: defaulted", "          target: default",
     ""),  # no declared columns: nothing to check against
])
def test_integrity_problems_point_at_the_line(repo: GitRepo, old: str, new: str,
                                              expected: str) -> None:
    assert old in BASIC_INVENTORY
    repo.write("models.yaml", BASIC_INVENTORY.replace(old, new))
    run = repo.charter("validate")
    if not expected:
        assert run.code == 0, run.err
        return
    assert run.code == 2
    assert expected in run.err
    line = BASIC_INVENTORY[:BASIC_INVENTORY.index(old)].count("\n") + 1
    assert f"models.yaml:{line}:" in run.err


def test_derived_from_cycle_is_reported(repo: GitRepo) -> None:
    text = BASIC_INVENTORY.replace(
        '      "2024-06": {path: data/loans.csv, created: 2024-06-30}',
        '      "2024-06": {path: data/loans.csv, derived_from: [loans@2024-07]},\n'
        '      "2024-07": {path: data/loans2.csv, derived_from: [loans@2024-06]}')
    repo.write("models.yaml", text)
    run = repo.charter("validate")
    assert run.code == 2
    assert "derived_from forms a cycle: loans@2024-06 -> loans@2024-07 -> loans@2024-06" in (
        run.err)


def test_target_must_be_a_declared_column(repo: GitRepo) -> None:
    text = BASIC_INVENTORY.replace("{path: data/loans.csv,",
                                   "{path: data/loans.csv, columns: [income, default],")
    repo.write("models.yaml", text)
    run = repo.charter("validate")
    assert run.code == 2
    assert "column 'defaulted' is not in dataset loans@2024-06 (did you mean 'default'?)" in (
        run.err)


def test_valid_inventory_summary(repo: GitRepo) -> None:
    repo.write("models.yaml", BASIC_INVENTORY)
    run = repo.charter("validate")
    assert run.code == 0
    assert "1 models, 1 versions, 2 dataset versions" in run.out


def test_validate_works_outside_git(tmp_path: object) -> None:
    from pathlib import Path

    from conftest import run_charter

    folder = Path(str(tmp_path))
    (folder / "models.yaml").write_text(BASIC_INVENTORY)
    run = run_charter(folder, "validate")
    assert run.code == 0, run.err


def test_missing_inventory_is_a_clear_error(repo: GitRepo) -> None:
    run = repo.charter("validate")
    assert run.code == 2
    assert "models.yaml not found" in run.err
