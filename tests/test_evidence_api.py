"""compute_evidence, as reports call it: the work tree, or one commit's files."""

from __future__ import annotations

import yaml

from charter.evidence.api import compute_evidence
from conftest import GitRepo
from evidence_helpers import build_demo, train


def test_compute_evidence_reads_the_work_tree_or_a_commit(repo: GitRepo) -> None:
    demo = build_demo(repo)
    commit = repo.git("rev-parse", "HEAD")
    inventory = yaml.safe_load(demo.inventory())
    train(repo, "scorer-1.0.0.skops", seed=9)  # the work tree now differs from the commit
    tree = compute_evidence(repo.root, inventory, ["scorer@1.0.0"], use_cache=False)
    assert tree["scorer@1.0.0"]["integrity"]["artifact"]["ok"] is False
    recorded = compute_evidence(repo.root, inventory, ["scorer@1.0.0"], use_cache=False,
                                commit=commit)
    evidence = recorded["scorer@1.0.0"]
    assert evidence["integrity"]["artifact"]["ok"] is True
    assert evidence["problems"] == []
    assert abs(evidence["metrics"]["roc_auc"] - demo.roc_auc) < 1e-6
