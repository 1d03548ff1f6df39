"""The lineage graph (datasets → model versions → deployments) and its layered SVG drawing."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from charter.inventory.entities import dataset_refs, datasets, models, versions_of

KIND_ORDER = {"dataset": 0, "version": 1, "deployment": 2}
_FILL = {"dataset": "#e8f0f8", "version": "#fdf0e6", "deployment": "#eaf3e4"}
_STROKE = {"dataset": "#1f4e79", "version": "#c55a11", "deployment": "#548235"}
BOX_W, BOX_H, COL_GAP, ROW_GAP, MARGIN, HEADER = 176, 30, 64, 12, 10, 22


@dataclass(frozen=True)
class Graph:
    nodes: Mapping[str, Mapping[str, str]]  # id -> {kind, label}
    edges: tuple[tuple[str, str], ...]

    def as_dict(self) -> dict[str, Any]:
        return {"nodes": {k: dict(v) for k, v in sorted(self.nodes.items())},
                "edges": [list(e) for e in self.edges]}

    def subgraph(self, keep: Iterable[str]) -> Graph:
        chosen = set(keep)
        return Graph({n: d for n, d in self.nodes.items() if n in chosen},
                     tuple(e for e in self.edges if e[0] in chosen and e[1] in chosen))


def graph_from_inventory(inventory: Mapping[str, Any]) -> Graph:
    nodes: dict[str, dict[str, str]] = {}
    edges: set[tuple[str, str]] = set()
    for name, dataset in datasets(inventory).items():
        for version, record in ((dataset or {}).get("versions") or {}).items():
            node = f"dataset:{name}@{version}"
            nodes[node] = {"kind": "dataset", "label": f"{name}@{version}"}
            for parent in (record or {}).get("derived_from") or (dataset or {}).get(
                    "derived_from") or []:
                edges.add((f"dataset:{parent}", node))
    for name, model in models(inventory).items():
        for version, record in versions_of(model or {}).items():
            node = f"version:{name}@{version}"
            nodes[node] = {"kind": "version", "label": f"{name}@{version}"}
            for ref, _ in dataset_refs(record or {}):
                edges.add((f"dataset:{ref}", node))
            for deployment in (record or {}).get("deployments") or []:
                target = str((deployment or {}).get("target", "?"))
                child = f"deployment:{name}@{version}:{target}"
                ended = " (ended)" if (deployment or {}).get("until") else ""
                nodes[child] = {"kind": "deployment", "label": f"{target} · {version}{ended}"}
                edges.add((node, child))
    edges = {e for e in edges if e[0] in nodes and e[1] in nodes}
    return Graph(nodes, tuple(sorted(edges)))


def graph_from_plain(data: Mapping[str, Any]) -> Graph:
    return Graph({str(k): dict(v) for k, v in data["nodes"].items()},
                 tuple((str(a), str(b)) for a, b in data["edges"]))


def _neighbours(graph: Graph) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    parents: dict[str, list[str]] = {n: [] for n in graph.nodes}
    children: dict[str, list[str]] = {n: [] for n in graph.nodes}
    for a, b in graph.edges:
        children[a].append(b)
        parents[b].append(a)
    return parents, children


def components(graph: Graph) -> list[list[str]]:
    """Weakly connected groups of nodes, each sorted, largest family first."""
    parents, children = _neighbours(graph)
    seen: set[str] = set()
    groups = []
    for start in sorted(graph.nodes):
        if start in seen:
            continue
        stack, group = [start], []
        seen.add(start)
        while stack:
            node = stack.pop()
            group.append(node)
            for other in parents[node] + children[node]:
                if other not in seen:
                    seen.add(other)
                    stack.append(other)
        groups.append(sorted(group))
    return sorted(groups, key=lambda g: (-len(g), g[0]))


def family_of(graph: Graph, model: str) -> Graph:
    """A model's versions, every dataset upstream of them and their deployments."""
    parents, children = _neighbours(graph)
    own = [n for n, d in graph.nodes.items()
           if d["kind"] == "version" and n.split(":", 1)[1].split("@", 1)[0] == model]
    keep = set(own)
    stack = list(own)
    while stack:
        for parent in parents[stack.pop()]:
            if parent not in keep:
                keep.add(parent)
                stack.append(parent)
    for node in own:
        keep.update(children[node])
    return graph.subgraph(keep)


def pages(graph: Graph, max_nodes: int = 36) -> list[tuple[str, Graph]]:
    """Split a large graph into readable drawings: whole families, or one model each."""
    out: list[tuple[str, Graph]] = []
    batch: list[str] = []
    for group in components(graph):
        if len(group) > max_nodes:
            out += _split_family(graph.subgraph(group), max_nodes)
            continue
        if batch and len(batch) + len(group) > max_nodes:
            out.append((_title(graph, batch), graph.subgraph(batch)))
            batch = []
        batch += group
    if batch:
        out.append((_title(graph, batch), graph.subgraph(batch)))
    return out


def _split_family(graph: Graph, max_nodes: int) -> list[tuple[str, Graph]]:
    """Models that share data, a few per drawing; their shared datasets appear in each."""
    names = sorted({n.split(":", 1)[1].split("@", 1)[0] for n, d in graph.nodes.items()
                    if d["kind"] == "version"})
    out: list[tuple[str, Graph]] = []
    batch: set[str] = set()
    for name in names:
        nodes = set(family_of(graph, name).nodes)
        if batch and len(batch | nodes) > max_nodes:
            out.append((_title(graph, sorted(batch)), graph.subgraph(batch)))
            batch = set()
        batch |= nodes
    if batch:
        out.append((_title(graph, sorted(batch)), graph.subgraph(batch)))
    return out


