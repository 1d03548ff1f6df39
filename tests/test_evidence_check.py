"""Evidence through `charter check` and `charter evidence`, on real models in real git repos."""

from __future__ import annotations

import json
from pathlib import Path

import joblib
import pandas as pd
import pytest
from sklearn.dummy import DummyClassifier
from sklearn.ensemble import RandomForestClassifier

from conftest import TODAY, GitRepo, Run
from evidence_helpers import Demo, add_version, build_demo, line_of, sha256, train


@pytest.fixture
def demo(repo: GitRepo) -> Demo:
    return build_demo(repo)


def check(demo: Demo, *args: str) -> Run:
    return demo.repo.charter("check", "--today", TODAY, *args)


def evidence_json(demo: Demo, *args: str) -> dict[str, object]:
    run = demo.repo.charter("evidence", "--format", "json", *args)
    assert run.code in (0, 1), run.err
    document: dict[str, object] = json.loads(run.out)
    return document


def test_metrics_are_recomputed_on_a_real_model(demo: Demo) -> None:
    document = evidence_json(demo, "scorer@1.0.0")
    evidence = document["evidence"]["scorer@1.0.0"]  # type: ignore[index]
    assert evidence["metrics"]["roc_auc"] == pytest.approx(demo.roc_auc, abs=1e-6)
    diff = evidence["metric_diffs"]["roc_auc"]
    assert diff["ok"] is True and abs(diff["diff"]) < 1e-4
    assert evidence["integrity"]["artifact"]["ok"] is True
    assert evidence["environment"]["ok"] is True
    assert set(evidence["fairness"]["group"]["groups"]) == {"A", "B"}
    assert evidence["drift"]["reference"] == "loans-train@1"
    assert {r["feature"] for r in evidence["importance"]} == {"income", "debt", "region"}
    assert evidence["problems"] == []


def test_a_clean_change_with_evidence_passes(demo: Demo) -> None:
    train(demo.repo, "scorer-1.1.0.skops", seed=5)
    add_version(demo, "1.1.0", "development", "models/scorer-1.1.0.skops", metrics={})
    run = check(demo)
    assert run.code == 0, run.out + run.err
    assert "evidence for 1 version:" in run.out


def test_a_tampered_claim_is_caught_at_its_line(demo: Demo) -> None:
    add_version(demo, "1.1.0", "development", "models/scorer-1.0.0.skops",
                metrics={"roc_auc": round(demo.roc_auc + 0.05, 4), "accuracy": 0.5})
    run = check(demo)
    assert run.code == 1, run.out
    text = demo.inventory()
    line = line_of(text, "metrics:", after='"1.1.0"')
    assert f"EV-002       models.yaml:{line}:" in run.out
    assert "roc_auc is claimed as" in run.out and "but measures" in run.out


def test_a_tampered_artifact_is_caught_without_touching_models_yaml(demo: Demo) -> None:
    artifact = demo.root / "models/scorer-1.0.0.skops"
    train(demo.repo, "scorer-1.0.0.skops", seed=9)  # swapped behind the record's back
    assert sha256(artifact) not in ("",)
    run = check(demo)
    assert run.code == 1, run.out
    line = line_of(demo.inventory(), "sha256:", after="artifact:")
    assert f"EV-001       models.yaml:{line}:" in run.out
    assert "changed or tampered with?" in run.out


def test_a_truncated_artifact_is_a_clear_finding(demo: Demo) -> None:
    broken = demo.root / "models/scorer-1.1.0.skops"
    broken.write_bytes((demo.root / "models/scorer-1.0.0.skops").read_bytes()[:300])
    add_version(demo, "1.1.0", "development", "models/scorer-1.1.0.skops")
    run = check(demo)
    assert run.code == 1
    assert "EV-001" in run.out and "models/scorer-1.1.0.skops: not a skops file" in run.out
    assert "Traceback" not in run.out + run.err


def test_a_pickle_is_refused_even_when_the_change_trusts_it(demo: Demo) -> None:
    joblib.dump(demo.model, demo.root / "models/scorer-1.1.0.joblib")
    sha = sha256(demo.root / "models/scorer-1.1.0.joblib")
    text = demo.inventory().replace("teams:", f"settings: {{trusted_pickles: [{sha}]}}\nteams:")
    demo.repo.write("models.yaml", text)
    add_version(demo, "1.1.0", "development", "models/scorer-1.1.0.joblib")
    run = check(demo)
    assert run.code == 1, run.out
    assert "EV-001" in run.out
    assert "joblib files can run code when loaded" in run.out
    assert "is not in settings.trusted_pickles of the base revision" in run.out

    demo.repo.commit("trust the pickle (reviewed)")  # now the base trusts it
    reviewed = check(demo, "--base", "HEAD", "--evidence", "all")
    assert reviewed.code == 0, reviewed.out


