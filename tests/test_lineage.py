"""`charter lineage`: the graph, --impacted-by, and exports validated against the official
OpenLineage spec and CycloneDX 1.6."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from charter.lineage import build_lineage, downstream, to_cyclonedx, to_dot
from charter.source.yamlsource import load_yaml_text
from conftest import BASIC_POLICIES, OFFICIAL_SCHEMAS, GitRepo

LINEAGE_INVENTORY = """\
charter: 1
teams:
  ds: {members: [dana]}
  data-eng: {members: [kim]}
  model-risk: {members: [vera], validates: true}
datasets:
  raw-loans:
    owner: data-eng
    contains_pii: true
    pii_columns: [customer_id]
    source_system: core-banking
    versions:
      "2024-06": {path: data/raw.csv, sha256: "AAA", columns: [customer_id, income, y]}
  loans:
    owner: ds
    contains_pii: false
    versions:
      "2024-06": {path: data/loans.csv, sha256: "BBB", columns: [income, sex, y],
                  derived_from: [raw-loans@2024-06]}
  holdout:
    owner: ds
    contains_pii: false
    versions:
      "2024-06": {uri: "s3://bank-data/holdout/2024-06.parquet", sha256: "CCC",
                  derived_from: [raw-loans@2024-06]}
  weather:
    owner: data-eng
    contains_pii: false
    source_system: met-office
    versions:
      "2024-01": {path: data/weather.csv}
models:
  credit:
    title: Credit default
    owner: ds
    risk_tier: high
    purpose: Price loans by default risk
    limitations: Not for business loans
    task: classification
    versions:
      "1.0.0":
        stage: retired
        training_data: [loans@2024-06]
        evaluation: {dataset: holdout@2024-06, target: y, metrics: {roc_auc: 0.8}}
        deployments: [{target: scoring-api, since: 2024-07-01, until: 2024-09-01}]
      "1.1.0":
        stage: production
        algorithm: GradientBoostingClassifier
        artifact: {path: models/credit-1.1.0.skops, sha256: "DDD"}
        training_data: [loans@2024-06]
        evaluation: {dataset: holdout@2024-06, target: y, metrics: {roc_auc: 0.83},
                     sensitive_features: [sex]}
        deployments: [{target: scoring-api, since: 2024-09-01, traffic: 100}]
  footfall:
    title: Footfall forecast
    owner: ds
    risk_tier: low
    versions:
      "0.1.0":
        stage: development
        training_data: [weather@2024-01]
