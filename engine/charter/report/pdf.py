"""Render one report: jinja2 HTML (autoescaped) to tagged PDF/A-3a with weasyprint, fetching
nothing but the package's own assets (stylesheet, fonts) and the charts drawn for this
document."""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import hashlib
import html
import io
import json
import logging
import os
import re
import threading
import types
import zlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from importlib import resources
from typing import Any

from charter import __version__
from charter.report.pagerefs import COUNTED_CSS, FILLED_CSS, fill_page_numbers
from charter.report.useragent import report_html, user_agent_stylesheets

ASSET_PREFIX = "charter:asset/"
IMAGE_PREFIX = "charter:image/"
PAGE_SIZES = {"a4": "A4", "letter": "Letter"}
PDF_VARIANT = "pdf/a-3a"
RENDERER_LIBRARIES = ("weasyprint", "pydyf", "fonttools", "matplotlib", "jinja2")
# zlib's level for the PDF's streams. pydyf compresses at level 9, which takes three times as
# long as level 6 for files 4% smaller: about 6% of a dossier's rendering time.
FLATE_LEVEL = 6


@dataclass(frozen=True)
class RenderJob:
    """Everything one PDF is made of; plain data, so it can be hashed and sent to a worker."""

    filename: str
    template: str
    title: str
    doc_id: str  # shown in the running header
    commit: str
    committed: str  # ISO date-time of the commit: the only date the document carries
    page_size: str  # a4 | letter
    context: Mapping[str, Any]
    charts: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)  # name -> spec
    drawings: Mapping[str, str] = field(default_factory=dict)  # name -> SVG text
    attachments: Mapping[str, Any] = field(default_factory=dict)  # file name -> JSON data

    def input_key(self) -> str:
        """The hash of what the document says, less the commit it was rendered from. Computed
        once per job (a build asks for it three times, and a dossier's context is large); a
        job is never changed once made."""
        key: str | None = self.__dict__.get("_input_key")
        if key is None:
            data = asdict(self)
            # The document states the commit it was rendered from, but one whose content is
            # otherwise the same need not be rendered again for a new commit.
            del data["commit"], data["committed"]
            data["engine"] = [__version__, template_digest(), library_versions(), FLATE_LEVEL]
            key = _digest(data)
            object.__setattr__(self, "_input_key", key)
        return key

    def identifier(self) -> bytes:
        return _digest({"key": self.input_key(), "commit": self.commit,
                        "committed": self.committed})[:32].encode()


def _digest(data: Any) -> str:
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


_TEMPLATE_DIGEST: list[str] = []


def template_digest() -> str:
    """A hash of the templates and assets: a new layout re-renders every document."""
    if not _TEMPLATE_DIGEST:
        digest = hashlib.sha256()
        files = {f"templates/{p.name}": p for p in resources.files("charter.templates")
                 .iterdir() if p.is_file() and not p.name.endswith((".py", ".pyc"))}
        files.update({f"assets/{name}": p for name, p in asset_names().items()})
        for name in sorted(files):
            digest.update(name.encode() + b"\0" + files[name].read_bytes())
        _TEMPLATE_DIGEST.append(digest.hexdigest())
    return _TEMPLATE_DIGEST[0]


@functools.cache
def template_environment() -> Any:
    """One environment per process: templates compile once, not once per document."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("charter", "templates"),
        autoescape=True,  # every value from models.yaml renders as text, never as markup
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["num"] = format_number
    env.filters["value"] = format_value
    env.filters["short"] = lambda text, n=12: str(text)[:n] if text else "—"
    return env


def format_number(value: Any, digits: int = 4) -> str:
    if isinstance(value, bool) or value is None:
        return format_value(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if value != value:  # NaN
            return "—"
        if 0 < abs(value) < 10 ** -digits:
            return f"{value:.1e}"
        if value.is_integer() or abs(value) >= 1e6:  # a count or a share in percent
            return f"{value:,.0f}"
        # Always the same decimals, trailing zeros kept: a column of figures lines up and
        # reads in one format (0.8500 beside 0.8738, not 0.85).
        return f"{value:,.{digits}f}"
    return str(value)


def format_value(value: Any) -> str:
    if value is None or value == "" or value == [] or value == {}:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float | int):
        return format_number(value)
    if isinstance(value, list | tuple):
        return ", ".join(format_value(v) for v in value)
    if isinstance(value, Mapping):
        return "; ".join(f"{k}: {format_value(v)}" for k, v in value.items())
    return str(value)


_KINDS = {".css": "text/css", ".svg": "image/svg+xml", ".ttf": "font/ttf"}


def asset_names() -> dict[str, Any]:
    """The package's assets a document may fetch: name (relative path) -> file."""
    assets = resources.files("charter.assets")
    found: dict[str, Any] = {}
    for item in assets.iterdir():
        if item.is_dir() and item.name == "fonts":
            found.update({f"fonts/{f.name}": f for f in item.iterdir() if f.is_file()})
        elif item.is_file():
            found[item.name] = item
    return {n: f for n, f in found.items() if n.endswith(tuple(_KINDS))}