def test_untrusted_skops_types_are_refused_until_the_base_trusts_them(demo: Demo) -> None:
    train(demo.repo, "scorer-1.1.0.skops", RandomForestClassifier(n_estimators=5, max_depth=3,
                                                                  random_state=0))
    add_version(demo, "1.1.0", "development", "models/scorer-1.1.0.skops", metrics={})
    run = check(demo)
    assert run.code == 1
    assert "refusing to load types that are not trusted: sklearn.tree._tree.Tree" in run.out
    text = demo.inventory()
    demo.repo.write("models.yaml", text.replace(
        "teams:", "settings: {trusted_types: [sklearn.tree._tree.Tree]}\nteams:"))
    run = check(demo)
    assert run.code == 1, "trust granted by the change itself does not count"
    demo.repo.commit("trust trees")
    assert check(demo, "--base", "HEAD", "--evidence", "all").code == 0


def test_champion_challenger_pass(demo: Demo) -> None:
    train(demo.repo, "scorer-1.1.0.skops", seed=4)
    add_version(demo, "1.1.0", "staging", "models/scorer-1.1.0.skops", metrics={})
    run = check(demo, "--format", "json")
    document = json.loads(run.out)
    champion = document["evidence"]["scorer@1.1.0"]["champion"]
    assert champion["id"] == "scorer@1.0.0"
    assert champion["metrics"]["roc_auc"] == pytest.approx(demo.roc_auc, abs=1e-6)
    assert not [f for f in document["findings"] if f["rule"] == "CC-001"], run.out


def test_champion_challenger_fail(demo: Demo) -> None:
    train(demo.repo, "scorer-1.1.0.skops", DummyClassifier(strategy="prior"))
    add_version(demo, "1.1.0", "staging", "models/scorer-1.1.0.skops", metrics={})
    run = check(demo)
    assert run.code == 1
    assert "CC-001" in run.out
    assert f"scorer@1.1.0: roc_auc 0.5 trails the champion ({demo.roc_auc:.6g})" in run.out


BAD_DATA = {
    "missing column": (lambda f: f.drop(columns=["debt"]), "no feature column 'debt'"),
    "missing target": (lambda f: f.drop(columns=["defaulted"]), "no target column 'defaulted'"),
    "wrong dtype": (lambda f: f.assign(income=f["income"].astype(str).where(
        f.index % 7 != 0, "unknown")), "column 'income' should be numeric but has text values"),
    "missing values": (lambda f: f.assign(debt=f["debt"].where(f.index % 5 != 0)),
                       "column 'debt' has 100 missing values"),
    "target not a label": (lambda f: f.assign(defaulted="maybe"),
                           "has values maybe that are not among the model's classes"),
    # readers differ on which `defaulted` they take: pandas the first, Spark neither
    "target twice": (lambda f: pd.concat([f, 1 - f[["defaulted"]]], axis=1),
                     "the header names the target column 'defaulted' more than once"),
}


@pytest.mark.parametrize("case", sorted(BAD_DATA))
def test_bad_evaluation_data_is_a_finding_naming_the_file(demo: Demo, case: str) -> None:
    change, message = BAD_DATA[case]
    change(demo.holdout).to_csv(demo.root / "data/holdout-2.csv", index=False)
    text = demo.inventory().replace("datasets:\n", f"""datasets:
  loans-bad:
    owner: risk
    contains_pii: false
    versions:
      "2": {{path: data/holdout-2.csv, sha256: {sha256(demo.root / 'data/holdout-2.csv')}}}
""")
    demo.repo.write("models.yaml", text)
    add_version(demo, "1.1.0", "development", "models/scorer-1.0.0.skops")
    head, _, tail = demo.inventory().rpartition("dataset: loans-holdout@1")
    demo.repo.write("models.yaml", f"{head}dataset: loans-bad@2{tail}")
    run = check(demo)
    assert run.code == 1, run.out
    assert "EV-003" in run.out
    assert message in run.out, run.out
    assert "data/holdout-2.csv" in run.out or "loans-bad@2" in run.out
    assert "Traceback" not in run.out + run.err


def test_data_hash_mismatch_and_unsupported_format(demo: Demo) -> None:
    with (demo.root / "data/holdout.csv").open("a") as handle:
        handle.write("50,0.3,north,A,0\n")
    (demo.root / "models/scorer-1.1.0.onnx").write_bytes(b"\x08\x01")
    add_version(demo, "1.1.0", "development", "models/scorer-1.1.0.onnx")
    run = check(demo)
    assert run.code == 1, run.out
    assert "EV-005" in run.out and "data/holdout.csv: sha256 is" in run.out
    assert "format 'onnx' cannot be evaluated" in run.out


