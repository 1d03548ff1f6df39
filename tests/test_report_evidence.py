"""The dossier with evidence: metrics, fairness, importance and drift measured for real with
scikit-learn on generated data, in the shape the evidence engine produces."""

from __future__ import annotations

import dataclasses
import importlib.util
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from pypdf import PdfReader
from scipy import stats
from sklearn.inspection import permutation_importance
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, roc_auc_score

from charter.report.dossier import dossier_job
from charter.report.facts import Optional, gather_facts
from charter.report.pdf import format_number, render_pdf
from conftest import REPO_ROOT, GitRepo
from report_helpers import pdf_text, squash

FEATURES = ["income", "debt_ratio", "tenure"]


def _psi(reference: np.ndarray, current: np.ndarray) -> float:
    edges = np.quantile(reference, np.linspace(0, 1, 11))
    edges[0], edges[-1] = -np.inf, np.inf
    ref = np.histogram(reference, edges)[0] / len(reference) + 1e-6
    cur = np.histogram(current, edges)[0] / len(current) + 1e-6
    return float(np.sum((cur - ref) * np.log(cur / ref)))


def measured_evidence(claimed_auc: float) -> dict[str, Any]:
    rng = np.random.default_rng(7)
    x = rng.normal(size=(1200, 3))
    sex = rng.choice(["F", "M"], size=1200)
    y = (x[:, 0] - 0.8 * x[:, 1] + 0.3 * (sex == "M") + rng.normal(scale=0.8, size=1200)) > 0
    model = LogisticRegression().fit(x[:800], y[:800])
    test_x, test_y, test_sex = x[800:], y[800:], sex[800:]
    scores = model.predict_proba(test_x)[:, 1]
    predicted = scores >= 0.5
    auc = float(roc_auc_score(test_y, scores))
    groups = {}
    for group in ("F", "M"):
        mask = test_sex == group
        positives, negatives = mask & test_y, mask & ~test_y
        groups[group] = {"selection_rate": float(predicted[mask].mean()),
                         "tpr": float(predicted[positives].mean()),
                         "fpr": float(predicted[negatives].mean()),
                         "accuracy": float((predicted[mask] == test_y[mask]).mean()),
                         "count": int(mask.sum())}
    rates = [g["selection_rate"] for g in groups.values()]
    importance = permutation_importance(model, test_x, test_y, n_repeats=5, random_state=0)
    current = x[800:] + np.array([0.6, 0.0, 0.0])  # income shifted: drift on one feature
    drift = {}
    for i, name in enumerate(FEATURES):
        ks = stats.ks_2samp(x[:800, i], current[:, i])
        psi = _psi(x[:800, i], current[:, i])
        drift[name] = {"psi": psi, "ks": float(ks.statistic), "ks_pvalue": float(ks.pvalue),
                       "drifted": psi > 0.2}
    return {
        "metrics": {"roc_auc": auc, "accuracy": float(accuracy_score(test_y, predicted))},
        "claimed": {"roc_auc": claimed_auc},
        "metric_diffs": {"roc_auc": {"claimed": claimed_auc, "measured": auc,
                                     "diff": auc - claimed_auc,
                                     "ok": abs(auc - claimed_auc) <= 0.005}},
        "champion": None,
        "fairness": {"sex": {"groups": groups,
                             "demographic_parity_difference": max(rates) - min(rates),
                             "demographic_parity_ratio": min(rates) / max(rates),
                             "equalized_odds_difference": abs(groups["F"]["tpr"]
                                                              - groups["M"]["tpr"])}},
        "drift": {"reference": "loans@2024-06", "current": "loans@2024-06",
                  "features": drift,
                  "share_drifted": sum(d["drifted"] for d in drift.values()) / len(drift)},
        "importance": sorted(({"feature": name, "mean": float(m), "std": float(s)}
                              for name, m, s in zip(FEATURES, importance.importances_mean,
                                                    importance.importances_std, strict=True)),
                             key=lambda i: -i["mean"]),
        "environment": {"recorded": {"scikit-learn": "1.5.2"}, "declared": {},
                        "running": {"scikit-learn": "1.5.2"}, "ok": True},
        "integrity": {"artifact": "sha256 matches"},
        "problems": [],
    }


