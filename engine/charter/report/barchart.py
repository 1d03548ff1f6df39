"""Bar charts written as SVG directly: the same spec always gives the same bytes, and no chart
library is loaded to draw them.

A spec: {"categories": [...], "series": [{"name", "values", "errors"?}], "horizontal": bool,
"title", "axis", "note"?, "threshold": {"value", "label"} | None, "limits": [lo, hi] | None,
"width"?, "height"? (inches)}. Lengths below are points (the SVG's user unit); text is set in
the package's own font and measured with its glyph advances, so labels are placed by their
real widths: the title sits above the plot, the legend below everything, and nothing
overlaps.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

from charter.report.drawing import text_width

PALETTE = ("#1f4e79", "#c55a11", "#548235", "#7f6000", "#7030a0", "#2e75b6")
TICK, TITLE, LEGEND, NOTE = 8.0, 9.0, 7.0, 7.0  # font sizes
PAD = 4.0
BOLD_WIDENING = 1.1  # bold glyphs run wider than the regular advances measured
INK, GREY, GRID, THRESHOLD = "#1a1a1a", "#555555", "#dddddd", "#c00000"


@dataclass(frozen=True)
class Box:
    x: float
    y: float
    w: float
    h: float

    def overlaps(self, other: Box) -> bool:
        return (self.x < other.x + other.w and other.x < self.x + self.w
                and self.y < other.y + other.h and other.y < self.y + self.h)


@dataclass(frozen=True)
class Layout:
    """Where each part of a chart goes."""

    width: float
    height: float
    title: Box
    plot: Box
    legend: Box | None
    legend_rows: tuple[tuple[tuple[str, str, bool], ...], ...]  # (label, colour, dashed)
    ticks: tuple[float, ...]
    low: float
    high: float
    rotate: bool  # category labels of a vertical chart set at an angle


def number(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def nice_ticks(low: float, high: float, count: int = 5) -> tuple[float, ...]:
    """Round tick values that cover [low, high]: steps of 1, 2, 2.5 or 5 times a power of 10."""
    if not high > low:
        high = low + (abs(low) or 1.0)
    raw = (high - low) / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    first = math.floor(low / step + 1e-9)
    last = math.ceil(high / step - 1e-9)
    return tuple(round(i * step, 12) for i in range(first, last + 1))


def tick_label(value: float, ticks: Sequence[float]) -> str:
    """Every tick of an axis with the decimals its step needs: 0.25 steps get two."""
    step = abs(ticks[1] - ticks[0]) if len(ticks) > 1 else 1.0
    decimals = next(d for d in range(7) if abs(round(step, d) - step) < 1e-9 * max(step, 1))
    text = f"{value:,.{decimals}f}"
    return "0" if text.strip("-0.,") == "" else text


def _range(spec: Mapping[str, Any]) -> tuple[float, float, tuple[float, ...]]:
    limits = spec.get("limits")
    if limits:
        low, high = number(limits[0]), number(limits[1])
        ticks = tuple(t for t in nice_ticks(low, high) if low - 1e-9 <= t <= high + 1e-9)
        return low, high, ticks
    values = [number(v) + (number(e) if errors else 0) * sign
              for s in spec["series"]
              for errors in [s.get("errors")]
              for i, v in enumerate(s["values"])
              for e in [errors[i] if errors else 0]
              for sign in (-1, 1)]
    threshold = spec.get("threshold")
    if threshold:
        values.append(number(threshold["value"]))
    known = [v for v in values if not math.isnan(v)]
    low, high = min([0.0, *known]), max([0.0, *known])
    if high == low:
        high = low + 1.0
    ticks = nice_ticks(low, high + (high - low) * 0.05)
    return ticks[0], ticks[-1], ticks


def _legend_entries(spec: Mapping[str, Any]) -> list[tuple[str, str, bool]]:
    entries = [(str(s["name"]), PALETTE[i % len(PALETTE)], False)
               for i, s in enumerate(spec["series"])]
    threshold = spec.get("threshold")
    if threshold:
        entries.append((str(threshold.get("label") or "threshold"), THRESHOLD, True))
    return entries if len(spec["series"]) > 1 or threshold else []


def _legend_rows(entries: list[tuple[str, str, bool]], width: float
                 ) -> tuple[tuple[tuple[str, str, bool], ...], ...]:
    """At most four entries a row, fewer when the row would not fit the chart's width."""
    rows: list[list[tuple[str, str, bool]]] = []
    for entry in entries:
        row = rows[-1] if rows else None
        if row is None or len(row) == 4 or _row_width([*row, entry]) > width - 2 * PAD:
            rows.append([entry])
        else:
            row.append(entry)
    return tuple(tuple(r) for r in rows)


def _row_width(row: Sequence[tuple[str, str, bool]]) -> float:
    return sum(18 + text_width(label, LEGEND) for label, _, _ in row) + 10 * (len(row) - 1)