class _Fetcher:
    """Builds a weasyprint URL fetcher that refuses all but the package's own resources."""

    def __init__(self, images: Mapping[str, bytes]) -> None:
        from weasyprint.urls import URLFetcher, URLFetcherResponse

        allowed = asset_names()
        refused: list[str] = []
        self.refused = refused

        class AssetFetcher(URLFetcher):  # type: ignore[misc]  # weasyprint has no types
            def fetch(self, url: str, headers: Any = None) -> Any:
                if url in images:
                    return URLFetcherResponse(url, images[url], {"Content-Type":
                                                                 "image/svg+xml"})
                name = url.removeprefix(ASSET_PREFIX)
                if url.startswith(ASSET_PREFIX) and name in allowed:
                    kind = _KINDS[name[name.rindex("."):]]
                    return URLFetcherResponse(url, allowed[name].read_bytes(),
                                              {"Content-Type": kind})
                refused.append(url)
                raise ValueError(f"refused to fetch {url}: reports embed only their own assets")

        self.fetcher = AssetFetcher(allowed_protocols=["charter"])


@contextlib.contextmanager
def _source_date(timestamp: int) -> Iterator[None]:
    """Font subsetting stamps the current time into the font unless SOURCE_DATE_EPOCH is set."""
    before = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = str(timestamp)
    try:
        yield
    finally:
        if before is None:
            del os.environ["SOURCE_DATE_EPOCH"]
        else:
            os.environ["SOURCE_DATE_EPOCH"] = before


def render_html(job: RenderJob) -> str:
    from charter.report.charts import chart_alt

    env = template_environment()
    meta = {"title": job.title, "doc_id": job.doc_id, "commit": job.commit,
            "committed": job.committed, "page_size": PAGE_SIZES.get(job.page_size, "A4"),
            "engine_version": __version__, "asset": ASSET_PREFIX,
            "attachments": sorted(job.attachments)}
    images = {name: f"{IMAGE_PREFIX}{name}.svg" for name in [*job.charts, *job.drawings]}
    # What a screen reader says for each figure: the data itself, not only its caption.
    alts = {name: chart_alt(spec) for name, spec in job.charts.items()}
    alts.update({name: svg_title(svg) for name, svg in job.drawings.items()})
    return str(env.get_template(job.template).render(**job.context, meta=meta, images=images,
                                                     alts=alts))


# Elements that never sit inside a line of text in the templates: whitespace before one of
# them (or before its end tag) is never shown, since it starts or ends a line, or lies
# between rows, cells or blocks.
_BLOCKS = ("html|head|body|meta|title|style|section|nav|div|p|h[1-6]|ul|ol|li|table|caption|"
           "colgroup|col|thead|tbody|tr|th|td|figure|figcaption")
_UNSEEN_WHITESPACE = re.compile(rf">\s+(?=</?(?:{_BLOCKS})[\s/>])")


def compact_html(text: str) -> str:
    """The document without the whitespace between its blocks. WeasyPrint builds a box for
    each such run of whitespace, styles it, lays it out and tags it, to draw nothing: the
    PDF is the same without them, and takes a sixth less time to make."""
    return _UNSEEN_WHITESPACE.sub(">", text)


def svg_title(svg: str) -> str:
    """The drawing's own description: the first <title> of the SVG."""
    match = re.search(r"<title>(.*?)</title>", svg, re.S)
    return html.unescape(match.group(1)).strip() if match else ""


@contextlib.contextmanager
def _flate_level(level: int) -> Iterator[None]:
    """pydyf compresses every stream at level 9 and has no setting for it: while the PDF is
    written, the zlib it calls compresses at `level` instead. Held under a lock, since the
    module is shared by every thread of the process."""
    import pydyf

    shim = types.SimpleNamespace(
        compressobj=lambda *args, **kwargs: zlib.compressobj(level),
        compress=lambda data, *args, **kwargs: zlib.compress(data, level))
    with _FLATE_LOCK:
        before = pydyf.zlib
        pydyf.zlib = shim
        try:
            yield
        finally:
            pydyf.zlib = before


_FLATE_LOCK = threading.Lock()


