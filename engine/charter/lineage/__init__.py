"""The lineage graph: dataset versions → model versions → deployments.

Nodes are `dataset:name@version`, `version:model@version` and
`deployment:model@version:target`, each with a `kind` (dataset | version | deployment) and a
`label`. Edges carry a `relation`: derived_from (dataset → dataset it feeds), trained_on and
evaluated_on (dataset → version), monitored_with (dataset → version), deployed_to
(version → deployment) and supersedes (version → the version it replaces; `inferred` when the
record does not name it and the previous version number is assumed).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import networkx as nx

from charter.errors import CharterError
from charter.inventory.entities import dataset_record, iter_entities, models, split_ref, versions_of

__all__ = [
    "build_lineage",
    "downstream",
    "node_id",
    "to_cyclonedx",
    "to_dot",
    "to_openlineage",
]

FLOW_RELATIONS = ("derived_from", "trained_on", "evaluated_on", "monitored_with", "deployed_to")


def node_id(kind: str, ref: str) -> str:
    return f"{kind}:{ref}"


def build_lineage(inventory: Mapping[str, Any]) -> nx.DiGraph[str]:
    graph: nx.DiGraph[str] = nx.DiGraph()
    for entity in iter_entities(inventory):
        if entity.kind == "dataset":
            _add_dataset(graph, inventory, entity.id)
            for parent in entity.record.get("derived_from") or []:
                if isinstance(parent, str):
                    _add_dataset(graph, inventory, parent)
                    graph.add_edge(node_id("dataset", parent), node_id("dataset", entity.id),
                                   relation="derived_from")
        elif entity.kind == "version":
            _add_version(graph, inventory, entity.id, entity.record)
    for name, model in models(inventory).items():
        _add_supersedes(graph, name, model if isinstance(model, Mapping) else {})
    return graph


def _add_dataset(graph: nx.DiGraph[str], inventory: Mapping[str, Any], ref: str) -> None:
    node = node_id("dataset", ref)
    if node in graph:
        return
    record = dataset_record(inventory, ref)
    name, version = split_ref(ref)
    attributes = {k: v for k, v in (record or {}).items()
                  if k in ("path", "uri", "sha256", "owner", "contains_pii", "rows", "columns",
                           "pii_columns", "title", "created", "format", "license", "target",
                           "sensitive_features", "source_system")}
    graph.add_node(node, kind="dataset", label=ref, name=name, version=version,
                   declared=record is not None, **attributes)


def _add_version(graph: nx.DiGraph[str], inventory: Mapping[str, Any], ref: str,
                 record: Mapping[str, Any]) -> None:
    model_name, version = split_ref(ref)
    node = node_id("version", ref)
    graph.add_node(node, kind="version", label=ref, model=model_name, version=version,
                   stage=record.get("stage"), record=dict(record))
    relations = [(r, "trained_on") for r in record.get("training_data") or []]
    evaluation = record.get("evaluation")
    if isinstance(evaluation, Mapping) and isinstance(evaluation.get("dataset"), str):
        relations.append((evaluation["dataset"], "evaluated_on"))
    monitoring = record.get("monitoring")
    if isinstance(monitoring, Mapping):
        relations += [(monitoring[k], "monitored_with") for k in ("reference", "current")
                      if isinstance(monitoring.get(k), str)]
    for dataset, relation in relations:
        if not isinstance(dataset, str):
            continue
        _add_dataset(graph, inventory, dataset)
        source = node_id("dataset", dataset)
        if graph.has_edge(source, node):  # trained and evaluated on the same data
            graph.edges[source, node]["relation"] += f",{relation}"
        else:
            graph.add_edge(source, node, relation=relation)
    for deployment in record.get("deployments") or []:
        if not isinstance(deployment, Mapping):
            continue
        target = str(deployment.get("target"))
        target_node = node_id("deployment", f"{ref}:{target}")
        graph.add_node(target_node, kind="deployment", label=target, target=target,
                       since=deployment.get("since"), until=deployment.get("until"),
                       traffic=deployment.get("traffic"))
        graph.add_edge(node, target_node, relation="deployed_to")


def _version_key(version: str) -> tuple[tuple[int, int | str], ...]:
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in re.split(r"[.\-+]", version))


def _add_supersedes(graph: nx.DiGraph[str], name: str, model: Mapping[str, Any]) -> None:
    versions = versions_of(model)
    ordered = sorted(versions, key=_version_key)
    for i, version in enumerate(ordered):
        record = versions[version] if isinstance(versions[version], Mapping) else {}
        named = record.get("supersedes")
        if isinstance(named, str) and named in versions:
            previous, inferred = named, False
        elif i > 0 and named is None:
            previous, inferred = ordered[i - 1], True
        else:
            continue
        graph.add_edge(node_id("version", f"{name}@{version}"),
                       node_id("version", f"{name}@{previous}"), relation="supersedes",
                       inferred=inferred)


def downstream(graph: nx.DiGraph[str], dataset_ref: str) -> list[str]:
    """Every node fed by a dataset (`name@version`, or `name` for all its versions), sorted
    datasets first, then versions, then deployments."""
    if "@" in dataset_ref:
        sources = [node_id("dataset", dataset_ref)]
    else:
        sources = [n for n, d in graph.nodes(data=True)
                   if d.get("kind") == "dataset" and d.get("name") == dataset_ref]
    sources = [s for s in sources if s in graph]
    if not sources:
        raise CharterError.at(f"dataset {dataset_ref!r} is not in the inventory",
                              hint="name a dataset as name@version, or name for all versions")
    flow = nx.subgraph_view(graph, filter_edge=lambda a, b: graph.edges[a, b].get(
        "relation") != "supersedes")
    found: set[str] = set()
    for source in sources:
        found |= nx.descendants(flow, source)
    order = {"dataset": 0, "version": 1, "deployment": 2}
    return sorted(found - set(sources), key=lambda n: (order[graph.nodes[n]["kind"]], n))


def to_dot(graph: nx.DiGraph[str]) -> str:
    shapes = {"dataset": "cylinder", "version": "box", "deployment": "ellipse"}
    lines = ["digraph lineage {", "  rankdir=LR;", '  node [fontname="Helvetica"];']
    for node in sorted(graph.nodes):
        data = graph.nodes[node]
        label = data["label"]
        if data["kind"] == "version" and data.get("stage"):
            label += f"\\n{data['stage']}"
        lines.append(f"  {_quote(node)} [label={_quote(label, raw=True)}, "
                     f"shape={shapes[data['kind']]}];")
    for source, target in sorted(graph.edges):
        data = graph.edges[source, target]
        style = ", style=dashed" if data["relation"] == "supersedes" else ""
        lines.append(f"  {_quote(source)} -> {_quote(target)} "
                     f"[label={_quote(data['relation'])}{style}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _quote(text: str, raw: bool = False) -> str:
    escaped = text.replace("\\", "\\\\") if not raw else text.replace("\\\\", "\\\\\\\\")
    return '"' + escaped.replace('"', '\\"') + '"'


def to_openlineage(*args: Any, **kwargs: Any) -> list[dict[str, Any]]:
    from charter.lineage.openlineage import run_events

    return run_events(*args, **kwargs)


def to_cyclonedx(*args: Any, **kwargs: Any) -> dict[str, Any]:
    from charter.lineage.cyclonedx import ml_bom

    return ml_bom(*args, **kwargs)
