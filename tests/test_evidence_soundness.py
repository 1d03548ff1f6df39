"""The evidence side of the gate is sound: every promotion into production is compared with
the version it replaces, the artifact's real estimator is compared with its record, and a
fault on the evidence path fails closed (exit 2 or a blocking finding, never a pass)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sklearn.base import BaseEstimator
from sklearn.dummy import DummyClassifier
from sklearn.linear_model import LogisticRegression, RidgeClassifier
from sklearn.metrics import roc_auc_score
from sklearn.naive_bayes import GaussianNB

from conftest import TODAY, GitRepo, Run, without_modules
from evidence_helpers import FEATURES, Demo, add_version, build_demo, line_of, sha256, train


@pytest.fixture
def demo(repo: GitRepo) -> Demo:
    return build_demo(repo)


def check(demo: Demo, *args: str, env: dict[str, str] | None = None) -> Run:
    return demo.repo.charter("check", "--today", TODAY, *args, env=env)


def set_stage(demo: Demo, version: str, old: str, new: str) -> None:
    text = demo.inventory()
    start = text.index(f'"{version}":')
    at = text.index(f"stage: {old}", start)
    demo.repo.write("models.yaml", f"{text[:at]}stage: {new}{text[at + len(old) + 7:]}")


def auc_of(demo: Demo, model: BaseEstimator) -> float:
    scores = model.predict_proba(demo.holdout[FEATURES])[:, 1]  # type: ignore[attr-defined]
    return round(float(roc_auc_score(demo.holdout["defaulted"], scores)), 4)


# --- every promotion into production is compared with the version it replaces -------------

def test_a_worse_version_promoted_from_staging_to_production_is_blocked(demo: Demo) -> None:
    train(demo.repo, "scorer-2.0.0.skops", DummyClassifier(strategy="prior"))
    add_version(demo, "2.0.0", "staging", "models/scorer-2.0.0.skops", metrics={})
    demo.repo.commit("a weaker challenger reached staging")
    set_stage(demo, "2.0.0", "staging", "production")
    run = check(demo)
    assert run.code == 1, run.out + run.err
    line = line_of(demo.inventory(), "stage: production", after='"2.0.0"')
    assert f"EV-102       models.yaml:{line}:" in run.out, run.out
    assert ("scorer@2.0.0: roc_auc 0.5 is worse than scorer@1.0.0, the version it replaces "
            f"({round(demo.roc_auc, 6):g}), by more than the tolerance 0.01") in run.out, run.out


def test_a_version_as_good_as_the_champion_may_be_promoted(demo: Demo) -> None:
    train(demo.repo, "scorer-2.0.0.skops", seed=4)
    add_version(demo, "2.0.0", "staging", "models/scorer-2.0.0.skops", metrics={},
                extra="        monitoring: {reference: loans-train@1, current: loans-live@1, "
                      "every_days: 365}\n")
    demo.repo.commit("a challenger reached staging")
    set_stage(demo, "2.0.0", "staging", "production")
    run = check(demo, "--format", "json")
    assert run.code == 0, run.out + run.err
    document = json.loads(run.out)
    comparison = document["evidence"]["scorer@2.0.0"]["champion_comparison"]
    assert [(c["champion"], c["metric"], c["ok"]) for c in comparison] == [
        ("scorer@1.0.0", "roc_auc", True)]
    assert not [f for f in document["findings"] if f["rule"] == "EV-102"]


def test_a_worse_version_added_directly_at_production_is_compared_too(demo: Demo) -> None:
    train(demo.repo, "scorer-2.0.0.skops", DummyClassifier(strategy="prior"))
    add_version(demo, "2.0.0", "production", "models/scorer-2.0.0.skops", metrics={})
    run = check(demo)
    assert run.code == 1
    assert "LC-001" in run.out and "EV-102" in run.out, run.out


def test_a_champion_that_cannot_be_measured_blocks_the_promotion(demo: Demo) -> None:
    # The challenger reads a hold-out without `region`, which the champion needs.
    demo.holdout.drop(columns=["region"]).to_csv(demo.root / "data/holdout-2.csv", index=False)
    text = demo.inventory().replace("datasets:\n", f"""datasets:
  loans-slim:
    owner: risk
    contains_pii: false
    versions:
      "1": {{path: data/holdout-2.csv, sha256: {sha256(demo.root / "data/holdout-2.csv")}}}