def layout(spec: Mapping[str, Any]) -> Layout:
    categories = [str(c) for c in spec["categories"]]
    horizontal = bool(spec.get("horizontal"))
    series = max(len(spec["series"]), 1)
    entries = _legend_entries(spec)
    inches = spec.get("width") or (6.4 if horizontal else min(
        6.4, 2.2 + 0.75 * len(categories) * series ** 0.5))
    width = float(inches) * 72
    rows = _legend_rows(entries, width)
    legend_h = len(rows) * (LEGEND + 5) if rows else 0.0
    low, high, ticks = _range(spec)
    labels = [tick_label(t, ticks) for t in ticks]
    title_box = Box(PAD, PAD, text_width(str(spec.get("title") or ""), TITLE) * BOLD_WIDENING,
                    TITLE + 2)
    top = title_box.y + title_box.h + 6
    rotate = not horizontal and len(categories) > 5
    if horizontal:
        band = 0.26 * 72  # as tall per category as the charts drawn before
        left = PAD + max((text_width(c, TICK) for c in categories), default=0) + 6
        below = TICK + 6 + (TICK + 4 if spec.get("axis") else 0)
        plot_h = band * len(categories)
    else:
        left = PAD + (TICK + 4 if spec.get("axis") else 0) + max(
            text_width(t, TICK) for t in labels) + 6
        widest = max((text_width(c, TICK) for c in categories), default=0)
        below = (widest * 0.5 + TICK if rotate else TICK) + 6
        below += NOTE + 6 if spec.get("note") else 0
        plot_h = float(spec.get("height") or 2.1) * 72 - top - below - PAD
    right = PAD + text_width(labels[-1], TICK) / 2 + 2 if horizontal else PAD + 2
    plot = Box(left, top, max(width - left - right, 40.0), max(plot_h, 40.0))
    legend = (Box(PAD, plot.y + plot.h + below + 2, width - 2 * PAD, legend_h)
              if rows else None)
    height = (legend.y + legend.h if legend else plot.y + plot.h + below) + PAD
    width = max(width, title_box.x + title_box.w + PAD)
    return Layout(width, height, title_box, plot, legend, rows, ticks, low, high, rotate)


def bar_svg(spec: Mapping[str, Any]) -> bytes:
    at = layout(spec)
    horizontal = bool(spec.get("horizontal"))
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{at.width:.1f}pt" '
             f'height="{at.height:.1f}pt" viewBox="0 0 {at.width:.1f} {at.height:.1f}" '
             f'font-family="Charter Sans">']
    parts += _grid(at, horizontal)
    parts += _bars(spec, at, horizontal)
    parts += _axes(spec, at, horizontal)
    if spec.get("title"):
        parts.append(_text(at.title.x, at.title.y + TITLE, str(spec["title"]), TITLE,
                           weight="bold", fill=INK))
    parts += _legend(at)
    parts.append("</svg>")
    return "\n".join(parts).encode()


def _scale(at: Layout, horizontal: bool, value: float) -> float:
    share = (value - at.low) / (at.high - at.low)
    plot = at.plot
    return plot.x + share * plot.w if horizontal else plot.y + plot.h - share * plot.h


def _grid(at: Layout, horizontal: bool) -> list[str]:
    plot, lines = at.plot, []
    for tick in at.ticks:
        p = _scale(at, horizontal, tick)
        lines.append(f'M{p:.2f},{plot.y:.2f}V{plot.y + plot.h:.2f}' if horizontal
                     else f'M{plot.x:.2f},{p:.2f}H{plot.x + plot.w:.2f}')
    return [f'<path d="{" ".join(lines)}" stroke="{GRID}" stroke-width="0.6" fill="none"/>']


def _bars(spec: Mapping[str, Any], at: Layout, horizontal: bool) -> list[str]:
    count = max(len(spec["series"]), 1)
    slots = len(spec["categories"])
    plot = at.plot
    band = (plot.h if horizontal else plot.w) / max(slots, 1)
    thickness = band * 0.8 / count
    zero = _scale(at, horizontal, min(max(0.0, at.low), at.high))
    parts = []
    for i, item in enumerate(spec["series"]):
        colour = PALETTE[i % len(PALETTE)]
        rects, whiskers = [], []
        errors = item.get("errors")
        for j, raw in enumerate(item["values"]):
            value = number(raw)
            if math.isnan(value):
                continue
            end = _scale(at, horizontal, min(max(value, at.low), at.high))
            start = (plot.y if horizontal else plot.x) + band * (j + 0.1) + thickness * i
            across = (start + thickness * 0.04, thickness * 0.92)
            if horizontal:
                rects.append((min(zero, end), across[0], abs(end - zero), across[1]))
            else:
                rects.append((across[0], min(zero, end), across[1], abs(end - zero)))
            error = number(errors[j]) if errors else math.nan
            if error > 0:
                a = _scale(at, horizontal, value - error)
                b = _scale(at, horizontal, value + error)
                mid = across[0] + across[1] / 2
                whiskers.append(f"M{a:.2f},{mid:.2f}H{b:.2f}" if horizontal
                                else f"M{mid:.2f},{a:.2f}V{b:.2f}")
        parts += [f'<rect x="{x:.2f}" y="{y:.2f}" width="{w:.2f}" height="{h:.2f}" '
                  f'fill="{colour}"/>' for x, y, w, h in rects]
        if whiskers:
            parts.append(f'<path d="{" ".join(whiskers)}" stroke="#333333" stroke-width="0.7"/>')
    threshold = spec.get("threshold")
    if threshold and at.low <= number(threshold["value"]) <= at.high:
        p = _scale(at, horizontal, number(threshold["value"]))
        line = (f"M{p:.2f},{plot.y:.2f}V{plot.y + plot.h:.2f}" if horizontal
                else f"M{plot.x:.2f},{p:.2f}H{plot.x + plot.w:.2f}")
        parts.append(f'<path d="{line}" stroke="{THRESHOLD}" stroke-width="0.9" '
                     'stroke-dasharray="3.3,1.4" fill="none"/>')
    return parts


