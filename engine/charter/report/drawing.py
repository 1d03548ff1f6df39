"""The lineage graph (datasets → model versions → deployments) and its layered SVG drawing."""

from __future__ import annotations

import functools
import io
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from charter.inventory.entities import dataset_refs, datasets, models, versions_of

KIND_ORDER = {"dataset": 0, "version": 1, "deployment": 2}
_FILL = {"dataset": "#e8f0f8", "version": "#fdf0e6", "deployment": "#eaf3e4"}
_STROKE = {"dataset": "#1f4e79", "version": "#c55a11", "deployment": "#548235"}
COL_GAP, ROW_GAP, MARGIN, HEADER = 40.0, 14.0, 10.0, 22.0


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
    """One drawing per model family (models linked by shared data); a family too large to
    read on one page is split a few models at a time. Datasets no model uses share one."""
    out: list[tuple[str, Graph]] = []
    unused: list[str] = []
    for group in components(graph):
        if not any(graph.nodes[n]["kind"] == "version" for n in group):
            unused += group
        elif len(group) > max_nodes:
            out += _split_family(graph.subgraph(group), max_nodes)
        else:
            out.append((_title(graph, group), graph.subgraph(group)))
    if unused:
        out.append((_title(graph, unused), graph.subgraph(unused)))
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


EDGE_KINDS = {  # (source kind, target kind) -> (label, stroke, dash)
    ("dataset", "dataset"): ("derived from", "#1f4e79", "5,3"),
    ("dataset", "version"): ("trained, evaluated or monitored on", "#8c8c8c", ""),
    ("version", "deployment"): ("deployed as", "#548235", "1.5,2.5"),
}
FONT_SIZE = 9.6  # CSS px: 7.2 pt when the drawing is shown at its own size
LINE_H, PAD_X, PAD_Y, LEGEND_H = 12.0, 6.0, 5.0, 24.0
PORTRAIT_WIDTH_PT = 504.0  # A4 portrait less the margins; Letter is wider
LANDSCAPE_WIDTH_PT = 700.0  # Letter landscape less the margins; A4 is wider


@functools.cache
def _advances() -> tuple[dict[int, int], int]:
    """Glyph advance widths of the font the PDF embeds, to size boxes to their labels."""
    from fontTools.ttLib import TTFont

    data = resources.files("charter.assets").joinpath("fonts/CharterSans.ttf").read_bytes()
    font = TTFont(io.BytesIO(data), lazy=True)
    metrics, cmap = font["hmtx"].metrics, font.getBestCmap()
    return {code: metrics[glyph][0] for code, glyph in cmap.items()}, font["head"].unitsPerEm


def text_width(text: str, size: float = FONT_SIZE) -> float:
    widths, em = _advances()
    return sum(widths.get(ord(c), em) for c in text) * size / em


def wrap_label(text: str, width: float) -> list[str]:
    """Lines no wider than `width`, broken after '@', '-', '_', '·' or a space where
    possible, inside a word where not: a label is never cut short."""
    tokens = re.findall(r"[^@\-_ ·]*(?:[@\-_ ·]+|$)", text)
    lines: list[str] = []
    line = ""
    for token in (t for t in tokens if t):
        if line and text_width(line + token.rstrip()) > width:
            lines.append(line.rstrip())
            line = ""
        while text_width(token.rstrip()) > width:  # one token wider than the box
            cut = max(1, max(i for i in range(1, len(token) + 1)
                             if text_width(token[:i]) <= width or i == 1))
            lines.append(token[:cut])
            token = token[cut:]
        line += token
    if line.strip() or not lines:
        lines.append(line.rstrip())
    return lines


@dataclass(frozen=True)
class _Box:
    x: float
    y: float
    w: float
    h: float
    lines: tuple[str, ...]