def render_pdf(job: RenderJob, counted: bool = False, compact: bool = True,
               quick_flate: bool = True, trimmed_ua: bool = True) -> tuple[bytes, list[str]]:
    """The PDF bytes, and the URLs that were refused while rendering. Page references are
    filled in after one layout (charter.report.pagerefs); `counted` has WeasyPrint count
    them instead, the plain way, which lays their pages out again. `compact` leaves out the
    whitespace between blocks (compact_html); without it, the document is rendered as the
    templates wrote it, the plain way. `quick_flate` compresses the streams at FLATE_LEVEL;
    without it, at pydyf's own level, the plain way. `trimmed_ua` styles the document with
    charter.report.useragent's stylesheet; without it, with WeasyPrint's own, the plain way."""
    import weasyprint

    from charter.report.charts import chart_svg

    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    images = {f"{IMAGE_PREFIX}{n}.svg": chart_svg(spec) for n, spec in job.charts.items()}
    images.update({f"{IMAGE_PREFIX}{n}.svg": svg.encode() for n, svg in job.drawings.items()})
    fetcher = _Fetcher(images)
    committed = dt.datetime.fromisoformat(job.committed)
    stamp = {"rendered_from": {"commit": job.commit, "committed": job.committed}}
    attachments = [
        weasyprint.Attachment(
            string=json.dumps({**stamp, **data} if isinstance(data, Mapping) else data,
                              indent=2, sort_keys=True, default=str), name=name,
            description=f"{name}: machine-readable data of this report",
            created=committed, modified=committed, relationship="Data",
            url_fetcher=fetcher.fetcher)
        for name, data in sorted(job.attachments.items())
    ]
    text = render_html(job)
    html_doc = (report_html if trimmed_ua else weasyprint.HTML)(
        string=compact_html(text) if compact else text, url_fetcher=fetcher.fetcher,
        base_url=ASSET_PREFIX)
    # PDF/A-3a: archival, and tagged (structure, reading order, language, figure text).
    options = {"pdf_variant": PDF_VARIANT, "pdf_tags": True,
               "pdf_identifier": job.identifier(), "attachments": attachments}
    document = None
    if not counted:
        document = html_doc.render(font_config=font_configuration(), stylesheets=[
            report_stylesheet(), page_reference_stylesheet(False)], **options)
        if not fill_page_numbers(document):
            document = None
    if document is None:
        document = html_doc.render(font_config=font_configuration(), stylesheets=[
            report_stylesheet(), page_reference_stylesheet(True)], **options)
    level = _flate_level(FLATE_LEVEL) if quick_flate else contextlib.nullcontext()
    with _source_date(int(committed.timestamp())), level:
        pdf = document.write_pdf(**options)
    return bytes(pdf), fetcher.refused


def prepare_renderer(jobs: Sequence[RenderJob]) -> None:
    """Load the renderer, the shipped fonts and the stylesheets (and the chart library when
    a document has a chart that needs it) into this process."""
    from charter.report.charts import needs_chart_library, prepare_charts

    report_stylesheet()
    page_reference_stylesheet(False)
    user_agent_stylesheets()
    for name in sorted({job.template for job in jobs}):
        template_environment().get_template(name)  # compiled once, not once per worker
    _warm_fonts()
    if any(needs_chart_library(spec) for job in jobs for spec in job.charts.values()):
        prepare_charts()


@functools.cache
def _warm_fonts() -> None:
    """Shape a line in each shipped font once, so that the text engine's font caches are
    filled before workers are forked rather than in each of them."""
    sample = ("<p>Charter <b>Charter</b> <code>Charter</code></p>"
              "<table><tr><th>Charter</th><td>0.5</td></tr></table>")
    report_html(string=sample).render(font_config=font_configuration(), stylesheets=[
        report_stylesheet(), page_reference_stylesheet(False)]).write_pdf()


@functools.cache
def font_configuration() -> Any:
    """One font set-up per process: the shipped fonts are loaded once, and the shaping caches
    of the text engine stay warm from one document to the next. Each PDF still embeds only the
    glyphs it uses, so its bytes do not depend on what was rendered before it."""
    from weasyprint.text.fonts import FontConfiguration

    return FontConfiguration()


@functools.cache
def page_reference_stylesheet(counted: bool) -> Any:
    import weasyprint

    return weasyprint.CSS(string=COUNTED_CSS if counted else FILLED_CSS,
                          font_config=font_configuration())


@functools.cache
def report_stylesheet() -> Any:
    """The package's stylesheet, parsed once per process rather than once per document."""
    import weasyprint

    fetcher = _Fetcher({})
    return weasyprint.CSS(string=asset_names()["report.css"].read_text(encoding="utf-8"),
                          base_url=ASSET_PREFIX, url_fetcher=fetcher.fetcher,
                          font_config=font_configuration())


def renderer_versions() -> dict[str, Any]:
    """What turns the same inputs into the same bytes: the renderer and the embedded fonts."""
    from fontTools.ttLib import TTFont

    fonts = []
    for name, item in sorted(asset_names().items()):
        if name.endswith(".ttf"):
            data = item.read_bytes()
            font = TTFont(io.BytesIO(data), lazy=True)
            fonts.append({"file": name, "family": font["name"].getDebugName(4),
                          "version": font["name"].getDebugName(5),
                          "sha256": hashlib.sha256(data).hexdigest()})
    return {"pdf_variant": PDF_VARIANT, "libraries": library_versions(), "fonts": fonts}


@functools.cache
def library_versions() -> dict[str, str]:
    """A new renderer may lay a page out differently: part of every document's input key."""
    from importlib import metadata

    return {name: metadata.version(name) for name in RENDERER_LIBRARIES}
