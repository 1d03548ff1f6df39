"""Charts as SVG from matplotlib, byte for byte the same for the same data.

A chart is described by a plain spec (JSON-able, so it can be hashed and sent to a worker):
{"categories": [...], "series": [{"name", "values", "errors"?}], "horizontal": bool,
 "title", "axis", "threshold": {"value", "label"} | None, "limits": [lo, hi] | None}.
"""

from __future__ import annotations

import functools
import io
import json
import math
from collections.abc import Mapping
from typing import Any

PALETTE = ("#1f4e79", "#c55a11", "#548235", "#7f6000", "#7030a0", "#2e75b6")
_STYLE: dict[str, Any] = {
    "svg.hashsalt": "charter",  # element ids stop depending on a random salt
    "svg.fonttype": "none",  # text stays text: crisp at any zoom, and searchable
    "font.family": "DejaVu Sans",
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


def chart_svg(spec: Mapping[str, Any]) -> bytes:
    """The chart once per figure: a spec drawn before in this process is not drawn again."""
    return _drawn(json.dumps(spec, sort_keys=True, default=str))


@functools.lru_cache(maxsize=256)
def _drawn(spec_json: str) -> bytes:
    return _draw(json.loads(spec_json))


def _draw(spec: Mapping[str, Any]) -> bytes:
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    with matplotlib.rc_context(_STYLE):  # type: ignore[arg-type]
        categories = [str(c) for c in spec["categories"]]
        horizontal = bool(spec.get("horizontal"))
        height = spec.get("height") or (max(1.6, 0.28 * len(categories) + 0.9) if horizontal
                                        else 2.4)
        width = spec.get("width") or (6.4 if horizontal else min(6.4, 2.2 + 0.75 * len(
            categories) * max(len(spec["series"]), 1) ** 0.5))
        figure = Figure(figsize=(width, height))
        axes = figure.add_subplot()
        _bars(axes, categories, spec["series"], horizontal)
        _decorate(axes, spec, categories, horizontal)
        figure.tight_layout(pad=0.4)
        out = io.BytesIO()
        figure.savefig(out, format="svg", metadata={"Date": None, "Creator": "Charter"})
    return out.getvalue()


def _number(value: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return math.nan
    return number


def _bars(axes: Any, categories: list[str], series: list[Mapping[str, Any]],
          horizontal: bool) -> None:
    count = max(len(series), 1)
    width = 0.8 / count
    positions = list(range(len(categories)))
    for i, item in enumerate(series):
        offsets = [p - 0.4 + width * (i + 0.5) for p in positions]
        values = [_number(v) for v in item["values"]]
        errors = item.get("errors")
        error_values = [_number(e) for e in errors] if errors else None
        color = PALETTE[i % len(PALETTE)]
        if horizontal:
            axes.barh(offsets, values, height=width * 0.92, color=color, label=item["name"],
                      xerr=error_values, error_kw={"elinewidth": 0.7, "ecolor": "#333333"})
        else:
            axes.bar(offsets, values, width=width * 0.92, color=color, label=item["name"],
                     yerr=error_values, error_kw={"elinewidth": 0.7, "ecolor": "#333333"})


def _decorate(axes: Any, spec: Mapping[str, Any], categories: list[str],
              horizontal: bool) -> None:
    positions = list(range(len(categories)))
    if horizontal:
        axes.set_yticks(positions, categories)
        axes.invert_yaxis()
        axes.set_xlabel(spec.get("axis", ""))
        axes.grid(axis="y", visible=False)
    else:
        axes.set_xticks(positions, categories, rotation=30 if len(categories) > 5 else 0,
                        ha="right" if len(categories) > 5 else "center")
        axes.set_ylabel(spec.get("axis", ""))
        axes.grid(axis="x", visible=False)
    limits = spec.get("limits")
    if limits:
        (axes.set_xlim if horizontal else axes.set_ylim)(*limits)
    threshold = spec.get("threshold")
    if threshold:
        line = axes.axvline if horizontal else axes.axhline
        line(threshold["value"], color="#c00000", linewidth=0.9, linestyle="--",
             label=threshold.get("label"))
    if spec.get("title"):
        axes.set_title(spec["title"], loc="left")
    if len(spec["series"]) > 1 or threshold:
        axes.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), ncol=min(
            len(spec["series"]) + (1 if threshold else 0), 4), borderaxespad=0.2)
