"""`charter report` and `charter check --reports` end to end: real git, real PDFs, read back
with pypdf as an auditor's tools would."""

from __future__ import annotations

import hashlib
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest
from pypdf import PdfReader

from conftest import ENGINE, REPO_ROOT, TODAY, GitRepo
from report_helpers import pdf_text, squash, xmp

COMMIT_DATE = "2026-11-20T10:00:00+00:00"


@pytest.fixture
def example(repo: GitRepo) -> GitRepo:
    """This repository's own inventory and policies, committed in a fresh repository."""
    shutil.copy(REPO_ROOT / "models.yaml", repo.root / "models.yaml")
    shutil.copytree(REPO_ROOT / "policies", repo.root / "policies")
    shutil.copytree(REPO_ROOT / "monitoring", repo.root / "monitoring")  # the ledger of runs
    repo.commit("the governed example", date=COMMIT_DATE)
    return repo


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_dossier_states_the_facts_that_matter(example: GitRepo) -> None:
    run = example.charter("report", "credit-default", "--no-evidence", "--out", "out")
    assert run.code == 0, run.err
    dossier = example.root / "out" / "dossier-credit-default.pdf"
    text = pdf_text(dossier)
    flat = squash(text)
    commit = example.git("rev-parse", "HEAD")
    for fact in ("credit-default@2.1.0", "credit-default@2.2.0", "GradientBoostingClassifier",
                 "PASS with 1 waived finding", "Credit default probability",
                 "Reduce credit losses by 5%", "vera.m", "VAL-001", "LC-001"):
        assert squash(fact) in flat, fact
    assert "0.8738" in text and "0.8908" in text  # declared roc_auc of 2.1.0 and 2.2.0
    assert commit in flat
    assert "518731a9a11ada63d008c4f811381dae4b6c73b283cef0f3667803b2daa40fe8" in flat
    assert "2026-11-20T10:00:00+00:00" in text  # the commit's date, not the clock's
    assert re.search(r"page 1\d? of [12]\d", text)  # the packs add their rules
    manifest = json.loads((example.root / "out" / "manifest.json").read_text())
    assert [f["path"] for f in manifest["files"]] == ["dossier-credit-default.pdf"]
    assert manifest["files"][0]["sha256"] == sha256(dossier)
    assert manifest["commit"] == commit


def test_a_model_without_evidence_says_so(example: GitRepo) -> None:
    run = example.charter("report", "churn", "--no-evidence", "--out", "out")
    assert run.code == 0, run.err
    text = pdf_text(example.root / "out" / "dossier-churn.pdf")
    assert "Measured metrics: not computed in this run (--no-evidence)" in text
    assert "Fairness and feature importance: not computed in this run" in text
    assert "History from git: not available in this run" in text or "Changes in git" in text


def test_pdf_a_3a_with_the_findings_and_evidence_embedded(governed: GitRepo) -> None:
    run = governed.charter("report", "--no-evidence", "--out", "out", "--only", "dossier")
    assert run.code == 0, run.err
    dossier = governed.root / "out" / "dossier-credit.pdf"
    metadata = xmp(dossier)
    assert re.search(rb'pdfaid:part(="|>)3', metadata)
    assert re.search(rb'pdfaid:conformance(="|>)A', metadata)
    attachments = PdfReader(str(dossier)).attachments
    assert {"findings.json", "evidence.json", "inventory-record.json"} <= set(attachments)
    findings = json.loads(attachments["findings.json"][0])
    assert findings["model"] == "credit"
    assert findings["verdict"] == "pass"
    assert findings["rendered_from"]["commit"] == governed.git("rev-parse", "HEAD")
    assert {(r["rule"], r["entity"], r["status"]) for r in findings["results"]} >= {
        ("VAL-001", "credit@1.0.0", "pass"), ("PERF-001", "credit@1.0.0", "pass")}
    evidence = json.loads(attachments["evidence.json"][0])
    assert evidence["available"] is False and "--no-evidence" in evidence["note"]


