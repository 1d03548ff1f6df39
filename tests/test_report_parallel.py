"""Reports rendered in several processes are the same bytes as reports rendered in one."""

from __future__ import annotations

import shutil
from pathlib import Path

from charter.report.build import build_reports
from charter.report.dossier import dossier_job
from charter.report.facts import gather_facts
from charter.report.inventory_report import inventory_job
from charter.report.lineage_report import lineage_job
from conftest import REPO_ROOT, GitRepo


def test_parallel_reports_are_the_bytes_of_serial_ones(repo: GitRepo, tmp_path: Path) -> None:
    shutil.copy(REPO_ROOT / "models.yaml", repo.root / "models.yaml")
    shutil.copytree(REPO_ROOT / "policies", repo.root / "policies")
    repo.commit("the example", date="2026-11-20T10:00:00+00:00")
    facts = gather_facts(repo.root, evidence=False)
    jobs = [dossier_job(facts, "marketing-propensity"), inventory_job(facts),
            lineage_job(facts)]
    assert jobs[0].charts  # the chart library is loaded before the workers fork
    serial = build_reports(jobs, tmp_path / "serial", facts.commit, workers=1)
    parallel = build_reports(jobs, tmp_path / "parallel", facts.commit, workers=3)
    assert [(w.path, w.sha256) for w in serial] == [(w.path, w.sha256) for w in parallel]
    assert len({w.sha256 for w in serial}) == 3
