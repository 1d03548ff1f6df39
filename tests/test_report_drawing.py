"""The lineage graph and its drawing: layers, splitting a large graph, escaping labels."""

from __future__ import annotations

import re
from typing import Any

import pytest

from charter.report.drawing import draw_svg, graph_from_inventory, layers, pages
from charter.report.pdf import ASSET_PREFIX, _Fetcher


def inventory(models: int, families: int) -> dict[str, Any]:
    datasets: dict[str, Any] = {}
    for f in range(families):
        datasets[f"raw-{f}"] = {"versions": {"1": {}}}
        datasets[f"feat-{f}"] = {"versions": {"1": {"derived_from": [f"raw-{f}@1"]}}}
    return {
        "datasets": datasets,
        "models": {
            f"m{m}": {"versions": {
                "1.0": {"stage": "production", "training_data": [f"feat-{m % families}@1"],
                        "deployments": [{"target": f"api-{m}"}]},
                "2.0": {"stage": "development", "training_data": [f"feat-{m % families}@1"]}}}
            for m in range(models)
        },
    }


def test_layers_run_from_source_data_to_deployments() -> None:
    graph = graph_from_inventory(inventory(2, 1))
    columns = layers(graph)
    assert [sorted({graph.nodes[n]["kind"] for n in c}) for c in columns] == [
        ["dataset"], ["dataset"], ["version"], ["deployment"]]
    assert columns[0] == ["dataset:raw-0@1"]


@pytest.mark.parametrize("models, families", [(40, 4), (80, 2)])
def test_a_large_graph_is_split_into_readable_drawings_covering_every_node(
        models: int, families: int) -> None:
    graph = graph_from_inventory(inventory(models, families))
    assert len(graph.nodes) > 100
    parts = pages(graph)
    assert len(parts) < models / 4
    assert all(len(part.nodes) <= 36 for _, part in parts)
    drawn = set().union(*(part.nodes for _, part in parts))
    assert drawn == set(graph.nodes)
    edges = set().union(*(part.edges for _, part in parts))
    assert edges == set(graph.edges)


def test_labels_are_escaped_in_the_svg() -> None:
    graph = graph_from_inventory({"models": {"<script>": {"versions": {"1": {}}}}})
    svg = draw_svg(graph).decode()
    assert "<script>" not in svg
    assert "&lt;script&gt;@1" in svg


@pytest.mark.parametrize("url", ["http://127.0.0.1:9/x.png", "file:///etc/passwd",
                                 f"{ASSET_PREFIX}../../pyproject.toml",
                                 f"{ASSET_PREFIX}fonts/../../../pyproject.toml",
                                 f"{ASSET_PREFIX}fonts/LICENSE-DejaVu.txt",
                                 "data:image/svg+xml;base64,PHN2Zy8+"])
def test_the_fetcher_refuses_everything_but_package_assets(url: str) -> None:
    fetcher = _Fetcher({})
    with pytest.raises(ValueError, match="refused"):
        fetcher.fetcher.fetch(url)
    assert fetcher.refused == [url]


def test_the_fetcher_serves_the_stylesheet_and_the_document_images() -> None:
    fetcher = _Fetcher({"charter:image/a.svg": b"<svg/>"})
    assert b"@page" in fetcher.fetcher.fetch(f"{ASSET_PREFIX}report.css").read()
    assert fetcher.fetcher.fetch("charter:image/a.svg").read() == b"<svg/>"
    font = fetcher.fetcher.fetch(f"{ASSET_PREFIX}fonts/CharterSans.ttf").read()
    assert font.startswith(b"\x00\x01\x00\x00")  # a TrueType font


def _boxes(svg: str) -> list[tuple[float, float, float, float]]:
    return [tuple(float(v) for v in m) for m in re.findall(
        r'<rect x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)"', svg)]


def _points(path: str) -> list[tuple[float, float]]:
    """Points along an SVG path of M, L and C commands, curves sampled."""
    numbers = [float(n) for n in re.findall(r"-?[\d.]+", path)]
    commands = re.findall(r"[MLC]", path)
    points: list[tuple[float, float]] = []
    i = 0
    for command in commands:
        if command in "ML":
            points.append((numbers[i], numbers[i + 1]))
            i += 2
        else:
            (x0, y0), (x1, y1, x2, y2, x3, y3) = points[-1], numbers[i:i + 6]
            i += 6
            for step in range(1, 21):
                t = step / 20
                a, b, c, d = (1 - t) ** 3, 3 * t * (1 - t) ** 2, 3 * t * t * (1 - t), t ** 3
                points.append((a * x0 + b * x1 + c * x2 + d * x3,
                               a * y0 + b * y1 + c * y2 + d * y3))
    return points


def skipping_inventory() -> dict[str, Any]:
    """Raw data read directly by a model, beside data derived from it: edges skip a column."""
    return {"datasets": {f"raw-{i}": {"versions": {"2024-06": {}}} for i in range(3)} | {
        f"features-with-a-long-name-{i}": {"versions": {"2024-06": {
            "derived_from": [f"raw-{i}@2024-06"]}}} for i in range(3)},
        "models": {"credit-default-probability": {"versions": {
            f"{v}.0.0": {"training_data": [f"features-with-a-long-name-{v % 3}@2024-06",
                                           f"raw-{(v + 1) % 3}@2024-06"],
                         "deployments": [{"target": f"scoring-api-europe-west-{v}"}]}
            for v in range(4)}}}}