""")
    demo.repo.write("models.yaml", text)
    train(demo.repo, "scorer-2.0.0.skops", features=["income", "debt"])
    add_version(demo, "2.0.0", "staging", "models/scorer-2.0.0.skops", metrics={},
                features=["income", "debt"])
    head, _, tail = demo.inventory().rpartition("dataset: loans-holdout@1")
    demo.repo.write("models.yaml", f"{head}dataset: loans-slim@1{tail}")
    demo.repo.commit("a slimmer challenger reached staging")
    set_stage(demo, "2.0.0", "staging", "production")
    run = check(demo)
    assert run.code == 1, run.out
    assert "EV-102" in run.out
    assert "scorer@2.0.0: cannot compare with scorer@1.0.0, the version it replaces:" in run.out
    assert "no feature column 'region'" in run.out, run.out


# --- the artifact is the model its record describes ----------------------------------------

RECORD = "        algorithm: LogisticRegression\n        parameters: {C: 1, max_iter: 500}\n"


def swap(demo: Demo, estimator: BaseEstimator) -> None:
    """Replace 1.1.0's artifact and update its sha256 and claims so that all else passes."""
    before = sha256(demo.root / "models/scorer-1.1.0.skops")
    old_auc = demo.inventory().rsplit("roc_auc: ", 1)[1].split("}", 1)[0]
    model = train(demo.repo, "scorer-1.1.0.skops", estimator)
    text = demo.inventory().replace(before, sha256(demo.root / "models/scorer-1.1.0.skops"))
    head, _, tail = text.rpartition(f"roc_auc: {old_auc}")
    demo.repo.write("models.yaml", f"{head}roc_auc: {auc_of(demo, model)}{tail}")


@pytest.fixture
def recorded(demo: Demo) -> Demo:
    """`main` holds 1.1.0 in development, a LogisticRegression(C=1, max_iter=500)."""
    model = train(demo.repo, "scorer-1.1.0.skops")
    add_version(demo, "1.1.0", "development", "models/scorer-1.1.0.skops",
                metrics={"roc_auc": auc_of(demo, model)}, extra=RECORD)
    demo.repo.commit("1.1.0 in development")
    return demo


def test_a_faithful_record_passes_and_evidence_reports_the_real_estimator(
        recorded: Demo) -> None:
    run = check(recorded, "--evidence", "all", "--base", "HEAD", "--format", "json")
    assert run.code == 0, run.out + run.err
    facts = json.loads(run.out)["evidence"]["scorer@1.1.0"]["artifact"]
    assert facts["estimator"] == "LogisticRegression"
    assert facts["final_estimator_of"] == "Pipeline"
    assert facts["parameters"]["C"] == 1.0 and facts["parameters"]["max_iter"] == 500
    assert facts["saved_with"]["scikit-learn"] == __import__("sklearn").__version__
    assert facts["saved_with"]["skops"] == __import__("skops").__version__


def test_an_artifact_of_another_estimator_class_is_blocked(recorded: Demo) -> None:
    swap(recorded, GaussianNB())
    run = check(recorded)
    assert run.code == 1, run.out
    line = line_of(recorded.inventory(), "algorithm:", after='"1.1.0"')
    assert f"EV-101       models.yaml:{line}:" in run.out, run.out
    assert ("scorer@1.1.0: algorithm is LogisticRegression in the record, but the artifact "
            "holds a GaussianNB (the final estimator of a Pipeline)") in run.out
    assert "EV-001" not in run.out and "EV-002" not in run.out


def test_an_artifact_with_another_hyperparameter_is_blocked(recorded: Demo) -> None:
    swap(recorded, LogisticRegression(C=0.05, max_iter=500))
    run = check(recorded)
    assert run.code == 1, run.out
    line = line_of(recorded.inventory(), "parameters:", after='"1.1.0"')
    assert f"EV-101       models.yaml:{line}:" in run.out, run.out
    assert "scorer@1.1.0: parameters.C is 1 in the record, but 0.05 in the artifact" in run.out


def test_a_declared_parameter_the_estimator_does_not_have_is_blocked(recorded: Demo) -> None:
    recorded.repo.write("models.yaml", recorded.inventory().replace(
        "{C: 1, max_iter: 500}", "{C: 1, max_iter: 500, n_estimators: 40}"))
    run = check(recorded)
    assert run.code == 1, run.out
    assert "parameters.n_estimators is declared, but the artifact's LogisticRegression has " \
        "no such parameter" in run.out


def test_a_scikit_learn_requirement_the_artifact_was_not_saved_with_is_blocking(
        recorded: Demo) -> None:
    import sklearn

    text = recorded.inventory()
    head, _, tail = text.rpartition(f'scikit-learn: "{sklearn.__version__}"')
    recorded.repo.write("models.yaml", f'{head}scikit-learn: "1.4.0"{tail}')
    run = check(recorded)
    assert run.code == 1, run.out
    line = line_of(recorded.inventory(), "requirements:", after='"1.1.0"')
    assert f"EV-101       models.yaml:{line}:" in run.out, run.out
    assert ("requirements declare scikit-learn 1.4.0 but the artifact was saved with "
            f"{sklearn.__version__}") in run.out


# --- faults on the evidence path fail closed ------------------------------------------------

