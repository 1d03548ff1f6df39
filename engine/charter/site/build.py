"""Write the site: pages from the report jobs, the files they link to, nothing fetched from
elsewhere. A file is rewritten only when its bytes change, so a rebuild of the same commit
touches nothing."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from charter.errors import CharterError
from charter.report.facts import ReportFacts, plain
from charter.report.pdf import RenderJob, format_value
from charter.site.pages import (
    ModelPage,
    home_rows,
    impacted_by,
    model_pages,
    production_periods,
    verdict_of,
)

STATIC = ("site.css", "site.js")
SITE_MANIFEST = "manifest.json"
SIGNATURE = "manifest.json.p7s"


@dataclass(frozen=True)
class Download:
    path: str
    kind: str
    title: str
    sha256: str
    size: int


@dataclass(frozen=True)
class SiteInputs:
    facts: ReportFacts
    models: Sequence[str]
    dossiers: Sequence[RenderJob]  # one per model, in the same order
    inventory: RenderJob
    exports: Mapping[str, tuple[str, bytes]]  # path -> (title, bytes)
    reports: Sequence[tuple[str, str, str, int]] = ()  # (path, title, sha256, bytes) of PDFs
    links: Mapping[str, str] = field(default_factory=dict)  # commit, run, repository URLs


def build_site(inputs: SiteInputs, out: Path) -> list[str]:
    """Every file of the site but the manifest, relative to `out`; stale files removed."""
    writer = _Writer(out)
    pages = model_pages(inputs.dossiers, inputs.models)
    for name in STATIC:
        writer.put(f"assets/{name}", _static(name))
    downloads = _downloads(inputs, writer, pages)
    env = _environment()
    common = _common(inputs)
    rows = home_rows(inputs.inventory.context, pages)
    writer.put("index.html", env.get_template("index.html").render(
        **common, page="home", root="", rows=rows,
        tiers=sorted({r["risk_tier"] for r in rows}),
        verdicts=sorted({r["verdict"] for r in rows}),
        stages=sorted({s for r in rows for s in (r.get("stages") or {}).values() if s})))
    pdfs = {path for path, *_ in inputs.reports}
    for page in pages:
        pdf = f"reports/{page.job.filename}"
        writer.put(f"models/{page.slug}.html", _model_page(env, common, page, writer,
                                                           pdf if pdf in pdfs else None))
    writer.put("production.html", env.get_template("production.html").render(
        **common, page="production", root="", context=inputs.inventory.context,
        periods=production_periods(inputs.facts), slugs={p.model: p.slug for p in pages}))
    writer.put("lineage.html", env.get_template("lineage.html").render(
        **common, page="lineage", root="", answers=impacted_by(inputs.facts),
        slugs={p.model: p.slug for p in pages}, note=inputs.facts.lineage.note))
    writer.put("downloads.html", env.get_template("downloads.html").render(
        **common, page="downloads", root="", downloads=downloads))
    writer.remove_stale(_previous_files(out))
    return sorted(writer.files)


def _common(inputs: SiteInputs) -> dict[str, Any]:
    facts = inputs.facts
    return {"commit": facts.commit, "committed": facts.committed.isoformat(),
            "today": facts.today.isoformat(), "policy_digest": facts.policies.digest,
            "engine_version": facts.engine_version, "links": dict(inputs.links)}


def _model_page(env: Any, common: Mapping[str, Any], page: ModelPage, writer: _Writer,
                pdf: str | None) -> str:
    job = page.job
    folder = f"models/{page.slug}"
    attachments = []
    stamp = {"rendered_from": {"commit": job.commit, "committed": job.committed}}
    for name, data in sorted(job.attachments.items()):
        data = {**stamp, **data} if isinstance(data, Mapping) else data  # as the PDF embeds it
        text = json.dumps(plain(data), indent=2, sort_keys=True, default=str) + "\n"
        writer.put(f"{folder}/{name}", text)
        attachments.append({"name": name, "href": f"{page.slug}/{name}"})
    drawings = {}
    for name, svg in sorted(job.drawings.items()):
        writer.put(f"{folder}/{name}.svg", svg)
        drawings[name] = f"{page.slug}/{name}.svg"
    charts = {name: f"../charts/{_chart(writer, spec)}" for name, spec in job.charts.items()}
    return str(env.get_template("model.html").render(
        **common, page="model", root="../", model_id=page.model, slug=page.slug,
        c=job.context, verdict=verdict_of(page), charts=charts, chart_titles={n: s.get("title", n)
                                                   for n, s in job.charts.items()},
        drawings=drawings, attachments=attachments, pdf=f"../{pdf}" if pdf else None))


def _chart(writer: _Writer, spec: Mapping[str, Any]) -> str:
    """A chart drawn by the PDFs' own chart code, stored once under the hash of its spec."""
    key = hashlib.sha256(json.dumps(spec, sort_keys=True, default=str).encode()).hexdigest()
    name = f"{key[:24]}.svg"
    path = f"charts/{name}"
    if not writer.keep_if_present(path):
        from charter.report.charts import chart_svg

        writer.put(path, chart_svg(spec))
    return name


def _downloads(inputs: SiteInputs, writer: _Writer, pages: Sequence[ModelPage]
               ) -> list[Download]:
    found = [Download(path, "PDF", title, sha, size)
             for path, title, sha, size in inputs.reports]
    for path in {p for p, *_ in inputs.reports}:
        writer.claim(path)
    if inputs.reports:  # the report builder's own list, beside the PDFs
        writer.claim("reports/manifest.json")
    for path, (title, data) in sorted(inputs.exports.items()):
        writer.put(path, data)
        found.append(Download(path, path.rpartition(".")[2].upper(), title,
                              hashlib.sha256(data).hexdigest(), len(data)))
    return found


def _environment() -> Any:
    from jinja2 import ChainableUndefined, Environment, PackageLoader, select_autoescape

    # The model pages read the dossier's context, which grows with the dossier: a field it
    # no longer has shows as empty rather than stopping the whole site.
    env = Environment(loader=PackageLoader("charter", "templates/site"),
                      autoescape=select_autoescape(default=True, default_for_string=True),
                      undefined=ChainableUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["value"] = format_value
    return env


def _static(name: str) -> bytes:
    return (resources.files("charter") / "templates" / "site" / name).read_bytes()


def _previous_files(out: Path) -> list[str]:
    try:
        data = json.loads((out / SITE_MANIFEST).read_text())
        return [str(e["path"]) for e in data.get("files", [])]
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return []


class _Writer:
    """Writes files under one folder, each only when its bytes differ from what is there."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.files: set[str] = set()

    def put(self, path: str, data: str | bytes) -> None:
        raw = data.encode() if isinstance(data, str) else data
        target = self.out / path
        self.files.add(path)
        try:
            if target.is_file() and target.stat().st_size == len(raw) and (
                    target.read_bytes() == raw):
                return
            target.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile("wb", dir=target.parent, delete=False,
                                             suffix=".tmp") as handle:
                handle.write(raw)
            os.chmod(handle.name, 0o644)
            os.replace(handle.name, target)
        except OSError as exc:
            raise CharterError.at(f"cannot write {target}: {exc.strerror}") from None

    def claim(self, path: str) -> None:
        self.files.add(path)

    def keep_if_present(self, path: str) -> bool:
        if (self.out / path).is_file():
            self.files.add(path)
            return True
        return False

    def remove_stale(self, previous: Sequence[str]) -> None:
        """Files an earlier build of this site wrote and this one did not: only those."""
        for path in previous:
            if path not in self.files and ".." not in Path(path).parts:
                (self.out / path).unlink(missing_ok=True)