def _axes(spec: Mapping[str, Any], at: Layout, horizontal: bool) -> list[str]:
    plot = at.plot
    parts = [f'<path d="M{plot.x:.2f},{plot.y:.2f}V{plot.y + plot.h:.2f}'
             f'H{plot.x + plot.w:.2f}" stroke="{GREY}" stroke-width="0.8" fill="none"/>']
    categories = [str(c) for c in spec["categories"]]
    band = (plot.h if horizontal else plot.w) / max(len(categories), 1)
    for tick in at.ticks:
        p = _scale(at, horizontal, tick)
        label = tick_label(tick, at.ticks)
        if horizontal:
            parts.append(_text(p, plot.y + plot.h + TICK + 3, label, TICK, anchor="middle"))
        else:
            parts.append(_text(plot.x - 4, p + TICK * 0.35, label, TICK, anchor="end"))
    for j, category in enumerate(categories):
        middle = (plot.y if horizontal else plot.x) + band * (j + 0.5)
        if horizontal:
            parts.append(_text(plot.x - 4, middle + TICK * 0.35, category, TICK, anchor="end"))
        elif at.rotate:
            y = plot.y + plot.h + TICK + 2
            parts.append(f'<text x="{middle:.2f}" y="{y:.2f}" font-size="{TICK:g}" '
                         f'fill="{INK}" text-anchor="end" transform="rotate(-30 {middle:.2f} '
                         f'{y:.2f})">{escape(category)}</text>')
        else:
            parts.append(_text(middle, plot.y + plot.h + TICK + 3, category, TICK,
                               anchor="middle"))
    axis = str(spec.get("axis") or "")
    legend_top = at.legend.y if at.legend else at.height - PAD
    if horizontal and axis:
        parts.append(_text(plot.x + plot.w / 2, plot.y + plot.h + 2 * TICK + 8, axis, TICK,
                           anchor="middle"))
    elif axis:
        x, y = PAD + TICK, plot.y + plot.h / 2
        parts.append(f'<text x="{x:.2f}" y="{y:.2f}" font-size="{TICK:g}" fill="{INK}" '
                     f'text-anchor="middle" transform="rotate(-90 {x:.2f} {y:.2f})">'
                     f'{escape(axis)}</text>')
    if spec.get("note") and not horizontal:
        parts.append(_text(plot.x + plot.w / 2, legend_top - 4, str(spec["note"]), NOTE,
                           anchor="middle", fill=GREY))
    return parts


def _legend(at: Layout) -> list[str]:
    if not at.legend:
        return []
    parts = []
    for r, row in enumerate(at.legend_rows):
        x = at.legend.x + (at.legend.w - _row_width(row)) / 2
        y = at.legend.y + r * (LEGEND + 5) + LEGEND / 2 + 1
        for label, colour, dashed in row:
            if dashed:
                parts.append(f'<path d="M{x:.2f},{y:.2f}h14" stroke="{colour}" '
                             'stroke-width="0.9" stroke-dasharray="3.3,1.4"/>')
            else:
                parts.append(f'<rect x="{x:.2f}" y="{y - 3.5:.2f}" width="14" height="7" '
                             f'fill="{colour}"/>')
            parts.append(_text(x + 18, y + LEGEND * 0.35, label, LEGEND))
            x += 18 + text_width(label, LEGEND) + 10
    return parts


def _text(x: float, y: float, text: str, size: float, anchor: str = "start",
          weight: str = "normal", fill: str = INK) -> str:
    extra = f' text-anchor="{anchor}"' if anchor != "start" else ""
    extra += f' font-weight="{weight}"' if weight != "normal" else ""
    return (f'<text x="{x:.2f}" y="{y:.2f}" font-size="{size:g}" fill="{fill}"{extra}>'
            f"{escape(text)}</text>")