def test_edges_run_around_boxes_never_through_them() -> None:
    graph = graph_from_inventory(skipping_inventory())
    svg = draw_svg(graph).decode()
    boxes = _boxes(svg)
    edges = re.findall(r'<path d="(M[^"]*C[^"]*)"', svg)
    assert len(edges) == len(graph.edges)
    for path in edges:
        inner = _points(path)[1:-1]  # the ends touch their own boxes
        for x, y, w, h in boxes:
            assert not any(x + 1 < px < x + w - 1 and y + 1 < py < y + h - 1
                           for px, py in inner), path


def test_labels_are_whole_and_at_least_7_points_at_the_drawn_size() -> None:
    graph = graph_from_inventory(skipping_inventory())
    for width_pt in (504.0, 700.0):
        svg = draw_svg(graph, width_pt).decode()
        assert "…" not in svg
        drawn = float(re.search(r'width="([\d.]+)"', svg).group(1))
        assert drawn * 0.75 <= width_pt  # shown at its own size, never shrunk to fit
        sizes = {float(s) for s in re.findall(r'<text[^>]*font-size="([\d.]+)"', svg)}
        assert min(sizes) * 0.75 >= 7.0
        text = "".join(re.findall(r"<text[^>]*>([^<]*)</text>", svg))
        for data in graph.nodes.values():
            assert data["label"].replace(" ", "") in text.replace(" ", ""), data["label"]


def test_the_drawing_has_a_legend_of_its_edge_kinds() -> None:
    svg = draw_svg(graph_from_inventory(skipping_inventory())).decode()
    for kind in ("derived from", "trained, evaluated or monitored on", "deployed as"):
        assert f">{kind}</text>" in svg, kind


def test_one_drawing_per_model_family_however_small() -> None:
    graph = graph_from_inventory(inventory(4, 4))
    parts = pages(graph)
    assert [title for title, _ in parts] == ["models m0", "models m1", "models m2",
                                             "models m3"]


FAIRNESS_CHART = {
    "title": "Selection rate and true positive rate by group", "axis": "rate",
    "horizontal": True, "limits": [0, 1],
    "categories": [f"age_band = {g}" for g in ("18-25", "26-40", "41-65", "65+")],
    "series": [{"name": "selection rate", "values": [0.2, 0.3, 0.25, 0.1]},
               {"name": "true positive rate", "values": [0.6, 0.7, 0.65, 0.5]}],
    "threshold": {"value": 0.8, "label": "four-fifths line"}}


@pytest.mark.parametrize("spec", [FAIRNESS_CHART, {
    "title": "Declared hold-out metrics by version", "axis": "score 0–1",
    "note": "↑ higher is better; ↓ lower is better",
    "categories": [f"metric_{i} ↑" for i in range(7)],
    "series": [{"name": f"{v}.0.0 (development, a long stage note)", "values": [0.5] * 7}
               for v in range(5)]}])
def test_a_chart_legend_never_overlaps_its_title_or_plot(spec: dict[str, Any]) -> None:
    from charter.report.barchart import layout

    at = layout(spec)
    assert at.legend is not None
    assert not at.title.overlaps(at.legend) and not at.plot.overlaps(at.legend)
    assert not at.title.overlaps(at.plot)
    assert at.legend.y >= at.plot.y + at.plot.h  # below the plot, never over the title
    assert at.legend.y + at.legend.h <= at.height
    assert at.title.x + at.title.w <= at.width
    labels = [label for row in at.legend_rows for label, _, _ in row]
    assert labels == [s["name"] for s in spec["series"]] + (
        [spec["threshold"]["label"]] if spec.get("threshold") else [])


def test_a_bar_chart_shows_every_category_value_axis_and_legend_the_same_way_twice() -> None:
    import json

    from charter.report.barchart import bar_svg

    svg = bar_svg(FAIRNESS_CHART).decode()
    texts = re.findall(r"<text[^>]*>([^<]*)</text>", svg)
    for label in [*FAIRNESS_CHART["categories"], "rate", "selection rate",
                  "true positive rate", "four-fifths line", FAIRNESS_CHART["title"]]:
        assert label in texts, label
    assert [t for t in texts if t[0].isdigit()] == ["0", "0.2", "0.4", "0.6", "0.8", "1.0"]
    assert len(re.findall(r"<rect [^>]*fill=", svg)) == 8 + 2  # the bars, the legend's keys
    assert 'stroke-dasharray' in svg  # the threshold line
    assert bar_svg(json.loads(json.dumps(FAIRNESS_CHART))).decode() == svg


def test_every_declared_metric_is_charted_with_its_unit_and_direction() -> None:
    from charter.report.charts import declared_metric_charts

    versions = [{"version": v, "stage": s, "evaluation": {"target": "claim_cost"},
                 "declared": {"mae": mae, "rmse": mae * 1.8, "r2": r2}}
                for v, s, mae, r2 in (("1.0.0", "production", 1599.4, 0.57),
                                      ("1.1.0", "development", 1088.2, 0.79))]
    charts = declared_metric_charts(versions)
    assert sorted(c["axis"] for c in charts.values()) == ["share of variance",
                                                          "units of claim_cost"]
    labels = sorted(label for c in charts.values() for label in c["categories"])
    assert labels == ["mae ↓", "r2 ↑", "rmse ↓"]