def test_dossier_shows_measured_metrics_fairness_importance_and_drift(
        governed: GitRepo, tmp_path: Path) -> None:
    evidence = measured_evidence(claimed_auc=0.81)
    facts = gather_facts(governed.root, evidence=False)
    facts = dataclasses.replace(facts, evidence=Optional({"credit@1.0.0": evidence}))
    pdf, refused = render_pdf(dossier_job(facts, "credit"))
    assert refused == []
    target = tmp_path / "dossier.pdf"
    target.write_bytes(pdf)
    text = pdf_text(target)
    flat = squash(text)
    assert format_number(evidence["metrics"]["roc_auc"]) in text
    assert format_number(evidence["metric_diffs"]["roc_auc"]["diff"]) in text
    sex = evidence["fairness"]["sex"]
    assert format_number(sex["groups"]["F"]["selection_rate"]) in text
    assert format_number(sex["demographic_parity_difference"]) in text
    top = evidence["importance"][0]
    assert squash(f"{top['feature']}{format_number(top['mean'])}") in flat
    assert format_number(evidence["drift"]["features"]["income"]["psi"]) in text
    assert "Features drifted: 1 of 3" in text
    assert "not available in this run" not in text.split("Evidence")[0]
    attached = json.loads(PdfReader(str(target)).attachments["evidence.json"][0])
    assert attached["available"] is True
    assert attached["evidence"]["credit@1.0.0"]["metrics"]["roc_auc"] == pytest.approx(
        evidence["metrics"]["roc_auc"])


@pytest.mark.skipif(importlib.util.find_spec("charter.evidence") is None,
                    reason="the evidence engine (charter.evidence) is not in this build")
def test_dossier_of_the_example_with_the_evidence_engine(repo: GitRepo) -> None:
    import shutil

    for name in ("models.yaml", "policies", "examples"):
        source = REPO_ROOT / name
        (shutil.copytree if source.is_dir() else shutil.copy)(source, repo.root / name)
    repo.commit("the governed example")
    run = repo.charter("report", "credit-default", "--out", "out")
    assert run.code == 0, run.err
    text = pdf_text(repo.root / "out" / "dossier-credit-default.pdf")
    for fact in ("Within tolerance", "Champion credit-default@2.1.0 on the same data",
                 "Features drifted", "Demographic parity", "found the same"):
        assert fact in text, fact
    assert "not available in this run" not in text


def test_dossier_and_inventory_show_the_git_history_when_it_is_available(
        governed: GitRepo, tmp_path: Path) -> None:
    from charter.report.inventory_report import inventory_job

    text = (governed.root / "models.yaml").read_text()
    governed.write("models.yaml", text + """\
  scorecard:
    title: Legacy scorecard
    owner: risk-analytics
    risk_tier: medium
    purpose: Retired scoring
    versions:
      "0.1.0": {stage: development}
""")
    governed.commit("add scorecard")
    facts = gather_facts(governed.root, evidence=False)
    events = [{"commit": "a" * 40, "author": "Dana Scientist", "date": "2026-06-02T09:00:00Z",
               "message": "Promote credit 1.0.0", "pr": 42, "model": "credit",
               "version": "1.0.0", "kind": "stage", "detail": "promoted after validation",
               "stage_from": "staging", "stage_to": "production", "verdict": "pass",
               "policy_digest": "f" * 64, "violations": []}]
    timeline = {"events": events, "unreadable": [],
                "ever_in_production": ["credit", "scorecard"]}
    facts = dataclasses.replace(facts, timeline=Optional(timeline))
    dossier = tmp_path / "dossier.pdf"
    dossier.write_bytes(render_pdf(dossier_job(facts, "credit"))[0])
    text = pdf_text(dossier)
    assert "Dana Scientist" in text and "PR 42" in text
    assert "staging → production" in text
    assert "History from git" not in text
    inventory = tmp_path / "inventory.pdf"
    inventory.write_bytes(render_pdf(inventory_job(facts))[0])
    summary = json.loads(PdfReader(str(inventory)).attachments["inventory-summary.json"][0])
    assert [m["id"] for m in summary["models"]] == ["credit", "scorecard"]
    assert "scorecard" in squash(pdf_text(inventory))
