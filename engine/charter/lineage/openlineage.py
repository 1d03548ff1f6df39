"""OpenLineage (spec 2-0-2) run events: one COMPLETE RunEvent per training and per evaluation.

Jobs are `<model>.train` and `<model>.evaluate` in the repository's namespace; the run of a
version is identified by a UUID derived from the version and the commit, so exporting the
same commit twice yields the same events. Datasets carry their version, schema and owner
facets; the job carries the source-code location of models.yaml at the commit.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

import networkx as nx

from charter import __version__

SPEC = "https://openlineage.io/spec/2-0-2/OpenLineage.json"
PRODUCER = f"urn:charter:engine:{__version__}"
FACETS = {
    "version": "https://openlineage.io/spec/facets/1-0-1/DatasetVersionDatasetFacet.json"
               "#/$defs/DatasetVersionDatasetFacet",
    "schema": "https://openlineage.io/spec/facets/1-2-0/SchemaDatasetFacet.json"
              "#/$defs/SchemaDatasetFacet",
    "ownership": "https://openlineage.io/spec/facets/1-0-1/OwnershipDatasetFacet.json"
                 "#/$defs/OwnershipDatasetFacet",
    "sourceCodeLocation": "https://openlineage.io/spec/facets/1-1-0/"
                          "SourceCodeLocationJobFacet.json#/$defs/SourceCodeLocationJobFacet",
    "jobType": "https://openlineage.io/spec/facets/2-0-4/JobTypeJobFacet.json"
               "#/$defs/JobTypeJobFacet",
}
_RUN_NAMESPACE = uuid.UUID("6f1c1b9e-3a59-4c1b-9a57-0d2a3e4c5b6a")


def run_events(graph: nx.DiGraph[str], *, commit: str, commit_time: str, namespace: str,
               repo_url: str | None = None, source_url: str | None = None
               ) -> list[dict[str, Any]]:
    """Events for every model version of `graph`, oldest commit time given for all."""
    events = []
    for node in sorted(graph.nodes):
        data = graph.nodes[node]
        if data["kind"] != "version":
            continue
        for step, relation in (("train", "trained_on"), ("evaluate", "evaluated_on")):
            inputs = [s for s in sorted(graph.predecessors(node))
                      if relation in graph.edges[s, node]["relation"].split(",")]
            if not inputs:
                continue
            events.append(_event(graph, node, data, step, inputs, commit=commit,
                                 commit_time=commit_time, namespace=namespace,
                                 repo_url=repo_url, source_url=source_url))
    return events


def _facet(name: str, **fields: Any) -> dict[str, Any]:
    return {"_producer": PRODUCER, "_schemaURL": FACETS[name], **fields}


def _event(graph: nx.DiGraph[str], node: str, data: Mapping[str, Any], step: str,
           inputs: list[str], *, commit: str, commit_time: str, namespace: str,
           repo_url: str | None, source_url: str | None) -> dict[str, Any]:
    record = data.get("record") or {}
    model, version = data["model"], data["version"]
    job_facets: dict[str, Any] = {
        "jobType": _facet("jobType", processingType="BATCH", integration="CHARTER",
                          jobType="TRAINING" if step == "train" else "EVALUATION"),
    }
    location = {"type": "git", "url": source_url or f"urn:git:{commit}:models.yaml",
                "path": "models.yaml", "version": commit}
    if repo_url:
        location["repoUrl"] = repo_url
    job_facets["sourceCodeLocation"] = _facet("sourceCodeLocation", **location)
    event: dict[str, Any] = {
        "eventType": "COMPLETE",
        "eventTime": _event_time(record, step, commit_time),
        "producer": PRODUCER,
        "schemaURL": f"{SPEC}#/$defs/RunEvent",
        "run": {"runId": str(uuid.uuid5(_RUN_NAMESPACE, f"{model}@{version}:{step}:{commit}"))},
        "job": {"namespace": namespace, "name": f"{model}.{step}", "facets": job_facets},
        "inputs": [_dataset(graph.nodes[i], namespace) for i in inputs],
        "outputs": [],
    }
    if step == "train":
        event["outputs"] = [_model_output(record, model, version, namespace)]
    return event


def _event_time(record: Mapping[str, Any], step: str, commit_time: str) -> str:
    validation = record.get("validation")
    day = record.get("created")
    if step == "evaluate" and isinstance(validation, Mapping) and validation.get("date"):
        day = validation["date"]
    return f"{day}T00:00:00Z" if day else commit_time


def _dataset(data: Mapping[str, Any], namespace: str) -> dict[str, Any]:
    facets: dict[str, Any] = {"version": _facet("version", datasetVersion=str(data["version"]))}
    columns = data.get("columns")
    if isinstance(columns, list):
        facets["schema"] = _facet("schema", fields=[
            {"name": str(c), "ordinal_position": i} for i, c in enumerate(columns, 1)])
    if data.get("owner"):
        facets["ownership"] = _facet("ownership", owners=[
            {"name": f"team:{data['owner']}", "type": "OWNER"}])
    location = data.get("uri") or data.get("path")
    dataset_namespace, name = _where(location, namespace, data["name"])
    return {"namespace": dataset_namespace, "name": name, "facets": facets}


def _where(location: Any, namespace: str, fallback: str) -> tuple[str, str]:
    """OpenLineage naming: a URI's scheme and authority, then the path; else the repository."""
    if isinstance(location, str) and "://" in location:
        scheme, _, rest = location.partition("://")
        authority, _, path = rest.partition("/")
        return f"{scheme}://{authority}", f"/{path}"
    if isinstance(location, str):
        return namespace, location
    return namespace, fallback


def _model_output(record: Mapping[str, Any], model: str, version: str,
                  namespace: str) -> dict[str, Any]:
    artifact = _mapping(record.get("artifact"))
    location = artifact.get("uri") or artifact.get("path")
    dataset_namespace, name = _where(location, namespace, f"models/{model}@{version}")
    return {"namespace": dataset_namespace, "name": name,
            "facets": {"version": _facet("version", datasetVersion=version)}}


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}
