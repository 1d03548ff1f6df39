"""Charts as SVG, byte for byte the same for the same data: bar charts written directly
(charter.report.barchart), time series drawn with matplotlib, loaded only for them.

A chart is described by a plain spec (JSON-able, so it can be hashed and sent to a worker):
{"categories": [...], "series": [{"name", "values", "errors"?}], "horizontal": bool,
 "title", "axis", "threshold": {"value", "label"} | None, "limits": [lo, hi] | None}.
Text is set in the package's own font (assets/fonts), the one the PDF embeds.
"""

from __future__ import annotations

import functools
import io
import json
import math
from collections.abc import Mapping, Sequence
from importlib import resources
from typing import Any

from charter.report.barchart import PALETTE, bar_svg
from charter.report.metrics import HIGHER, LOWER, UNKNOWN, direction
from charter.report.svgmarkers import merge_markers

_STYLE: dict[str, Any] = {
    "svg.hashsalt": "charter",  # element ids stop depending on a random salt
    "svg.fonttype": "none",  # text stays text: crisp at any zoom, and searchable
    "font.family": "Charter Sans",
    "font.size": 8,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 9,
    "axes.titleweight": "bold",
    "axes.edgecolor": "#555555",
    "axes.grid": True,
    "grid.color": "#dddddd",
    "grid.linewidth": 0.6,
    "axes.axisbelow": True,
    "legend.fontsize": 7,
    "legend.frameon": False,
    "path.simplify": False,
}


# name -> unit; "{target}" stands for the evaluation target's own unit. Which way a metric
# should move comes from charter.report.metrics, as in the change report.
UNITS: dict[str, str] = {
    "roc_auc": "score 0–1", "auc": "score 0–1", "accuracy": "score 0–1",
    "balanced_accuracy": "score 0–1", "precision": "score 0–1", "recall": "score 0–1",
    "f1": "score 0–1", "average_precision": "score 0–1", "gini": "score 0–1",
    "ks": "score 0–1", "brier": "score 0–1", "log_loss": "nats", "r2": "share of variance",
    "mae": "{target}", "rmse": "{target}", "mse": "{target}²", "mape": "share of actual",
}
MARKERS = {HIGHER: "↑", LOWER: "↓"}


def metric_unit(name: str, target: str | None = None) -> str:
    unit = UNITS.get(name.lower(), "value")
    return unit.replace("{target}", f"units of {target}" if target else "units of the target")


def metric_label(name: str) -> str:
    """The metric's name with its direction marker: `roc_auc ↑`, `mae ↓`, `lift (?)`."""
    return f"{name} {MARKERS.get(direction(name), '(?)')}"


def _direction_note(names: list[str]) -> str:
    ways = sorted({direction(n) for n in names}, key=[HIGHER, LOWER, UNKNOWN].index)
    return "; ".join(f"{MARKERS.get(w, '(?)')} {w}" for w in ways)


def declared_metric_charts(versions: Sequence[Mapping[str, Any]]
                           ) -> dict[str, dict[str, Any]]:
    """Every declared metric of every version, one chart per unit, so an error in currency
    units never flattens a 0–1 score to nothing. Keys: `declared`, `declared-2`, ..."""
    groups: dict[str, list[str]] = {}
    for name in sorted({m for v in versions for m, x in v["declared"].items()
                        if _is_number(x)}):
        target = next((str((v.get("evaluation") or {}).get("target")) for v in versions
                       if (v.get("evaluation") or {}).get("target")), None)
        groups.setdefault(metric_unit(name, target), []).append(name)
    charts: dict[str, dict[str, Any]] = {}
    for i, (unit, names) in enumerate(sorted(groups.items(), key=lambda g: g[1][0])):
        charts["declared" if i == 0 else f"declared-{i + 1}"] = {
            "title": "Declared hold-out metrics by version", "axis": unit,
            "note": _direction_note(names),
            "categories": [metric_label(n) for n in names],
            "series": [{"name": f"{v['version']} ({v['stage']})",
                        "values": [v["declared"].get(m) for m in names]} for v in versions]}
    return charts


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def chart_alt(spec: Mapping[str, Any]) -> str:
    """The chart in words, for readers who cannot see it: every bar's value."""
    if spec.get("kind") == "series":
        return series_alt(spec)
    kind = "Horizontal bar chart" if spec.get("horizontal") else "Bar chart"
    parts = [f"{kind}: {spec.get('title') or 'untitled'}"
             + (f", in {spec['axis']}" if spec.get("axis") else "") + "."]
    for i, category in enumerate(spec["categories"]):
        values = [f"{s['name']} {_spoken(s['values'][i])}" if len(spec["series"]) > 1
                  else _spoken(s["values"][i]) for s in spec["series"]]
        parts.append(f"{category}: {', '.join(values)}.")
    threshold = spec.get("threshold")
    if threshold:
        parts.append(f"Dashed line at {_spoken(threshold['value'])}: "
                     f"{threshold.get('label') or 'threshold'}.")
    return " ".join(parts)


def _spoken(value: Any) -> str:
    number = _number(value)
    return "no value" if math.isnan(number) else f"{number:.4g}"


@functools.cache
def _register_fonts() -> None:
    """matplotlib measures text with the same font the PDF embeds."""
    from matplotlib import font_manager

    fonts = resources.files("charter.assets").joinpath("fonts")
    for item in sorted(fonts.iterdir(), key=lambda p: p.name):
        if item.name.endswith(".ttf"):
            with resources.as_file(item) as path:
                font_manager.fontManager.addfont(str(path))


def chart_svg(spec: Mapping[str, Any]) -> bytes:
    """The chart once per figure: a spec drawn before in this process is not drawn again."""
    return _drawn(json.dumps(spec, sort_keys=True, default=str))


