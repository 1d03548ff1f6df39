"""The lineage report: the whole graph in layers, split into readable drawings, with tables."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from charter.inventory.entities import dataset_record, split_ref
from charter.report.common import common_attachment, cover, slug
from charter.report.drawing import (
    LANDSCAPE_WIDTH_PT,
    Graph,
    draw_svg,
    graph_from_inventory,
    graph_from_plain,
    pages,
)
from charter.report.facts import ReportFacts
from charter.report.pdf import RenderJob


def lineage_job(facts: ReportFacts, page_size: str = "a4") -> RenderJob:
    graph = (graph_from_plain(facts.lineage.value) if facts.lineage.available
             else graph_from_inventory(facts.inventory))
    parts = pages(graph)
    drawings = {f"part-{i + 1}": draw_svg(part, LANDSCAPE_WIDTH_PT).decode()
                for i, (_, part) in enumerate(parts)}
    kinds = {k: sum(1 for d in graph.nodes.values() if d["kind"] == k)
             for k in ("dataset", "version", "deployment")}
    sections = [("overview", "1. Overview"), ("drawings", "2. Lineage drawings")]
    sections += [(f"part-{i + 1}", f"2.{i + 1} Lineage of {title}")
                 for i, (title, _) in enumerate(parts)]
    sections += [("datasets", "3. Datasets"), ("versions", "4. Model versions"),
                 ("deployments", "5. Deployments"), ("edges", "6. Every edge")]
    context = {
        "cover": cover("Lineage report", "Data lineage", "datasets → model versions → "
                       "deployments", [("Datasets (versions)", kinds["dataset"]),
                                       ("Model versions", kinds["version"]),
                                       ("Deployments", kinds["deployment"]),
                                       ("Edges", len(graph.edges)),
                                       ("Drawings", len(parts))]),
        "toc": [{"id": i, "title": t, "sub": i.startswith("part-")} for i, t in sections],
        "source_note": facts.lineage.note or "from the lineage graph of this commit",
        "counts": kinds,
        "edge_count": len(graph.edges),
        "parts": [{"id": f"part-{i + 1}", "title": t, "image": f"part-{i + 1}",
                   "nodes": len(p.nodes), "edges": len(p.edges),
                   "models": sorted({split_ref(n.split(":", 1)[1])[0] for n, d in
                                     p.nodes.items() if d["kind"] == "version"})}
                  for i, (t, p) in enumerate(parts)],
        "datasets": _datasets(facts.inventory, graph),
        "versions": _versions(facts.inventory, graph),
        "deployments": _deployments(facts.inventory),
        "edges": [{"source": a, "target": b} for a, b in graph.edges],
    }
    return RenderJob(
        filename="lineage.pdf", template="lineage.html", title="Lineage report",
        doc_id="Lineage report", commit=facts.commit, committed=facts.committed.isoformat(),
        page_size=page_size, context=context, drawings=drawings,
        attachments={"lineage.json": {**common_attachment(facts), **graph.as_dict()}})


def _datasets(inventory: Mapping[str, Any], graph: Graph) -> list[dict[str, Any]]:
    rows = []
    for node, data in sorted(graph.nodes.items()):
        if data["kind"] != "dataset":
            continue
        ref = node.split(":", 1)[1]
        record = dataset_record(inventory, ref) or {}
        used_by = sorted(b.split(":", 1)[1] for a, b in graph.edges
                         if a == node and b.startswith("version:"))
        rows.append({"id": ref, "owner": record.get("owner"), "rows": record.get("rows"),
                     "contains_pii": record.get("contains_pii"),
                     "derived_from": list(record.get("derived_from") or []),
                     "sha256": record.get("sha256"), "used_by": used_by})
    return rows


def _versions(inventory: Mapping[str, Any], graph: Graph) -> list[dict[str, Any]]:
    rows = []
    for node, data in sorted(graph.nodes.items()):
        if data["kind"] != "version":
            continue
        ref = node.split(":", 1)[1]
        name, version = split_ref(ref)
        record = (((inventory.get("models") or {}).get(name) or {}).get("versions") or {}).get(
            version) or {}
        inputs = sorted(a.split(":", 1)[1] for a, b in graph.edges if b == node)
        rows.append({"id": ref, "stage": record.get("stage"), "inputs": inputs,
                     "slug": slug(ref)})
    return rows


def _deployments(inventory: Mapping[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for name, model in sorted((inventory.get("models") or {}).items()):
        for version, record in ((model or {}).get("versions") or {}).items():
            for d in (record or {}).get("deployments") or []:
                rows.append({"target": d.get("target"), "version": f"{name}@{version}",
                             "since": str(d.get("since") or ""),
                             "until": str(d.get("until") or ""), "traffic": d.get("traffic")})
    return sorted(rows, key=lambda r: (str(r["target"]), r["since"], r["version"]))