"""
for _letter in "abcd":
    LINEAGE_INVENTORY = LINEAGE_INVENTORY.replace(_letter.upper() * 3, _letter * 64)


def inventory() -> dict[str, Any]:
    data: dict[str, Any] = load_yaml_text(LINEAGE_INVENTORY, "models.yaml").data
    return data


@pytest.fixture
def lineage_repo(repo: GitRepo) -> GitRepo:
    repo.write("models.yaml", LINEAGE_INVENTORY)
    repo.write("policies/rules.yaml", BASIC_POLICIES)
    repo.git("remote", "add", "origin", "git@github.com:acme/models.git")
    repo.commit("inventory")
    return repo


def test_graph_nodes_and_edges() -> None:
    graph = build_lineage(inventory())
    assert graph.nodes["dataset:loans@2024-06"]["kind"] == "dataset"
    assert graph.nodes["version:credit@1.1.0"]["label"] == "credit@1.1.0"
    assert graph.nodes["deployment:credit@1.1.0:scoring-api"]["kind"] == "deployment"
    relations = {(a, b): d["relation"] for a, b, d in graph.edges(data=True)}
    assert relations[("dataset:raw-loans@2024-06", "dataset:loans@2024-06")] == "derived_from"
    assert relations[("dataset:loans@2024-06", "version:credit@1.1.0")] == "trained_on"
    assert relations[("dataset:holdout@2024-06", "version:credit@1.1.0")] == "evaluated_on"
    assert relations[("version:credit@1.1.0", "version:credit@1.0.0")] == "supersedes"
    assert graph.edges["version:credit@1.1.0", "version:credit@1.0.0"]["inferred"] is True


def test_impacted_by_a_raw_dataset_follows_derived_data_to_deployments() -> None:
    graph = build_lineage(inventory())
    assert downstream(graph, "raw-loans@2024-06") == [
        "dataset:holdout@2024-06", "dataset:loans@2024-06",
        "version:credit@1.0.0", "version:credit@1.1.0",
        "deployment:credit@1.0.0:scoring-api", "deployment:credit@1.1.0:scoring-api"]
    assert downstream(graph, "weather") == ["version:footfall@0.1.0"]


def test_impacted_by_on_the_command_line(lineage_repo: GitRepo) -> None:
    run = lineage_repo.charter("lineage", "--impacted-by", "loans@2024-06")
    assert run.code == 0, run.err
    assert run.out.splitlines() == [
        "Downstream of loans@2024-06: 4",
        "  version    credit@1.0.0 (retired)",
        "  version    credit@1.1.0 (production)",
        "  deployment scoring-api of credit@1.0.0",
        "  deployment scoring-api of credit@1.1.0",
    ]
    run = lineage_repo.charter("lineage", "--impacted-by", "nope@1")
    assert run.code == 2
    assert "dataset 'nope@1' is not in the inventory" in run.err


def test_dot_is_deterministic_and_quoted() -> None:
    dot = to_dot(build_lineage(inventory()))
    assert dot == to_dot(build_lineage(inventory()))
    assert dot.startswith("digraph lineage {")
    assert ('"dataset:loans@2024-06" -> "version:credit@1.1.0" [label="trained_on"];'
            in dot)
    assert '[label="supersedes", style=dashed]' in dot


def test_text_and_json_formats(lineage_repo: GitRepo) -> None:
    run = lineage_repo.charter("lineage")
    assert run.code == 0, run.err
    assert run.out.splitlines()[:3] == ["dataset raw-loans@2024-06",
                                        "  dataset holdout@2024-06",
                                        "    version credit@1.0.0 (retired)"]
    document = json.loads(lineage_repo.charter("lineage", "--format", "json").out)
    assert {n["kind"] for n in document["nodes"]} == {"dataset", "version", "deployment"}


def _openlineage_validators() -> tuple[Any, dict[str, Any]]:
    from jsonschema import Draft202012Validator
    from referencing import Registry, Resource

    folder = OFFICIAL_SCHEMAS / "openlineage"
    documents = [json.loads(p.read_text()) for p in
                 [folder / "OpenLineage.json", *sorted((folder / "facets").glob("*.json"))]]
    registry: Registry[Any] = Registry().with_resources(
        (d["$id"], Resource.from_contents(d)) for d in documents)
    checker = Draft202012Validator.FORMAT_CHECKER
    core = Draft202012Validator(documents[0], registry=registry, format_checker=checker)
    facets = {name: Draft202012Validator({"$ref": f"{d['$id']}#/properties/{name}"},
                                         registry=registry, format_checker=checker)
              for d in documents[1:] for name in d.get("properties", {})}
    return core, facets


def _messages(error: Any) -> list[str]:
    """An error and, for oneOf/allOf, the errors of its branches."""
    return [error.message] + [m for sub in error.context or [] for m in _messages(sub)]


def openlineage_errors(event: dict[str, Any]) -> list[str]:
    core, facets = _openlineage_validators()
    errors = [m for e in core.iter_errors(event) for m in _messages(e)]
    named = list(event["job"].get("facets", {}).items())
    for dataset in event.get("inputs", []) + event.get("outputs", []):
        named += list(dataset.get("facets", {}).items())
    for name, facet in named:
        errors += [f"{name}: {e.message}" for e in facets[name].iter_errors(facet)]
    return errors


def test_openlineage_events_are_valid_against_the_official_spec(lineage_repo: GitRepo
                                                                ) -> None:
    run = lineage_repo.charter("lineage", "--format", "openlineage")
    assert run.code == 0, run.err
    events = [json.loads(line) for line in run.out.splitlines()]
    jobs = sorted(e["job"]["name"] for e in events)
    assert jobs == ["credit.evaluate", "credit.evaluate", "credit.train", "credit.train",
                    "footfall.train"]
    for event in events:
        assert openlineage_errors(event) == []
    head = lineage_repo.git("rev-parse", "HEAD")
    train = next(e for e in events if e["job"]["name"] == "credit.train"
                 and e["outputs"][0]["facets"]["version"]["datasetVersion"] == "1.1.0")
    location = train["job"]["facets"]["sourceCodeLocation"]
    assert location["url"] == f"https://github.com/acme/models/blob/{head}/models.yaml"
    assert location["version"] == head
    assert train["inputs"][0]["name"] == "data/loans.csv"
    assert train["inputs"][0]["facets"]["version"]["datasetVersion"] == "2024-06"
    evaluate = next(e for e in events if e["job"]["name"] == "credit.evaluate")
    assert evaluate["inputs"][0]["namespace"] == "s3://bank-data"
    assert evaluate["inputs"][0]["name"] == "/holdout/2024-06.parquet"


def test_openlineage_validation_catches_a_broken_event(lineage_repo: GitRepo) -> None:
    run = lineage_repo.charter("lineage", "--format", "openlineage")
    event = json.loads(run.out.splitlines()[0])
    del event["run"]["runId"]
    del event["job"]["facets"]["sourceCodeLocation"]["url"]
    errors = openlineage_errors(event)
    assert any("runId" in e for e in errors)
    assert any(e.startswith("sourceCodeLocation:") and "url" in e for e in errors)


def cyclonedx_errors(document: dict[str, Any]) -> Any:
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator

    validator = JsonStrictValidator(SchemaVersion.V1_6)
    return validator.validate_str(json.dumps(document))


def test_cyclonedx_ml_bom_is_valid_1_6(lineage_repo: GitRepo) -> None:
    run = lineage_repo.charter("lineage", "--format", "cyclonedx")
    assert run.code == 0, run.err
    bom = json.loads(run.out)
    assert cyclonedx_errors(bom) is None
    models = {c["bom-ref"]: c for c in bom["components"]
              if c["type"] == "machine-learning-model"}
    card = models["version:credit@1.1.0"]["modelCard"]
    assert card["quantitativeAnalysis"]["performanceMetrics"] == [
        {"type": "roc_auc", "value": "0.83",
         "slice": "holdout@2024-06 (declared by the author)"}]
    assert card["modelParameters"]["datasets"] == [{"ref": "dataset:holdout@2024-06"},
                                                   {"ref": "dataset:loans@2024-06"}]
    assert card["considerations"]["fairnessAssessments"][0]["groupAtRisk"] == "groups by sex"
    assert models["version:credit@1.1.0"]["hashes"] == [{"alg": "SHA-256",
                                                         "content": "d" * 64}]
    data = {c["bom-ref"]: c for c in bom["components"] if c["type"] == "data"}
    assert data["dataset:raw-loans@2024-06"]["data"][0]["sensitiveData"] == ["customer_id"]
    depends = {d["ref"]: d["dependsOn"] for d in bom["dependencies"]}
    assert depends["dataset:loans@2024-06"] == ["dataset:raw-loans@2024-06"]
    assert run.out == lineage_repo.charter("lineage", "--format", "cyclonedx").out


def test_cyclonedx_reports_measured_evidence_when_given() -> None:
    data = inventory()
    evidence = {"credit@1.1.0": {"metrics": {"roc_auc": 0.812},
                                 "fairness": {"sex": {"demographic_parity_difference": 0.04}}}}
    bom = to_cyclonedx(build_lineage(data), data, commit="abc", evidence=evidence)
    assert cyclonedx_errors(bom) is None
    card = next(c for c in bom["components"] if c["bom-ref"] == "version:credit@1.1.0"
                )["modelCard"]
    assert card["quantitativeAnalysis"]["performanceMetrics"][0]["value"] == "0.812"
    assert {"name": "charter:metrics_source", "value": "measured"} in card["properties"]
    assert card["considerations"]["fairnessAssessments"] == [
        {"groupAtRisk": "groups by sex",
         "harms": "measured disparity: demographic_parity_difference 0.04"}]


def test_cyclonedx_validation_catches_a_broken_bom() -> None:
    data = inventory()
    bom = to_cyclonedx(build_lineage(data), data, commit="abc")
    bom["components"][0]["type"] = "ml-model"
    assert cyclonedx_errors(bom) is not None


def test_example_inventory_exports_are_valid() -> None:
    root = Path(__file__).resolve().parents[1]
    if not (root / "models.yaml").is_file():
        pytest.skip("no example inventory in this checkout")
    data = load_yaml_text((root / "models.yaml").read_bytes(), "models.yaml").data
    graph = build_lineage(data)
    assert cyclonedx_errors(to_cyclonedx(graph, data, commit="abc")) is None