def test_same_inputs_give_byte_identical_pdfs(governed: GitRepo) -> None:
    for out in ("a", "b"):  # two runs, each its own process
        run = governed.charter("report", "--no-evidence", "--out", out, "--only", "dossier",
                               "--only", "lineage", "--jobs", "1")
        assert run.code == 0, run.err
    for name in ("dossier-credit.pdf", "lineage.pdf", "manifest.json"):
        assert sha256(governed.root / "a" / name) == sha256(governed.root / "b" / name), name


def test_a_document_has_the_same_bytes_alone_or_after_others_in_one_process(
        example: GitRepo) -> None:
    # One process renders many documents with the fonts, stylesheet and charts set up once:
    # what was rendered before must not change a document's bytes (the plain twin: alone).
    alone = example.charter("report", "claims-severity", "--no-evidence", "--out", "alone",
                            "--only", "dossier", "--jobs", "1")
    assert alone.code == 0, alone.err
    after = example.charter("report", "churn", "claims-severity", "--no-evidence", "--out",
                            "after", "--only", "dossier", "--jobs", "1")
    assert after.code == 0, after.err
    assert sha256(example.root / "alone" / "dossier-claims-severity.pdf") == sha256(
        example.root / "after" / "dossier-claims-severity.pdf")


def test_bar_charts_are_drawn_without_loading_a_chart_library(governed: GitRepo) -> None:
    # Bar charts are written as SVG directly; matplotlib is loaded only for time series.
    script = (
        "import sys\n"
        "from charter.cli import main\n"
        "sys.argv = ['charter', 'report', '--no-evidence', '--out', 'out', '--only', "
        "'dossier', '--jobs', '1']\n"
        "code = main()\n"
        "print('CODE', code, 'MATPLOTLIB', 'matplotlib' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=governed.root,
                            capture_output=True, text=True,
                            env={**os.environ, "PYTHONPATH": str(ENGINE)})
    assert "CODE 0 MATPLOTLIB False" in result.stdout, result.stdout + result.stderr
    text = squash(pdf_text(governed.root / "out" / "dossier-credit.pdf"))
    for label in ("Declaredhold-outmetricsbyversion", "roc_auc↑", "score0–1",
                  "↑higherisbetter"):
        assert label in text, label


class _Recorder(http.server.BaseHTTPRequestHandler):
    hits: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        _Recorder.hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def web() -> Iterator[str]:
    _Recorder.hits = []
    server = http.server.HTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_markup_in_a_description_fetches_nothing_and_shows_as_text(governed: GitRepo,
                                                                     web: str) -> None:
    injected = f'<img src="{web}/pixel.png"><script>alert(1)</script>'
    text = (governed.root / "models.yaml").read_text()
    text = text.replace("purpose: Price loans by default risk",
                        f"purpose: '{injected}'")
    text = text.replace("        algorithm: GradientBoostingClassifier",
                        f"        algorithm: GradientBoostingClassifier\n"
                        f"        description: '<link rel=stylesheet href=\"{web}/x.css\">'")
    governed.write("models.yaml", text)
    governed.commit("a description with markup")
    run = governed.charter("report", "credit", "--no-evidence", "--out", "out")
    assert run.code == 0, run.err
    assert _Recorder.hits == []
    flat = squash(pdf_text(governed.root / "out" / "dossier-credit.pdf"))
    assert squash(injected) in flat
    assert squash(f'<link rel=stylesheet href="{web}/x.css">') in flat


