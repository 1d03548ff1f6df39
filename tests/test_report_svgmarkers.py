"""Time-series charts draw their markers as paths rather than matplotlib's `<use>`
references (WeasyPrint draws a `<use>` at a millisecond each): the same outlines at the same
points, in the same styles."""

from __future__ import annotations

import re
from collections import Counter

from charter.report.charts import _draw
from charter.report.svgmarkers import merge_markers

NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?")


def _drift_spec() -> dict[str, object]:
    months = [f"2025-{m:02d}" for m in range(1, 13)] + ["2026-01"]
    return {"kind": "series", "title": "Drift (PSI) by feature", "axis": "PSI", "x": months,
            "series": [{"name": f"feature_{i}", "values": [0.01 * i + 0.002 * m
                                                            for m in range(13)]}
                       for i in range(11)],
            "bands": [{"low": 0.1, "high": 0.25, "band": "amber", "label": "watch"},
                      {"low": 0.25, "high": None, "band": "red", "label": "act"}]}


def _plain_svg(spec: dict[str, object]) -> bytes:
    import charter.report.charts as charts

    real = charts.merge_markers
    charts.merge_markers = lambda svg: svg  # type: ignore[assignment]
    try:
        return _draw(spec)
    finally:
        charts.merge_markers = real  # type: ignore[assignment]


def _marks(svg: str) -> Counter[tuple[str, str, tuple[float, ...]]]:
    """Every marker the SVG draws: (style, absolute outline as numbers), from its <use>
    references (the marker's outline moved by x and y) and from plain paths."""
    shapes = {m[1]: (m[2], m[3] or "") for m in re.finditer(
        r'<path id="([\w-]+)" d="([^"]*)"(?: style="([^"]*)")?/>', svg)}
    found: Counter[tuple[str, str, tuple[float, ...]]] = Counter()
    for use in re.finditer(r'<use xlink:href="#([\w-]+)" x="([^"]+)" y="([^"]+)"'
                           r'(?: style="([^"]*)")?/>', svg):
        outline, own = shapes[use[1]]
        values = [float(n) for n in NUMBER.findall(outline)]
        moved = tuple(round(v + float(use[2] if i % 2 == 0 else use[3]), 4)
                      for i, v in enumerate(values))
        found[(use[4] or "", own, moved)] += 1
    return found


def _merged_marks(svg: str, plain: str) -> Counter[tuple[str, str, tuple[float, ...]]]:
    own_styles = {m[2] or "" for m in re.finditer(
        r'<path id="([\w-]+)" d="[^"]*"(?: style="([^"]*)")?/>', plain)}
    found: Counter[tuple[str, str, tuple[float, ...]]] = Counter()
    for path in re.finditer(r'<path d="([^"]*)" style="([^"]*)"/>', svg):
        style = path[2]
        own = next((s for s in own_styles if s and style.endswith("; " + s)), "")
        if not own and style not in own_styles:
            continue
        inherited = style[: -len("; " + own)] if own else style
        for sub in re.findall(r"M[^M]*", path[1]):
            numbers = tuple(round(float(n), 4) for n in NUMBER.findall(sub))
            found[(inherited, own, numbers)] += 1
    return found


def test_a_drift_chart_draws_every_marker_as_a_path_at_the_same_place() -> None:
    spec = _drift_spec()
    plain = _plain_svg(spec).decode()
    merged = _draw(spec).decode()
    assert plain.count("<use") > 150  # 11 features x 13 months, legend and ticks
    assert "<use" not in merged
    expected = _marks(plain)
    got = _merged_marks(merged, plain)
    assert sum(expected.values()) == plain.count("<use")
    for mark, count in expected.items():
        assert got[mark] >= count, mark


def test_uses_it_cannot_move_are_left_as_they_are() -> None:
    svg = ('<svg><defs><path id="m1" d="m 0 0 l 1 1"/></defs>'
           '<use xlink:href="#m1" x="2" y="3" style="fill: red"/>'
           '<use xlink:href="#nowhere" x="2" y="3"/></svg>')
    assert merge_markers(svg.encode()).decode() == svg


def test_a_run_of_uses_becomes_one_path_in_the_marker_style() -> None:
    svg = ('<svg><defs><path id="m1" d="M 0 -1 L 1 0 z" style="stroke: blue"/></defs><g>\n'
           ' <use xlink:href="#m1" x="10" y="20" style="fill: red"/>\n'
           ' <use xlink:href="#m1" x="30" y="40.5" style="fill: red"/>\n'
           ' <use xlink:href="#m1" x="1" y="1" style="fill: green"/>\n</g></svg>')
    assert merge_markers(svg.encode()).decode() == (
        '<svg><defs><path id="m1" d="M 0 -1 L 1 0 z" style="stroke: blue"/></defs><g>\n'
        ' <path d="M 10 19 L 11 20 z M 30 39.5 L 31 40.5 z" style="fill: red; stroke: blue"/>\n'
        '<path d="M 1 0 L 2 1 z" style="fill: green; stroke: blue"/>\n</g></svg>')