def draw_svg(graph: Graph, max_width_pt: float = PORTRAIT_WIDTH_PT) -> bytes:
    """The graph in layers; edges that skip a column run through the gaps between boxes."""
    columns = layers(graph)
    max_px = max_width_pt / 0.75
    for box_w in (230.0, 190.0, 160.0, 135.0, 115.0, 100.0, 90.0):
        boxes, widths = _place(graph, columns, box_w)
        if _total_width(widths) <= max_px:
            break
    width = _total_width(widths)
    height = max((b.y + b.h for b in boxes.values()), default=HEADER) + MARGIN + LEGEND_H
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} {height:.0f}" '
             f'width="{width:.0f}" height="{height:.0f}" font-family="Charter Sans">',
             f"<title>{escape(describe(graph, columns))}</title>"]
    parts += _headers(graph, columns, widths)
    for a, b in graph.edges:
        parts += _edge(graph, a, b, boxes, columns, widths)
    for node, box in sorted(boxes.items()):
        parts.append(_node(graph, node, box))
    parts += _legend(graph, height - LEGEND_H + 6)
    parts.append("</svg>")
    return "\n".join(parts).encode()


def describe(graph: Graph, columns: list[list[str]]) -> str:
    """The drawing in words: what feeds what, column by column."""
    labels = {n: str(d.get("label", n)) for n, d in graph.nodes.items()}
    steps = []
    for a, b in graph.edges:
        kind = EDGE_KINDS.get((graph.nodes[a]["kind"], graph.nodes[b]["kind"]))
        steps.append(f"{labels[b]} {kind[0] if kind else 'from'} {labels[a]}"
                     if kind and kind[0] == "derived from"
                     else f"{labels[a]} {kind[0] if kind else 'to'} {labels[b]}")
    return (f"Lineage drawing, {len(graph.nodes)} boxes in {len(columns)} columns from source "
            f"data to deployments. " + "; ".join(steps) + ("." if steps else ""))


def _total_width(widths: list[float]) -> float:
    return sum(widths) + COL_GAP * max(len(widths) - 1, 0) + 2 * MARGIN


def _place(graph: Graph, columns: list[list[str]], box_w: float
           ) -> tuple[dict[str, _Box], list[float]]:
    wrapped = {n: wrap_label(str(d.get("label", n)), box_w - 2 * PAD_X)
               for n, d in graph.nodes.items()}
    widths = [max(max(text_width(line) for line in wrapped[n]) + 2 * PAD_X for n in column)
              for column in columns]
    heights = {n: len(lines) * LINE_H + 2 * PAD_Y for n, lines in wrapped.items()}
    tallest = max((sum(heights[n] for n in c) + ROW_GAP * (len(c) - 1) for c in columns),
                  default=0.0)
    boxes: dict[str, _Box] = {}
    x = float(MARGIN)
    for column, column_w in zip(columns, widths, strict=True):
        used = sum(heights[n] for n in column) + ROW_GAP * (len(column) - 1)
        y = MARGIN + HEADER + (tallest - used) / 2
        for node in column:
            boxes[node] = _Box(x, y, column_w, heights[node], tuple(wrapped[node]))
            y += heights[node] + ROW_GAP
        x += column_w + COL_GAP
    return boxes, widths


def _headers(graph: Graph, columns: list[list[str]], widths: list[float]) -> list[str]:
    parts, x = [], float(MARGIN)
    for i, column in enumerate(columns):
        kind = graph.nodes[column[0]]["kind"]
        title = {"dataset": "Data" if i == 0 else "Derived data", "version": "Model versions",
                 "deployment": "Deployments"}.get(kind, kind.title() or "Other")
        parts.append(f'<text x="{x:.1f}" y="{MARGIN + 10}" font-size="10" font-weight="bold" '
                     f'fill="#444444">{escape(title)}</text>')
        x += widths[i] + COL_GAP
    return parts