def _title(graph: Graph, nodes: list[str]) -> str:
    names = sorted({n.split(":", 1)[1].split("@", 1)[0] for n in nodes
                    if graph.nodes[n]["kind"] == "version"})
    return "models " + ", ".join(names) if names else "datasets not used by any model"


def layers(graph: Graph) -> list[list[str]]:
    """Columns left to right: datasets by derivation depth, then versions, then deployments."""
    parents, children = _neighbours(graph)
    depth: dict[str, int] = {}

    def dataset_depth(node: str, trail: frozenset[str] = frozenset()) -> int:
        if node not in depth:
            ups = [p for p in parents[node] if graph.nodes[p]["kind"] == "dataset"
                   and p not in trail]
            depth[node] = 1 + max((dataset_depth(p, trail | {node}) for p in ups), default=-1)
        return depth[node]

    kinds = {n: d["kind"] for n, d in graph.nodes.items()}
    data_layers = max((dataset_depth(n) for n in graph.nodes if kinds[n] == "dataset"),
                      default=-1) + 1
    columns: list[list[str]] = [[] for _ in range(data_layers + 2)]
    for node in sorted(graph.nodes):
        kind = kinds[node]
        column = dataset_depth(node) if kind == "dataset" else data_layers + (
            0 if kind == "version" else 1)
        columns[column].append(node)
    columns = [c for c in columns if c]
    return _order(columns, parents, children)


def _order(columns: list[list[str]], parents: dict[str, list[str]],
           children: dict[str, list[str]]) -> list[list[str]]:
    """A few barycentre sweeps, so edges cross less (deterministic: ties keep id order)."""
    for sweep in range(4):
        forward = sweep % 2 == 0
        indices = range(1, len(columns)) if forward else range(len(columns) - 2, -1, -1)
        for i in indices:
            reference = columns[i - 1] if forward else columns[i + 1]
            rank = {n: r for r, n in enumerate(reference)}
            links = parents if forward else children
            columns[i] = sorted(columns[i], key=_barycentre(rank, links))
    return columns


def _barycentre(rank: dict[str, int], links: dict[str, list[str]]
                ) -> Callable[[str], tuple[float, str]]:
    return lambda node: (_mean([rank[x] for x in links[node] if x in rank]), node)


def _mean(values: list[int]) -> float:
    return sum(values) / len(values) if values else 1e9


def _clip(text: str, limit: int = 30) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def draw_svg(graph: Graph) -> bytes:
    columns = layers(graph)
    position: dict[str, tuple[float, float]] = {}
    rows = max((len(c) for c in columns), default=1)
    height: float = HEADER + rows * (BOX_H + ROW_GAP) + 2 * MARGIN
    width = max(len(columns) * (BOX_W + COL_GAP) - COL_GAP + 2 * MARGIN, BOX_W + 2 * MARGIN)
    for i, column in enumerate(columns):
        x = float(MARGIN + i * (BOX_W + COL_GAP))
        top = MARGIN + HEADER + (rows - len(column)) * (BOX_H + ROW_GAP) / 2
        for j, node in enumerate(column):
            position[node] = (x, top + j * (BOX_H + ROW_GAP))
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} {height:.0f}" '
             f'width="{width:.0f}" height="{height:.0f}" font-family="DejaVu Sans">']
    for i, column in enumerate(columns):
        kind = graph.nodes[column[0]]["kind"]
        title = {"dataset": "Data" if i == 0 else "Derived data", "version": "Model versions",
                 "deployment": "Deployments"}.get(kind, kind.title() or "Other")
        x = float(MARGIN + i * (BOX_W + COL_GAP))
        parts.append(f'<text x="{x:.1f}" y="{MARGIN + 10}" font-size="10" font-weight="bold" '
                     f'fill="#444444">{escape(title)}</text>')
    for a, b in graph.edges:
        (x1, y1), (x2, y2) = position[a], position[b]
        sx, sy, ex, ey = x1 + BOX_W, y1 + BOX_H / 2, x2, y2 + BOX_H / 2
        bend = (ex - sx) / 2
        parts.append(f'<path d="M{sx:.1f},{sy:.1f} C{sx + bend:.1f},{sy:.1f} '
                     f'{ex - bend:.1f},{ey:.1f} {ex:.1f},{ey:.1f}" fill="none" '
                     f'stroke="#8c8c8c" stroke-width="1"/>')
        parts.append(f'<path d="M{ex:.1f},{ey:.1f} l-5,-3 l0,6 z" fill="#8c8c8c"/>')
    for node, (x, y) in sorted(position.items()):
        kind = graph.nodes[node]["kind"]
        label = str(graph.nodes[node].get("label", node))
        parts.append(
            f'<g><title>{escape(node)}</title><rect x="{x:.1f}" y="{y:.1f}" width="{BOX_W}" '
            f'height="{BOX_H}" rx="4" fill={quoteattr(_FILL.get(kind, "#ffffff"))} '
            f'stroke={quoteattr(_STROKE.get(kind, "#333333"))} stroke-width="1"/>'
            f'<text x="{x + 7:.1f}" y="{y + BOX_H / 2 + 3.5:.1f}" font-size="9.5" '
            f'fill="#111111">{escape(_clip(label))}</text></g>')
    parts.append("</svg>")
    return "\n".join(parts).encode()
