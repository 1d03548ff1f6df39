"""What each page shows, read from the report jobs the PDFs are rendered from: the
inventory report's rows for the home page, each dossier's context for its model page."""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from charter.report.common import slug
from charter.report.facts import ReportFacts
from charter.report.pdf import RenderJob


@dataclass(frozen=True)
class ModelPage:
    model: str
    slug: str
    job: RenderJob  # the dossier's render job: the PDF and the page state the same values


def model_pages(jobs: Sequence[RenderJob], models: Sequence[str]) -> list[ModelPage]:
    return [ModelPage(m, slug(m), job) for m, job in zip(models, jobs, strict=True)]


def verdict_of(page: ModelPage) -> tuple[str, str]:
    """The verdict in the words and colour of the model's dossier cover."""
    cover = page.job.context.get("cover") or {}
    return str(cover.get("verdict") or "unknown"), str(cover.get("verdict_class") or "unknown")


def home_rows(inventory_context: Mapping[str, Any], pages: Sequence[ModelPage]
              ) -> list[dict[str, Any]]:
    """One row per model, in production ever or not, with its waivers and verdict."""
    verdicts = {p.model: verdict_of(p) for p in pages}
    waivers = list(inventory_context.get("waivers") or [])
    ever = [{**r, "ever_in_production": True} for r in inventory_context.get("rows") or []]
    never = [{**r, "ever_in_production": False} for r in inventory_context.get("others") or []]
    rows = []
    for row in sorted(ever + never, key=lambda r: str(r["id"])):
        blocking = int(row.get("blocking") or 0)
        words, verdict = verdicts.get(str(row["id"]), ("unknown", "unknown"))
        rows.append({**row, "slug": slug(str(row["id"])), "verdict": verdict,
                     "verdict_words": words,
                     "warnings": int(row.get("open_findings") or 0) - blocking,
                     "waivers": [w for w in waivers if _covers_model(w, str(row["id"]))]})
    return rows


def _covers_model(waiver: Mapping[str, Any], model: str) -> bool:
    target = str(waiver.get("target") or "")
    return fnmatch.fnmatchcase(model, target.partition("@")[0]) or fnmatch.fnmatchcase(
        f"{model}@", target) or target == model


def impacted_by(facts: ReportFacts) -> list[dict[str, Any]]:
    """`charter lineage --impacted-by NAME` for every dataset, answered once at build time."""
    from charter.lineage import build_lineage, downstream

    graph = build_lineage(facts.inventory)
    names = sorted({str(d.get("name")) for _, d in graph.nodes(data=True)
                    if d.get("kind") == "dataset"})
    answers = []
    for name in names:
        nodes = downstream(graph, name)
        answers.append({"dataset": name, "slug": slug(name), "impacted": [
            {"id": n, "kind": graph.nodes[n]["kind"], "label": graph.nodes[n]["label"],
             "stage": graph.nodes[n].get("stage"),
             "model": _model_of_node(graph.nodes[n], n)} for n in nodes]})
    return answers


def _model_of_node(data: Mapping[str, Any], node: str) -> str | None:
    if data.get("kind") not in ("version", "deployment"):
        return None
    return node.split(":")[1].partition("@")[0]


def production_periods(facts: ReportFacts) -> dict[str, list[dict[str, Any]]]:
    """Per model, each move into or out of production that the history replay saw."""
    periods: dict[str, list[dict[str, Any]]] = {}
    if not facts.timeline.available:
        return periods
    for event in facts.timeline.value["events"]:
        moved = "production" in (event.get("stage_to"), event.get("stage_from"))
        if moved and event.get("model"):
            periods.setdefault(str(event["model"]), []).append(event)
    return periods