def _lane(column: list[str], boxes: dict[str, _Box], wanted: float) -> float:
    """The free height nearest `wanted` in a column: above, between or below its boxes."""
    own = sorted((boxes[n] for n in column), key=lambda b: b.y)
    lanes = [own[0].y - ROW_GAP / 2] + [b.y + b.h + ROW_GAP / 2 for b in own]
    inside = [b for b in own if b.y - 2 <= wanted <= b.y + b.h + 2]
    return min(lanes, key=lambda y: abs(y - wanted)) if inside else wanted


def _edge(graph: Graph, a: str, b: str, boxes: dict[str, _Box], columns: list[list[str]],
          widths: list[float]) -> list[str]:
    index = {n: i for i, c in enumerate(columns) for n in c}
    start, end = boxes[a], boxes[b]
    points = [(start.x + start.w, start.y + start.h / 2)]
    first, last = index[a], index[b]
    sy, ey = points[0][1], end.y + end.h / 2
    for k in range(first + 1, last):  # a column in between: pass it in a gap
        left = boxes[columns[k][0]].x
        wanted = sy + (ey - sy) * (k - first) / (last - first)
        y = _lane(columns[k], boxes, wanted)
        points += [(left - 4, y), (left + widths[k] + 4, y)]
    points.append((end.x, ey))
    path = [f"M{points[0][0]:.1f},{points[0][1]:.1f}"]
    for i in range(1, len(points)):
        (x1, y1), (x2, y2) = points[i - 1], points[i]
        if i % 2:  # across a gap between columns: an S-curve
            bend = (x2 - x1) / 2
            path.append(f"C{x1 + bend:.1f},{y1:.1f} {x2 - bend:.1f},{y2:.1f} {x2:.1f},{y2:.1f}")
        else:  # through a column's lane: straight
            path.append(f"L{x2:.1f},{y2:.1f}")
    _, stroke, dash = EDGE_KINDS.get((graph.nodes[a]["kind"], graph.nodes[b]["kind"]),
                                     ("", "#8c8c8c", ""))
    dashes = f' stroke-dasharray="{dash}"' if dash else ""
    ex = end.x
    return [f'<path d="{" ".join(path)}" fill="none" stroke="{stroke}" stroke-width="1"'
            f"{dashes}/>",
            f'<path d="M{ex:.1f},{ey:.1f} l-5,-3 l0,6 z" fill="{stroke}"/>']


def _node(graph: Graph, node: str, box: _Box) -> str:
    kind = graph.nodes[node]["kind"]
    text = "".join(
        f'<text x="{box.x + PAD_X:.1f}" y="{box.y + PAD_Y + LINE_H * (i + 1) - 3:.1f}" '
        f'font-size="{FONT_SIZE}" fill="#111111">{escape(line)}</text>'
        for i, line in enumerate(box.lines))
    return (f'<g><desc>{escape(node)}</desc><rect x="{box.x:.1f}" y="{box.y:.1f}" '
            f'width="{box.w:.1f}" height="{box.h:.1f}" rx="4" '
            f'fill={quoteattr(_FILL.get(kind, "#ffffff"))} '
            f'stroke={quoteattr(_STROKE.get(kind, "#333333"))} stroke-width="1"/>{text}</g>')


def _legend(graph: Graph, y: float) -> list[str]:
    present = {(graph.nodes[a]["kind"], graph.nodes[b]["kind"]) for a, b in graph.edges}
    parts, x = [], float(MARGIN)
    for key, (label, stroke, dash) in EDGE_KINDS.items():
        if key not in present:
            continue
        dashes = f' stroke-dasharray="{dash}"' if dash else ""
        parts.append(f'<path d="M{x:.1f},{y:.1f} l26,0" stroke="{stroke}" stroke-width="1.2"'
                     f'{dashes}/><path d="M{x + 30:.1f},{y:.1f} l-5,-3 l0,6 z" '
                     f'fill="{stroke}"/><text x="{x + 36:.1f}" y="{y + 3.5:.1f}" '
                     f'font-size="{FONT_SIZE}" fill="#333333">{escape(label)}</text>')
        x += 36 + text_width(label) + 22
    return parts