@functools.lru_cache(maxsize=256)
def _drawn(spec_json: str) -> bytes:
    return _draw(json.loads(spec_json))


def _draw(spec: Mapping[str, Any]) -> bytes:
    if spec.get("kind") != "series":
        return bar_svg(spec)
    import matplotlib

    with matplotlib.rc_context(_STYLE):  # type: ignore[arg-type]
        figure = chart_figure(spec)
        out = io.BytesIO()
        figure.savefig(out, format="svg", metadata={"Date": None, "Creator": "Charter"})
    return merge_markers(out.getvalue())


def needs_chart_library(spec: Mapping[str, Any]) -> bool:
    """Only time series are drawn with matplotlib."""
    return spec.get("kind") == "series"


@functools.cache
def prepare_charts() -> None:
    """matplotlib and its SVG writer loaded, the shipped fonts registered."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.backends.backend_svg  # what savefig(format="svg") loads
    import matplotlib.figure
    import matplotlib.layout_engine

    _register_fonts()


def chart_figure(spec: Mapping[str, Any]) -> Any:
    """The matplotlib figure of a time series spec, not yet drawn."""
    import matplotlib

    prepare_charts()
    with matplotlib.rc_context(_STYLE):  # type: ignore[arg-type]
        return _series_figure(spec)


def _number(value: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return math.nan
    return number


# Time series: {"kind": "series", "title", "axis", "note"?, "x": ["YYYY-MM-DD" | "YYYY-MM"],
#  "series": [{"name", "values"}], "bands": [{"low", "high", "band": "amber" | "red",
#  "label"}], "lines": [{"value", "label"}]}. A band with `high` None runs to the top of the
# axes, with `low` None to the bottom.
BAND_COLOURS = {"amber": ("#ffc000", 0.30), "red": ("#c00000", 0.16),
                "wrong side": ("#c00000", 0.08)}


def series_alt(spec: Mapping[str, Any]) -> str:
    """A time series in words: each series' value at each date, then the bands."""
    parts = [f"Line chart over time: {spec.get('title') or 'untitled'}"
             + (f", in {spec['axis']}" if spec.get("axis") else "") + "."]
    for item in spec["series"]:
        points = [f"{x} {_spoken(v)}" for x, v in zip(spec["x"], item["values"], strict=True)]
        parts.append(f"{item['name']}: {', '.join(points)}.")
    for band in spec.get("bands") or []:
        low, high = band.get("low"), band.get("high")
        parts.append(f"{band.get('label') or band['band']} band from "
                     f"{'below' if low is None else _spoken(low)} to "
                     f"{'above' if high is None else _spoken(high)}.")
    for line in spec.get("lines") or []:
        parts.append(f"Line at {_spoken(line['value'])}: {line.get('label') or ''}.")
    return " ".join(parts)


def _series_figure(spec: Mapping[str, Any]) -> Any:
    from matplotlib.figure import Figure
    from matplotlib.layout_engine import ConstrainedLayoutEngine

    days = [_day(x) for x in spec["x"]]
    figure = Figure(figsize=(spec.get("width") or 6.4, (spec.get("height") or 2.2) + 0.3),
                    layout=ConstrainedLayoutEngine(w_pad=0.04, h_pad=0.04))
    axes = figure.add_subplot()
    values = [_number(v) for s in spec["series"] for v in s["values"]]
    edges = [_number(b.get(k)) for b in spec.get("bands") or [] for k in ("low", "high")
             if b.get(k) is not None] + [_number(m["value"]) for m in spec.get("lines") or []]
    known = [v for v in values + edges if not math.isnan(v)]
    low, high = (min(known), max(known)) if known else (0.0, 1.0)
    pad = (high - low) * 0.12 or abs(high) * 0.1 or 0.1
    bottom = 0.0 if spec.get("from_zero") and low >= 0 else low - pad
    top = high + pad
    for band in spec.get("bands") or []:
        colour, alpha = BAND_COLOURS[band["band"]]
        start = bottom if band.get("low") is None else _number(band["low"])
        end = top if band.get("high") is None else _number(band["high"])
        axes.axhspan(start, end, color=colour, alpha=alpha, linewidth=0,
                     label=band.get("label") or band["band"])
    for line in spec.get("lines") or []:
        axes.axhline(_number(line["value"]), color="#333333", linewidth=0.9, linestyle="--",
                     label=line.get("label"))
    for i, item in enumerate(spec["series"]):
        axes.plot(days, [_number(v) for v in item["values"]], marker="o", markersize=3,
                  linewidth=1.2, color=PALETTE[i % len(PALETTE)], label=item["name"])
    axes.set_ylim(bottom, top)
    axes.set_ylabel(spec.get("axis", ""))
    axes.grid(axis="x", visible=False)
    if len(set(days)) == 1:  # one date: give it some room either side
        import datetime as dt

        axes.set_xlim(days[0] - dt.timedelta(days=15), days[0] + dt.timedelta(days=15))
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter

    locator = AutoDateLocator(maxticks=8)  # type: ignore[no-untyped-call]
    axes.xaxis.set_major_locator(locator)
    axes.xaxis.set_major_formatter(ConciseDateFormatter(locator))  # type: ignore[no-untyped-call]
    if spec.get("title"):
        axes.set_title(spec["title"], loc="left")
    if spec.get("note"):
        axes.set_xlabel(spec["note"], fontsize=7, color="#555555")
    handles, labels = axes.get_legend_handles_labels()
    if labels:
        figure.legend(handles, labels, loc="outside lower center", ncol=min(len(labels), 4))
    return figure


def _day(text: Any) -> Any:
    import datetime as dt

    value = str(text)
    return dt.date.fromisoformat(value if len(value) > 7 else f"{value}-01")
