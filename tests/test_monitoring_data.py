"""Monitoring data must be new data: a pull request cannot make old data look current by
registering the same file again under a new version or another dataset's name."""

from __future__ import annotations

import pytest

from conftest import BASIC_INVENTORY, GitRepo
from scenarios import check

OLD = "a1" * 32
NEW = "b2" * 32
DATASET = '      "2024-06": {path: data/loans.csv, created: 2024-06-30}}\n'


@pytest.fixture
def dated(governed: GitRepo) -> GitRepo:
    governed.write("models.yaml", BASIC_INVENTORY.replace(
        DATASET, DATASET.replace("2024-06-30}", f'2024-06-30, sha256: "{OLD}"}}')))
    governed.commit("datasets carry their sha256")
    return governed


def monitor_with(repo: GitRepo, dataset_lines: str, current: str) -> None:
    text = (repo.root / "models.yaml").read_text()
    anchor = "models:\n"
    text = text.replace(anchor, dataset_lines + anchor, 1)
    text = text.replace("current: loans@2024-09", f"current: {current}")
    repo.write("models.yaml", text)


def test_the_same_file_under_a_new_version_and_date_is_blocked(dated: GitRepo) -> None:
    line = f'      "2026-11": {{path: data/new.csv, created: 2026-11-20, sha256: "{OLD}"}}}}\n'
    text = (dated.root / "models.yaml").read_text()
    text = text.replace(f'sha256: "{OLD}"}}}}\n', f'sha256: "{OLD}"}},\n' + line, 1)
    dated.write("models.yaml", text.replace("current: loans@2024-09", "current: loans@2026-11"))
    run = check(dated)
    assert run.code == 1, run.out + run.err
    assert "LC-033" in run.out and "loans@2026-11: created is 2026-11-20, but the same data" \
        in run.out, run.out
    assert "was recorded earlier: loans@" in " ".join(run.out.split()), run.out  # its ids
    assert "LC-034" in run.out, run.out  # the copy of its own reference


def test_the_same_file_under_another_dataset_name_is_blocked(dated: GitRepo) -> None:
    monitor_with(dated, (
        "  loans-live:\n    owner: risk-analytics\n    contains_pii: false\n    versions:\n"
        f'      "2026-11": {{path: data/live.csv, created: 2026-11-20, sha256: "{OLD}"}}\n'),
        "loans-live@2026-11")
    run = check(dated)
    assert run.code == 1, run.out + run.err
    assert "LC-034" in run.out and "holds the same bytes (sha256) as" in run.out, run.out


def test_new_data_passes(dated: GitRepo) -> None:
    monitor_with(dated, (
        "  loans-live:\n    owner: risk-analytics\n    contains_pii: false\n    versions:\n"
        f'      "2026-11": {{path: data/live.csv, created: 2026-11-20, sha256: "{NEW}"}}\n'),
        "loans-live@2026-11")
    run = check(dated)
    assert "LC-033" not in run.out and "LC-034" not in run.out, run.out