def test_second_run_keeps_unchanged_reports_and_rerenders_changed_ones(governed: GitRepo
                                                                       ) -> None:
    text = (governed.root / "models.yaml").read_text()
    governed.write("models.yaml", text + """\
  churn:
    title: Churn
    owner: risk-analytics
    risk_tier: low
    purpose: Rank customers
    versions:
      "1.0.0": {stage: development, training_data: [loans@2024-06]}
""")
    governed.commit("add churn")
    first = governed.charter("report", "--no-evidence", "--out", "out", "--only", "dossier")
    assert first.code == 0, first.err
    assert first.out.count("wrote:") == 2
    before = sha256(governed.root / "out" / "dossier-credit.pdf")
    again = governed.charter("report", "--no-evidence", "--out", "out", "--only", "dossier")
    assert "kept (inputs unchanged): out/dossier-credit.pdf" in again.out
    assert "kept (inputs unchanged): out/dossier-churn.pdf" in again.out
    governed.write("models.yaml", (governed.root / "models.yaml").read_text().replace(
        "purpose: Rank customers", "purpose: Rank customers by churn risk"))
    governed.commit("churn purpose")
    third = governed.charter("report", "--no-evidence", "--out", "out", "--only", "dossier")
    assert "wrote: out/dossier-churn.pdf" in third.out
    assert "kept (inputs unchanged): out/dossier-credit.pdf" in third.out
    assert sha256(governed.root / "out" / "dossier-credit.pdf") == before
    manifest = json.loads((governed.root / "out" / "manifest.json").read_text())
    commits = {f["path"]: f["commit"] for f in manifest["files"]}
    assert commits["dossier-churn.pdf"] == governed.git("rev-parse", "HEAD")
    assert commits["dossier-credit.pdf"] == governed.git("rev-parse", "HEAD~1")


def test_inventory_and_lineage_reports(example: GitRepo) -> None:
    run = example.charter("report", "--no-evidence", "--out", "out", "--only", "inventory",
                          "--only", "lineage", "--page-size", "letter", "--today", TODAY)
    assert run.code == 0, run.err
    inventory = pdf_text(example.root / "out" / "inventory.pdf")
    for fact in ("credit-default", "fraud-score", "claims-severity", "W-2026-011",
                 "2025-04-01", "Models by risk tier"):
        assert fact in inventory, fact
    assert "MON-001" in inventory
    lineage_pdf = example.root / "out" / "lineage.pdf"
    lineage = squash(pdf_text(lineage_pdf))
    for fact in ("core-banking-export@2024-06", "credit-default@2.1.0", "scoring-api-eu",
                 "payments-gateway"):
        assert fact in lineage, fact
    first = PdfReader(str(lineage_pdf)).pages[0]
    assert (round(float(first.mediabox.width)), round(float(first.mediabox.height))) == (
        612, 792)


def test_unknown_model_is_a_clear_error(governed: GitRepo) -> None:
    run = governed.charter("report", "credt", "--no-evidence")
    assert run.code == 2
    assert "model 'credt' is not in models.yaml; did you mean 'credit'?" in run.err
    assert "Traceback" not in run.err


def test_reports_need_a_commit(repo: GitRepo) -> None:
    run = repo.charter("report")
    assert run.code == 2
    assert "reports are the record of a commit" in run.err


def test_check_writes_the_change_report_and_its_manifest(governed: GitRepo) -> None:
    text = (governed.root / "models.yaml").read_text()
    governed.write("models.yaml", text.replace("roc_auc: 0.81", "roc_auc: 0.70"))
    run = governed.charter("check", "--today", TODAY, "--reports", "out",
                           "--format", "json=out/result.json")
    assert run.code == 1, run.err
    pdf = governed.root / "out" / "change-report.pdf"
    assert f"charter: wrote {pdf}" in run.err
    text = pdf_text(pdf)
    for fact in ("FAIL: the change has blocking findings", "PERF-001", "credit@1.0.0",
                 "roc_auc 0.7 is below 0.75", "modified"):
        assert fact in text, fact
    manifest = json.loads((governed.root / "out" / "manifest.json").read_text())
    assert manifest["files"][0]["sha256"] == sha256(pdf)
    result = json.loads((governed.root / "out" / "result.json").read_text())
    assert str(pdf) in result["reports"]
    embedded = json.loads(PdfReader(str(pdf)).attachments["result.json"][0])
    assert embedded["verdict"] == "fail"


def test_check_without_reports_imports_no_pdf_or_chart_library(governed: GitRepo) -> None:
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from charter.cli import main\n"
        "sys.argv = ['charter', 'check', '--today', '2026-11-27']\n"
        "code = main()\n"
        "heavy = sorted(m for m in ('weasyprint', 'matplotlib', 'jinja2') if m in sys.modules)\n"
        "print('HEAVY', heavy)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=governed.root,
                            capture_output=True, text=True,
                            env={**os.environ, "PYTHONPATH": str(ENGINE)})
    assert "HEAVY []" in result.stdout, result.stdout + result.stderr
