"""The lineage graph and its drawing: layers, splitting a large graph, escaping labels."""

from __future__ import annotations

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
