"""SARIF as GitHub code scanning reads it, checked against the official 2.1.0 schema."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from conftest import OFFICIAL_SCHEMAS, GitRepo
from scenarios import check, mixed_change

SARIF_SCHEMA = OFFICIAL_SCHEMAS / "sarif-schema-2.1.0.json"


def sarif_of(repo: GitRepo, *args: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    run = check(repo, "--format", "sarif=reports/charter.sarif", *args, env=env)
    assert run.code in (0, 1), run.err
    log: dict[str, Any] = json.loads((repo.root / "reports/charter.sarif").read_text())
    return log


def results_by_subject(log: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(r["ruleId"], r["properties"]["entity"]): r for r in log["runs"][0]["results"]}


def test_sarif_is_valid_against_the_official_schema(governed: GitRepo) -> None:
    from jsonschema import Draft4Validator

    mixed_change(governed)
    log = sarif_of(governed)
    schema = json.loads(SARIF_SCHEMA.read_text())
    validator = Draft4Validator(schema, format_checker=Draft4Validator.FORMAT_CHECKER)
    errors = sorted(validator.iter_errors(log), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:5])


def test_rules_carry_what_code_scanning_shows(governed: GitRepo) -> None:
    mixed_change(governed)
    driver = sarif_of(governed)["runs"][0]["tool"]["driver"]
    assert driver["name"] == "Charter"
    rules = {r["id"]: r for r in driver["rules"]}
    assert {"PERF-001", "VAL-001", "DOC-001", "DOC-002", "LC-001", "CHARTER-W001",
            "CHARTER-R001"} <= set(rules)
    perf = rules["PERF-001"]
    assert perf["shortDescription"]["text"] == "High-risk models reach an AUC of 0.75"
    assert perf["fullDescription"]["text"]
    assert "Requires:     evaluation.metrics.roc_auc ≥ 0.75" in perf["help"]["text"]
    assert "- Requires: evaluation.metrics.roc_auc ≥ 0.75" in perf["help"]["markdown"]
    assert perf["defaultConfiguration"]["level"] == "error"
    assert perf["properties"]["security-severity"] == "8.0"
    assert "model-governance" in perf["properties"]["tags"]
    assert rules["DOC-001"]["defaultConfiguration"]["level"] == "warning"
    assert rules["DOC-001"]["properties"]["tags"] == ["documentation", "model-governance"]
    assert rules["DOC-002"]["defaultConfiguration"]["level"] == "note"
    assert rules["DOC-002"]["helpUri"] == "https://example.com/rules/doc-002"


def test_results_point_at_the_line_and_waivers_are_suppressions(governed: GitRepo) -> None:
    mixed_change(governed)
    log = sarif_of(governed)
    run = log["runs"][0]
    assert run["automationDetails"]["id"] == "charter/changed/"
    results = results_by_subject(log)
    blocking = results[("PERF-001", "credit@1.1.0")]
    assert blocking["level"] == "error"
    assert blocking["message"]["text"] == "credit@1.1.0: roc_auc 0.7 is below 0.75"
    location = blocking["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "models.yaml"
    lines = (governed.root / "models.yaml").read_text().splitlines()
    region = location["region"]
    line = lines[region["startLine"] - 1]
    assert line[region["startColumn"] - 1:region["endColumn"] - 1] == "roc_auc: 0.70}}"
    assert region["endLine"] == region["startLine"]
    assert "suppressions" not in blocking
    rule_ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert rule_ids[blocking["ruleIndex"]] == "PERF-001"

    waived = results[("PERF-001", "credit@0.9.0")]
    assert waived["suppressions"] == [{
        "kind": "external", "status": "accepted",
        "justification": "W-7: Prototype only, never deployed; 100% accepted by model risk, "
                         "see MR-12. (approved by vera, expires 2027-03-31)",
        "properties": {"waiver": "W-7", "approvedBy": "vera", "expires": "2027-03-31"}}]
    assert results[("DOC-001", "credit")]["level"] == "warning"
    assert results[("DOC-002", "credit@0.9.0")]["level"] == "note"
    assert run["invocations"][0]["exitCode"] == 1
    assert run["properties"]["verdict"] == "fail"


def test_fingerprints_survive_unrelated_lines_moving(governed: GitRepo) -> None:
    mixed_change(governed)
    before = results_by_subject(sarif_of(governed))
    text = (governed.root / "models.yaml").read_text()
    governed.write("models.yaml", text.replace("datasets:\n", "# the data we use\n"
                                               "# kept in the lake\ndatasets:\n"))
    after = results_by_subject(sarif_of(governed))
    assert set(before) == set(after)
    for subject, result in before.items():
        moved = after[subject]
        assert moved["partialFingerprints"] == result["partialFingerprints"]
        start = result["locations"][0]["physicalLocation"]["region"]["startLine"]
        assert moved["locations"][0]["physicalLocation"]["region"]["startLine"] == start + 2
    prints = [r["partialFingerprints"]["charterFinding/v1"] for r in after.values()]
    assert len(set(prints)) == len(prints)


def test_in_github_actions_rules_link_to_their_definition(governed: GitRepo,
                                                          tmp_path: Path) -> None:
    mixed_change(governed)
    base = governed.git("rev-parse", "HEAD")
    env = {"GITHUB_ACTIONS": "true", "GITHUB_REPOSITORY": "acme/models",
           "GITHUB_SERVER_URL": "https://github.example.com",
           "GITHUB_OUTPUT": str(tmp_path / "out"), "GITHUB_STEP_SUMMARY": str(tmp_path / "sum")}
    rules = {r["id"]: r for r in sarif_of(governed, "--base", base, env=env)[
        "runs"][0]["tool"]["driver"]["rules"]}
    assert rules["PERF-001"]["helpUri"] == (
        f"https://github.example.com/acme/models/blob/{base}/policies/rules.yaml#L10")
    assert rules["DOC-002"]["helpUri"] == "https://example.com/rules/doc-002"
