"""The reports' form, read back from the example repository's PDFs as an auditor's tools (and a
screen reader) would: tagged PDF/A-3a, figures with text, shipped fonts, charts and drawings
that can be read."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from conftest import REPO_ROOT, GitRepo
from report_helpers import pdf_text, xmp

COMMIT_DATE = "2026-11-20T10:00:00+00:00"


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Reports of this repository's own inventory (two dossiers, the inventory and the
    lineage), rendered once for the module."""
    root = tmp_path_factory.mktemp("example")
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=root, check=True)
    for key, value in (("user.name", "Test"), ("user.email", "test@example.com"),
                       ("commit.gpgsign", "false")):
        subprocess.run(["git", "config", key, value], cwd=root, check=True)
    repo = GitRepo(root)
    shutil.copy(REPO_ROOT / "models.yaml", root / "models.yaml")
    shutil.copytree(REPO_ROOT / "policies", root / "policies")
    shutil.copytree(REPO_ROOT / "monitoring", root / "monitoring")  # the ledger of runs
    repo.commit("the governed example", date=COMMIT_DATE)
    for chosen in (["credit-default", "claims-severity"], ["--only", "inventory", "--only",
                                                          "lineage"]):
        run = repo.charter("report", *chosen, "--no-evidence", "--out", "out", "--today",
                           "2026-11-27")
        assert run.code == 0, run.err
    return root / "out"


def documents(out: Path) -> list[Path]:
    return sorted(out.glob("*.pdf"))


def structure(reader: PdfReader) -> Iterator[Any]:
    """Every structure element of a tagged PDF, depth first."""
    stack = [reader.trailer["/Root"]["/StructTreeRoot"]]
    while stack:
        element = stack.pop().get_object()
        if not hasattr(element, "get"):
            continue
        yield element
        kids = element.get("/K")
        if isinstance(kids, list):
            stack += [k for k in kids if hasattr(k, "get_object")]
        elif kids is not None and hasattr(kids, "get_object"):
            stack.append(kids)


def figures(path: Path) -> list[str]:
    reader = PdfReader(str(path))
    return [str(e.get("/Alt", "")) for e in structure(reader) if e.get("/S") == "/Figure"]


def test_every_report_is_tagged_pdf_a_3a_with_text_for_every_figure(reports: Path) -> None:
    for path in documents(reports):
        reader = PdfReader(str(path))
        root = reader.trailer["/Root"]
        assert "/StructTreeRoot" in root, path.name
        assert root["/Lang"] == "en", path.name
        assert root["/MarkInfo"]["/Marked"], path.name
        metadata = xmp(path)
        assert re.search(rb'pdfaid:part(="|>)3', metadata), path.name
        assert re.search(rb'pdfaid:conformance(="|>)A', metadata), path.name
        alts = figures(path)
        if path.name.startswith(("dossier", "lineage")):
            assert alts, path.name
        assert all(len(alt) > 20 for alt in alts), (path.name, alts)


def test_chart_text_gives_every_declared_metric_with_unit_and_direction(reports: Path) -> None:
    alts = " ".join(figures(reports / "dossier-claims-severity.pdf"))
    # error metrics in the target's units are charted, not dropped, and say which way is good
    assert "mae ↓: 1.0.0 (production) 1599" in alts
    assert "rmse ↓" in alts and "units of claim_cost" in alts
    assert "r2 ↑" in alts
    credit = " ".join(figures(reports / "dossier-credit-default.pdf"))
    assert "roc_auc ↑" in credit and "log_loss ↓" in credit and "brier ↓" in credit


def test_lineage_drawing_text_says_what_feeds_what(reports: Path) -> None:
    alts = figures(reports / "lineage.pdf")
    assert any("credit-applications@2024-06 derived from core-banking-export@2024-06" in a
               for a in alts)
    assert any("credit-default@2.1.0 deployed as scoring-api-eu" in a for a in alts)


def test_reports_embed_only_the_fonts_shipped_with_the_package(reports: Path) -> None:
    for path in documents(reports):
        reader = PdfReader(str(path))
        names = set()
        for page in reader.pages:
            fonts = page.get("/Resources", {}).get("/Font", {})
            names |= {str(f.get_object()["/BaseFont"]) for f in fonts.values()}
        assert names, path.name
        assert all(re.fullmatch(r"/[A-Z]{6}\+Charter-(Sans|Sans-Bold|Mono|Mono-Bold)", n)
                   for n in names), (path.name, names)


def test_the_manifest_records_renderer_and_font_versions(reports: Path) -> None:
    manifest = json.loads((reports / "manifest.json").read_text())
    renderer = manifest["renderer"]
    assert renderer["pdf_variant"] == "pdf/a-3a"
    assert {"weasyprint", "pydyf", "fonttools", "matplotlib"} <= set(renderer["libraries"])
    fonts = {f["file"]: f for f in renderer["fonts"]}
    assert set(fonts) == {"fonts/CharterSans.ttf", "fonts/CharterSans-Bold.ttf",
                          "fonts/CharterMono.ttf"}
    shipped = REPO_ROOT / "engine" / "charter" / "assets"
    for name, font in fonts.items():
        assert font["sha256"] == hashlib.sha256((shipped / name).read_bytes()).hexdigest()
        assert font["version"].startswith("Version 2.")
    assert (shipped / "fonts" / "LICENSE-DejaVu.txt").read_text().startswith("Fonts are (c)")


def test_the_wheel_ships_the_fonts_and_their_licence() -> None:
    import tomllib

    data = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())
    patterns = data["tool"]["setuptools"]["package-data"]["charter"]
    root = REPO_ROOT / "engine" / "charter"
    shipped = {p.relative_to(root).as_posix() for pattern in patterns for p in root.glob(
        pattern)}
    for name in ("assets/fonts/CharterSans.ttf", "assets/fonts/CharterSans-Bold.ttf",
                 "assets/fonts/CharterMono.ttf", "assets/fonts/LICENSE-DejaVu.txt"):
        assert name in shipped, name


def test_one_lineage_drawing_per_model_family(reports: Path) -> None:
    text = pdf_text(reports / "lineage.pdf")
    families = re.findall(r"2\.\d+ Lineage of models ([a-z-]+)\n", text)
    assert sorted(set(families)) == ["churn", "claims-severity", "credit-default",
                                     "fraud-score", "marketing-propensity"]


def test_a_short_document_lists_its_contents_on_the_cover(reports: Path) -> None:
    for name in ("inventory.pdf", "lineage.pdf"):
        pages = [page.extract_text() or "" for page in PdfReader(str(reports / name)).pages]
        assert "Contents" in pages[0], name
        assert not any("Contents" in page for page in pages[1:]), name


def test_a_column_of_figures_reads_in_one_format() -> None:
    from charter.report.pdf import format_number

    assert [format_number(v) for v in (0.85, 0.8738, 0.1, 1599.3581)] == [
        "0.8500", "0.8738", "0.1000", "1,599.3581"]
    assert [format_number(v) for v in (100.0, 150, 2_500_000.5)] == ["100", "150",
                                                                    "2,500,000"]
