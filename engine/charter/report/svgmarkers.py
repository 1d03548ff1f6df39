"""matplotlib's markers as paths instead of `<use>` references, for WeasyPrint.

matplotlib writes a line's markers as one `<use>` of a shared marker path per data point
(and ticks the same way). WeasyPrint draws each `<use>` by cascading styles through a copy of
the referenced element: about a millisecond each, so a drift chart of eleven features over
thirteen months spends 60% of its drawing time in 160 markers. Here each run of `<use>`
elements that share a marker and a style becomes one `<path>`: the marker's outline repeated
at each point, in the same style. The page shows the same shapes, at the same places.
"""

from __future__ import annotations

import re

# The exact forms matplotlib writes; anything else is left as it is.
_DEF = re.compile(r'<path id="(?P<id>[\w-]+)" d="(?P<d>[^"]*)"(?: style="(?P<style>[^"]*)")?/>')
_USE = re.compile(r'<use xlink:href="#(?P<id>[\w-]+)" x="(?P<x>[-\d.e]+)" y="(?P<y>[-\d.e]+)"'
                  r'(?: style="(?P<style>[^"]*)")?/>')
_RUN = re.compile(rf"(?:{_USE.pattern}\s*)+")
_TOKEN = re.compile(r"[A-Za-z]|[-+]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?")
_ABSOLUTE = frozenset("MLCQZz")


def merge_markers(svg: bytes) -> bytes:
    """The SVG with each run of `<use>` of one marker in one style drawn as one path."""
    text = svg.decode("utf-8")
    shapes = {m["id"]: (m["d"], m["style"] or "") for m in _DEF.finditer(text)}
    merged = _RUN.sub(lambda run: _merged_run(run.group(0), shapes), text)
    return merged.encode("utf-8")


def _merged_run(run: str, shapes: dict[str, tuple[str, str]]) -> str:
    uses = list(_USE.finditer(run))
    trailing = run[len(run.rstrip()):]
    out: list[str] = []
    moved = False
    i = 0
    while i < len(uses):
        first = uses[i]
        j = i
        while j + 1 < len(uses) and (uses[j + 1]["id"], uses[j + 1]["style"]) == (
                first["id"], first["style"]):
            j += 1
        group = uses[i:j + 1]
        path = _path(group, shapes)
        moved = moved or path is not None
        out.append(path if path is not None else "".join(u.group(0) for u in group))
        i = j + 1
    return "\n".join(out) + trailing if moved else run


def _path(uses: list[re.Match[str]], shapes: dict[str, tuple[str, str]]) -> str | None:
    shape = shapes.get(uses[0]["id"])
    if shape is None:
        return None
    outline, own_style = shape
    tokens = _TOKEN.findall(outline)
    if not tokens or any(t.isalpha() and t not in _ABSOLUTE for t in tokens):
        return None  # relative or arc commands: not moved by adding x and y
    parts = []
    for use in uses:
        moved = _moved(tokens, float(use["x"]), float(use["y"]))
        if moved is None:
            return None
        parts.append(moved)
    # The marker's own style wins over what it inherits from the <use>: later in the list.
    style = "; ".join(s for s in (uses[0]["style"], own_style) if s)
    return f'<path d="{" ".join(parts)}"' + (f' style="{style}"' if style else "") + "/>"


def _moved(tokens: list[str], dx: float, dy: float) -> str | None:
    out: list[str] = []
    numbers: list[float] = []
    for token in tokens:
        if token.isalpha():
            if len(numbers) % 2:
                return None
            out.append(token)
            continue
        value = float(token) + (dy if len(numbers) % 2 else dx)
        numbers.append(value)
        out.append(_number(value))
    return None if len(numbers) % 2 else " ".join(out)


def _number(value: float) -> str:
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text