@pytest.mark.parametrize("module", ["charter.evidence.gate", "sklearn", "skops.io"])
def test_evidence_that_cannot_be_imported_fails_closed(demo: Demo, tmp_path: Path,
                                                       module: str) -> None:
    add_version(demo, "1.1.0", "development", "models/scorer-1.0.0.skops",
                metrics={"roc_auc": 0.99})  # a false claim: evidence would block it
    run = check(demo, env=without_modules(tmp_path, module))
    assert run.code == 2, run.out + run.err
    assert "charter: error: evidence cannot be computed" in run.err, run.err
    assert "--evidence none" in run.err
    assert "internal error" not in run.err and "Traceback" not in run.err


def test_without_evidence_the_gate_still_runs_when_asked_to(demo: Demo, tmp_path: Path) -> None:
    add_version(demo, "1.1.0", "development", "models/scorer-1.0.0.skops")
    run = check(demo, "--evidence", "none", env=without_modules(tmp_path, "sklearn"))
    assert run.code == 0, run.out + run.err


def test_a_claimed_metric_that_cannot_be_measured_blocks(demo: Demo) -> None:
    train(demo.repo, "scorer-1.1.0.skops", RidgeClassifier())  # no probabilities: no AUC
    add_version(demo, "1.1.0", "development", "models/scorer-1.1.0.skops",
                metrics={"roc_auc": 0.99})
    run = check(demo)
    assert run.code == 1, run.out
    line = line_of(demo.inventory(), "metrics:", after='"1.1.0"')
    assert f"EV-002       models.yaml:{line}:" in run.out, run.out
    assert "roc_auc is claimed as 0.99 but cannot be measured: the model gives no " \
        "probability scores" in run.out


def test_claims_without_evaluation_data_are_not_taken_on_trust(demo: Demo) -> None:
    add_version(demo, "1.1.0", "staging", "models/scorer-1.0.0.skops",
                metrics={"roc_auc": 0.99})
    text = demo.inventory()
    head, _, tail = text.rpartition("          dataset: loans-holdout@1\n")
    demo.repo.write("models.yaml", head + tail)
    run = check(demo)
    assert run.code == 1, run.out
    line = line_of(demo.inventory(), "metrics:", after='"1.1.0"')
    assert f"EV-103       models.yaml:{line}:" in run.out, run.out
    assert "scorer@1.1.0: metrics are claimed (roc_auc) but cannot be measured: no " \
        "evaluation.dataset is declared" in run.out, run.out

    set_stage(demo, "1.1.0", "staging", "development")  # a draft may carry draft figures
    assert check(demo).code == 0


def test_monitoring_that_cannot_be_analysed_is_reported(demo: Demo) -> None:
    add_version(demo, "1.1.0", "development", "models/scorer-1.0.0.skops",
                extra="        monitoring: {reference: loans-train@1, current: loans-live@1}\n")
    text = demo.inventory()
    head, _, tail = text.rpartition("        features: [income, debt, region]\n")
    demo.repo.write("models.yaml", head + tail)
    run = check(demo)
    assert "EV-007" in run.out, run.out
    assert "drift cannot be measured: the version declares no `features`" in run.out


# Evidence is measured only where its inputs changed: the scoped check must still report every
# blocking finding that measuring everything newly finds.

def blocking(run: Run) -> set[tuple[str, str]]:
    document = json.loads(run.out)
    return {(f["rule"], f["entity"]) for f in document["findings"]
            if f["severity"] == "error" and not f.get("waived_by")}


@pytest.mark.parametrize("edit", ["sibling", "model-record", "file-behind"])
def test_scoped_evidence_reports_what_measuring_everything_newly_finds(
        demo: Demo, edit: str) -> None:
    before = blocking(check(demo, "--all", "--evidence", "all", "--base", "HEAD", "--head",
                            "HEAD", "--format", "json"))
    text = demo.inventory()
    if edit == "sibling":  # a new development version beside the production one
        train(demo.repo, "scorer-1.1.0.skops", seed=5)
        add_version(demo, "1.1.0", "development", "models/scorer-1.1.0.skops", metrics={})
    elif edit == "model-record":  # the model's own record: every version reads it
        demo.repo.write("models.yaml", text.replace("task: classification",
                                                    "task: regression"))
    else:  # the holdout file rewritten without a word in models.yaml
        (demo.root / "data/holdout.csv").write_text(
            (demo.root / "data/holdout.csv").read_text().replace(",1\n", ",0\n"))
    demo.repo.commit(f"edit: {edit}")
    full = blocking(check(demo, "--all", "--evidence", "all", "--base", "HEAD~1", "--format",
                          "json"))
    scoped = blocking(check(demo, "--base", "HEAD~1", "--format", "json"))
    assert full - before <= scoped, sorted(full - before - scoped)
    if edit != "sibling":  # the edit does make the full check find something new
        assert full - before
