"""CycloneDX 1.6 ML-BOM: a machine-learning-model component per model version, with its model
card, a data component per dataset version, hashes, and the dependencies between them.

The quantitative analysis reports the metrics Charter measured when `evidence` (version id ->
{"metrics": ..., "fairness": ...}) is given, else the metrics the inventory declares; each
metric's slice and the card's properties say which.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

import networkx as nx

from charter import __version__

SPEC_VERSION = "1.6"
_BY = {"measured": "measured by charter", "declared": "declared by the author"}
_SERIAL_NAMESPACE = uuid.UUID("0b6c9a52-6f0e-4d8e-a3a8-3c1e2f5d7b90")


def ml_bom(graph: nx.DiGraph[str], inventory: Mapping[str, Any], *, commit: str | None = None,
           timestamp: str | None = None, evidence: Mapping[str, Any] | None = None
           ) -> dict[str, Any]:
    """The BOM document as a JSON-ready dict; the same inputs give the same bytes."""
    evidence = evidence or {}
    components: list[dict[str, Any]] = []
    dependencies: list[dict[str, Any]] = []
    for node in sorted(graph.nodes):
        data = graph.nodes[node]
        if data["kind"] == "dataset":
            components.append(_data_component(node, data))
            parents = sorted(p for p in graph.predecessors(node)
                             if graph.nodes[p]["kind"] == "dataset")
            dependencies.append({"ref": node, "dependsOn": parents})
        elif data["kind"] == "version":
            model = inventory.get("models", {}).get(data["model"], {})
            components.append(_model_component(node, data, model, graph,
                                               evidence.get(data["label"])))
            used = sorted(p for p in graph.predecessors(node)
                          if graph.nodes[p]["kind"] == "dataset")
            dependencies.append({"ref": node, "dependsOn": used})
    metadata: dict[str, Any] = {
        "tools": {"components": [{"type": "application", "name": "charter",
                                  "version": __version__}]},
        "component": {"type": "application", "bom-ref": "inventory", "name": "model-inventory",
                      **({"version": commit} if commit else {})},
    }
    if timestamp:
        metadata["timestamp"] = timestamp
    seed = commit or "|".join(sorted(graph.nodes))
    return {
        "$schema": "http://cyclonedx.org/schema/bom-1.6.schema.json",
        "bomFormat": "CycloneDX",
        "specVersion": SPEC_VERSION,
        "serialNumber": f"urn:uuid:{uuid.uuid5(_SERIAL_NAMESPACE, seed)}",
        "version": 1,
        "metadata": metadata,
        "components": components,
        "dependencies": dependencies,
    }


def _hashes(sha256: Any) -> list[dict[str, str]]:
    return [{"alg": "SHA-256", "content": sha256}] if isinstance(sha256, str) else []


def _properties(pairs: list[tuple[str, Any]]) -> list[dict[str, str]]:
    return [{"name": f"charter:{k}", "value": str(v)} for k, v in pairs if v is not None]


def _data_component(node: str, data: Mapping[str, Any]) -> dict[str, Any]:
    dataset: dict[str, Any] = {"type": "dataset", "name": data["label"]}
    location = data.get("uri") or data.get("path")
    if isinstance(location, str):
        dataset["contents"] = {"url": location}
    if data.get("contains_pii") is not None:
        dataset["classification"] = "personal data" if data["contains_pii"] else "no personal data"
    if data.get("pii_columns"):
        dataset["sensitiveData"] = [str(c) for c in data["pii_columns"]]
    if data.get("title"):
        dataset["description"] = str(data["title"])
    if data.get("owner"):
        dataset["governance"] = {"owners": [{"organization": {"name": str(data["owner"])}}]}
    component: dict[str, Any] = {
        "type": "data", "bom-ref": node, "name": str(data["name"]),
        "version": str(data["version"]), "data": [dataset],
    }
    if _hashes(data.get("sha256")):
        component["hashes"] = _hashes(data.get("sha256"))
    properties = _properties([("declared", str(data.get("declared")).lower()),
                              ("rows", data.get("rows"))])
    if properties:
        component["properties"] = properties
    return component


def _model_component(node: str, data: Mapping[str, Any], model: Mapping[str, Any],
                     graph: nx.DiGraph[str], evidence: Mapping[str, Any] | None
                     ) -> dict[str, Any]:
    record = data.get("record") or {}
    artifact = _mapping(record.get("artifact"))
    component: dict[str, Any] = {
        "type": "machine-learning-model", "bom-ref": node, "name": str(data["model"]),
        "version": str(data["version"]),
        "description": str(model.get("purpose") or model.get("title") or data["model"]),
        "modelCard": _model_card(node, record, model, graph, evidence),
        "properties": _properties([("stage", record.get("stage")),
                                   ("risk_tier", model.get("risk_tier")),
                                   ("owner", model.get("owner")),
                                   ("artifact", artifact.get("uri") or artifact.get("path"))]),
    }
    if _hashes(artifact.get("sha256")):
        component["hashes"] = _hashes(artifact.get("sha256"))
    return component


def _model_card(node: str, record: Mapping[str, Any], model: Mapping[str, Any],
                graph: nx.DiGraph[str], evidence: Mapping[str, Any] | None) -> dict[str, Any]:
    datasets = sorted(p for p in graph.predecessors(node) if graph.nodes[p]["kind"] == "dataset")
    parameters: dict[str, Any] = {"approach": {"type": "supervised"}}
    if model.get("task"):
        parameters["task"] = str(model["task"])
    if record.get("algorithm"):
        parameters["modelArchitecture"] = str(record["algorithm"])
    if datasets:
        parameters["datasets"] = [{"ref": d} for d in datasets]
    if model.get("inputs"):
        parameters["inputs"] = [{"format": str(i)} for i in model["inputs"]]
    if model.get("outputs"):
        parameters["outputs"] = [{"format": str(o)} for o in model["outputs"]]
    card: dict[str, Any] = {"bom-ref": f"{node}:card", "modelParameters": parameters}
    metrics, source = _metrics(record, evidence)
    if metrics:
        card["quantitativeAnalysis"] = {"performanceMetrics": metrics}
    considerations = _considerations(record, model, evidence)
    if considerations:
        card["considerations"] = considerations
    card["properties"] = _properties([("metrics_source", source),
                                      ("hyperparameters", _parameters(record))])
    return card


def _parameters(record: Mapping[str, Any]) -> str | None:
    parameters = record.get("parameters")
    if not isinstance(parameters, Mapping) or not parameters:
        return None
    return ", ".join(f"{k}={v}" for k, v in sorted(parameters.items()))


def _metrics(record: Mapping[str, Any], evidence: Mapping[str, Any] | None
             ) -> tuple[list[dict[str, str]], str]:
    evaluation = _mapping(record.get("evaluation"))
    dataset = evaluation.get("dataset", "the evaluation dataset")
    measured = (evidence or {}).get("metrics")
    if isinstance(measured, Mapping) and measured:
        values, source = measured, "measured"
    else:
        values, source = evaluation.get("metrics") or {}, "declared"
    metrics = [{"type": str(name), "value": str(value),
                "slice": f"{dataset} ({_BY[source]})"}
               for name, value in sorted(values.items()) if not isinstance(value, Mapping)]
    return metrics, source


def _considerations(record: Mapping[str, Any], model: Mapping[str, Any],
                    evidence: Mapping[str, Any] | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if model.get("users"):
        out["users"] = [str(u) for u in model["users"]]
    uses = [str(model[k]) for k in ("intended_use", "purpose") if model.get(k)]
    if uses:
        out["useCases"] = uses
    limits = [str(model["limitations"])] if model.get("limitations") else []
    limits += [str(r) for r in model.get("restrictions") or []]
    if limits:
        out["technicalLimitations"] = limits
    fairness = _fairness(record, evidence)
    if fairness:
        out["fairnessAssessments"] = fairness
    return out


def _fairness(record: Mapping[str, Any], evidence: Mapping[str, Any] | None
              ) -> list[dict[str, str]]:
    measured = (evidence or {}).get("fairness")
    assessments = []
    if isinstance(measured, Mapping):
        for feature, result in sorted(measured.items()):
            detail = ", ".join(f"{k} {v}" for k, v in sorted(result.items())
                               if not isinstance(v, Mapping | list)) if isinstance(
                result, Mapping) else str(result)
            assessments.append({"groupAtRisk": f"groups by {feature}",
                                "harms": f"measured disparity: {detail}"})
        return assessments
    evaluation = _mapping(record.get("evaluation"))
    for feature in evaluation.get("sensitive_features") or []:
        assessments.append({"groupAtRisk": f"groups by {feature}",
                            "harms": "declared sensitive feature; disparity not measured in "
                                     "this export"})
    return assessments


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}