def test_paths_stay_inside_the_repository_and_uris_need_permission(demo: Demo,
                                                                   tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere.skops"
    outside.write_bytes((demo.root / "models/scorer-1.0.0.skops").read_bytes())
    add_version(demo, "1.1.0", "development", "../elsewhere.skops",
                sha=sha256(outside))
    run = check(demo)
    assert run.code == 1 and "paths must be relative and stay inside the repository" in run.out

    (demo.root / "models/link.skops").symlink_to(outside)
    demo.repo.write("models.yaml", demo.inventory().replace(
        "path: ../elsewhere.skops", "path: models/link.skops"))
    run = check(demo)
    assert run.code == 1 and "models/link.skops: resolves outside the repository" in run.out

    demo.repo.write("models.yaml", demo.inventory().replace(
        "path: models/link.skops", f"uri: 'file://{outside}'"))
    run = check(demo)  # not read, so not verified: reported, but the settings chose this
    assert run.code == 0, run.out
    assert "EV-008" in run.out and "file:// is not in settings.allowed_uri_schemes" in run.out

    demo.repo.write("models.yaml", demo.inventory().replace(
        "teams:", "settings: {allowed_uri_schemes: [file]}\nteams:"))
    demo.repo.commit("allow file URIs")
    assert check(demo, "--base", "HEAD", "--evidence", "all").code == 0


def test_evidence_is_cached_by_content(demo: Demo, tmp_path: Path) -> None:
    env = {"CHARTER_CACHE_DIR": str(tmp_path / "cache")}
    first = demo.repo.charter("evidence", "scorer@1.0.0", "--format", "json", env=env)
    assert "none from the cache" in first.err
    second = demo.repo.charter("evidence", "scorer@1.0.0", "--format", "json", env=env)
    assert "0 steps computed" in second.err
    assert json.loads(first.out) == json.loads(second.out)
    # The second run really reads the cache: a planted value comes back.
    for entry in (tmp_path / "cache" / "evaluation").rglob("*.json"):  # own and champion's
        planted = json.loads(entry.read_text())
        planted["metrics"]["roc_auc"] = 0.123
        entry.write_text(json.dumps(planted))
    third = demo.repo.charter("evidence", "scorer@1.0.0", "--format", "json", env=env)
    assert json.loads(third.out)["evidence"]["scorer@1.0.0"]["metrics"]["roc_auc"] == 0.123
    fresh = demo.repo.charter("evidence", "scorer@1.0.0", "--format", "json", "--no-cache",
                              env=env)
    assert json.loads(fresh.out)["evidence"]["scorer@1.0.0"]["metrics"]["roc_auc"] != 0.123


def test_evidence_text_and_unknown_target(demo: Demo) -> None:
    run = demo.repo.charter("evidence", "scorer")
    assert run.code == 0, run.err
    assert "scorer@1.0.0" in run.out and "fairness: group" in run.out
    assert "demographic parity difference" in run.out
    missing = demo.repo.charter("evidence", "scorr")
    assert missing.code == 2
    assert "no model or version 'scorr' in models.yaml (did you mean 'scorer'?)" in missing.err


def test_check_without_evidence_imports_no_data_science_library(demo: Demo) -> None:
    probe = ("import sys, runpy\n"
             "sys.argv = ['charter', 'check', '--evidence', 'none', '--today', '2026-11-27']\n"
             "from charter.cli import main\n"
             "import charter.evidence.gate, charter.evidence.api\n"
             "code = main()\n"
             "heavy = sorted(m for m in ('pandas', 'sklearn', 'scipy', 'skops')"
             " if m in sys.modules)\n"
             "print('heavy:', heavy)\n")
    import subprocess
    import sys

    from conftest import ENGINE

    result = subprocess.run([sys.executable, "-c", probe], cwd=demo.root, capture_output=True,
                            text=True, env={"PYTHONPATH": str(ENGINE), "PATH": "/usr/bin:/bin"})
    assert "heavy: []" in result.stdout, result.stdout + result.stderr


def test_a_trusted_pickle_cannot_import_code_from_the_repository(demo: Demo) -> None:
    import pickle
    import sys

    demo.repo.write("planted.py", """\
        from pathlib import Path
        Path(__file__).with_name("ran.txt").write_text("code from the repository ran")

        class Model:
            def predict(self, rows):
                return [0] * len(rows)
        """)
    sys.path.insert(0, str(demo.root))
    try:
        import planted

        (demo.root / "models/planted.pkl").write_bytes(pickle.dumps(planted.Model()))
    finally:
        sys.path.remove(str(demo.root))
        sys.modules.pop("planted", None)
    (demo.root / "ran.txt").unlink()
    sha = sha256(demo.root / "models/planted.pkl")
    demo.repo.write("models.yaml", demo.inventory().replace(
        "teams:", f"settings: {{trusted_pickles: [{sha}]}}\nteams:"))
    demo.repo.commit("a reviewer trusted the pickle's hash")
    add_version(demo, "1.1.0", "development", "models/planted.pkl", metrics={})
    run = check(demo, "--base", "HEAD")
    assert run.code == 1, run.out
    assert "No module named 'planted'" in run.out
    assert not (demo.root / "ran.txt").exists()


def test_evidence_of_a_head_ref_is_read_from_git_not_the_checkout(demo: Demo) -> None:
    demo.repo.git("checkout", "-q", "-b", "feature")
    add_version(demo, "1.1.0", "development", "models/scorer-1.0.0.skops",
                metrics={"roc_auc": 0.99})
    demo.repo.commit("overclaim")
    demo.repo.git("checkout", "-q", "main")
    run = check(demo, "--base", "main", "--head", "feature")
    assert run.code == 1, run.out
    assert "EV-002" in run.out and "roc_auc is claimed as 0.99" in run.out


def test_progress_bar_only_on_a_terminal_outside_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    import io
    import sys

    from charter.evidence.progress import wants_progress

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr(sys, "stderr", Terminal())
    monkeypatch.delenv("CI", raising=False)
    assert wants_progress() is True
    monkeypatch.setenv("CI", "true")
    assert wants_progress() is False
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    monkeypatch.delenv("CI", raising=False)
    assert wants_progress() is False


def test_missing_evaluation_data_is_one_finding(demo: Demo) -> None:
    text = demo.inventory().replace("datasets:\n", """datasets:
  loans-gone:
    owner: risk
    contains_pii: false
    versions:
      "1": {path: data/gone.csv}
""")
    demo.repo.write("models.yaml", text)
    add_version(demo, "1.1.0", "staging", "models/scorer-1.0.0.skops")
    head, _, tail = demo.inventory().rpartition("dataset: loans-holdout@1")
    demo.repo.write("models.yaml", f"{head}dataset: loans-gone@1{tail}")
    run = check(demo, "--format", "json")
    findings = [f for f in json.loads(run.out)["findings"] if f["rule"].startswith("EV-")]
    assert [f["rule"] for f in findings] == ["EV-003"], findings
    assert "evaluation data loans-gone@1 cannot be read (data/gone.csv: file not found)" in \
        findings[0]["message"]
    assert findings[0]["line"] == line_of(demo.inventory(), "dataset: loans-gone@1")


def test_a_metric_charter_does_not_know_is_a_warning(demo: Demo) -> None:
    # A requirement the artifact contradicts is blocking: see test_evidence_soundness.py.
    add_version(demo, "1.1.0", "development", "models/scorer-1.0.0.skops",
                metrics={"roc_auc": round(demo.roc_auc, 4), "gini": 0.6})
    run = check(demo)
    assert run.code == 0, run.out
    assert "EV-006" in run.out and "claimed metric 'gini' cannot be measured" in run.out
    assert f"EV-006       models.yaml:{line_of(demo.inventory(), 'gini:', '1.1.0')}" in run.out


def test_the_training_data_registered_as_a_hold_out_is_no_test(demo: Demo) -> None:
    """A copy of the training file under a new dataset name: the claimed AUC, measured on the
    data the model was fitted to, agrees with evidence, and the version still is not tested."""
    from sklearn.metrics import roc_auc_score

    from evidence_helpers import FEATURES, frame

    copy = demo.root / "data" / "holdout-2.csv"
    copy.write_bytes((demo.root / "data" / "train.csv").read_bytes())
    fitted = frame(800, 1)
    inflated = float(roc_auc_score(fitted["defaulted"],
                                   demo.model.predict_proba(fitted[FEATURES])[:, 1]))
    text = demo.inventory().replace("models:\n", (
        "  loans-fresh:\n    owner: risk\n    contains_pii: false\n    versions:\n"
        f'      "1": {{path: data/holdout-2.csv, sha256: {sha256(copy)}, created: 2026-11-02}}\n'
        "models:\n"), 1)
    demo.repo.write("models.yaml", text)
    add_version(demo, "1.1.0", "development", "models/scorer-1.0.0.skops",
                metrics={"roc_auc": round(inflated, 4)})
    (demo.root / "models.yaml").write_text(demo.inventory().replace(
        "dataset: loans-holdout@1", "dataset: loans-fresh@1").replace(
        "dataset: loans-fresh@1", "dataset: loans-holdout@1", 1))
    run = check(demo)
    assert run.code == 1, run.out + run.err
    assert "EV-002" not in run.out  # the claim is what the file measures
    line = line_of(demo.inventory(), "dataset: loans-fresh@1")
    assert (f"EV-003       models.yaml:{line}:" in run.out), run.out
    assert ("scorer@1.1.0: the evaluation data loans-fresh@1 (data/holdout-2.csv) holds the "
            "same bytes as the training data loans-train@1 (data/train.csv): metrics measured "
            "on it test nothing") in run.out
