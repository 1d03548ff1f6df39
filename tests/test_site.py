"""`charter site` and `charter verify` end to end: the example repository's portal, built once
with its PDFs and signed by a CA the tests create, then read, tampered with and verified."""

from __future__ import annotations

import functools
import hashlib
import http.server
import json
import re
import shutil
import threading
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
from pypdf import PdfReader

from conftest import GitRepo, run_charter
from report_helpers import pdf_text, squash
from site_helpers import Identity, build_example_site, make_identity, manifest_of

MODELS = ("churn", "claims-severity", "credit-default", "fraud-score", "marketing-propensity")


@pytest.fixture(scope="module")
def identity(tmp_path_factory: pytest.TempPathFactory) -> Identity:
    return make_identity(tmp_path_factory.mktemp("ca"), "Example bank")


@pytest.fixture(scope="module")
def stranger(tmp_path_factory: pytest.TempPathFactory) -> Identity:
    return make_identity(tmp_path_factory.mktemp("stranger"), "Someone else")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, identity: Identity) -> Path:
    return build_example_site(tmp_path_factory.mktemp("example"), identity)


@pytest.fixture
def site(built: Path, tmp_path: Path) -> Path:
    """A copy of the built site that a test may change."""
    return Path(shutil.copytree(built, tmp_path / "site"))


def verify(site: Path, *args: str) -> tuple[int, str]:
    run = run_charter(site.parent, "verify", str(site), *args)
    return run.code, run.out + run.err


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.loaded: list[str] = []  # what a browser fetches to show the page
        self.links: list[str] = []  # where a reader can go
        self.lang = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "html":
            self.lang = values.get("lang", "")
        if tag in ("script", "img") and "src" in values:
            self.loaded.append(values["src"])
        if tag == "link":
            self.loaded.append(values.get("href", ""))
        if tag == "a" and "href" in values:
            self.links.append(values["href"])


def parse(page: Path) -> _Links:
    parser = _Links()
    parser.feed(page.read_text())
    return parser


def test_home_lists_every_model_with_its_verdict_and_links(built: Path) -> None:
    home = (built / "index.html").read_text()
    for model in MODELS:
        assert f'href="models/{model}.html"' in home
        assert (built / "models" / f"{model}.html").is_file()
    words = dict(re.findall(r'href="models/([\w-]+)\.html".*?<span class="verdict \w+">([^<]+)<',
                            home, re.S))
    assert sorted(words) == sorted(MODELS)
    for model, verdict in words.items():  # the words of the dossier's cover, not a paraphrase
        assert squash(verdict) in squash(pdf_text(built / "reports" / f"dossier-{model}.pdf"))
    assert "W-2026-016 (LC-018): 72 days left" in home  # the commit's date, not the clock's
    assert "1 non-blocking finding" in home
    assert '<html lang="en">' in home and "<caption>" in home and 'scope="col"' in home


def test_model_page_states_what_its_dossier_states(built: Path) -> None:
    page = (built / "models" / "credit-default.html").read_text()
    for fact in ("Credit default probability", "credit-default@2.1.0", "GradientBoostingClassifier",
                 "vera.m", "id=\"lineage\"", "id=\"rules\"",
                 "id=\"history\"", "id=\"evidence\""):
        assert fact in page, fact
    assert 'href="../reports/dossier-credit-default.pdf"' in page
    attached = PdfReader(str(built / "reports" / "dossier-credit-default.pdf")).attachments
    for name in ("findings.json", "evidence.json", "inventory-record.json"):
        assert f'href="credit-default/{name}"' in page
        on_site = json.loads((built / "models" / "credit-default" / name).read_text())
        assert on_site == json.loads(attached[name][0]), name  # one set of facts, two forms
    drawing = built / "models" / "credit-default" / "lineage.svg"
    assert drawing.read_bytes().lstrip().startswith((b"<svg", b"<?xml"))


def test_every_page_loads_only_files_of_the_site(built: Path) -> None:
    pages = sorted(built.rglob("*.html"))
    assert len(pages) == 4 + len(MODELS)
    listed = manifest_of(built)
    for page in pages:
        parsed = parse(page)
        assert parsed.lang == "en", page
        for target in parsed.loaded + parsed.links:
            if target.startswith("#") or target.startswith("https://"):
                assert not target.startswith("https://") or target not in parsed.loaded
                continue
            assert "://" not in target and not target.startswith("//"), (page, target)
            path = (page.parent / target.split("#")[0]).resolve()
            relative = path.relative_to(built.resolve()).as_posix()
            assert relative in listed or relative == "manifest.json" or relative.endswith(
                ".p7s"), (page, target)
    for text in (built / "assets" / "site.css").read_text(), (built / "assets" /
                                                              "site.js").read_text():
        assert not re.search(r"url\(|@import|https?://|fetch\(|XMLHttpRequest", text)


def test_downloads_list_every_pdf_and_export_with_its_hash(built: Path) -> None:
    page = (built / "downloads.html").read_text()
    pdfs = sorted(p.relative_to(built).as_posix() for p in (built / "reports").glob("*.pdf"))
    assert len(pdfs) == len(MODELS) + 2  # the dossiers, the inventory and the lineage
    exports = ["exports/openlineage.jsonl", "exports/cyclonedx.json", "exports/findings.json",
               "exports/charter.sarif"]
    for path in pdfs + exports:
        assert f'href="{path}"' in page, path
        assert sha256(built / path) in page, path
    commit = json.loads((built / "manifest.json").read_text())["commit"]
    assert commit in page
    sarif = json.loads((built / "exports" / "charter.sarif").read_text())
    assert sarif["version"] == "2.1.0"
    bom = json.loads((built / "exports" / "cyclonedx.json").read_text())
    assert bom["bomFormat"] == "CycloneDX"
    events = [json.loads(line) for line in (built / "exports" / "openlineage.jsonl")
              .read_text().splitlines()]
    assert events and all("eventType" in e for e in events)
    findings = json.loads((built / "exports" / "findings.json").read_text())
    assert findings["head"]["commit"] == commit


def test_lineage_page_answers_impacted_by_for_every_dataset(built: Path) -> None:
    page = (built / "lineage.html").read_text()
    assert 'id="ds-credit-applications"' in page
    assert "Downstream of credit-applications:" in page
    assert 'href="models/credit-default.html"' in page
    production = (built / "production.html").read_text()
    assert "5 models ever in production" in production


def test_verify_passes_on_the_untouched_site(site: Path, identity: Identity) -> None:
    code, out = verify(site, "--trust", str(identity.ca))
    assert code == 0, out
    assert "Example bank site signer" in out
    code, out = verify(site, "--fingerprint", identity.fingerprint())
    assert code == 0, out


@pytest.mark.parametrize("path", ["index.html", "models/churn.html", "assets/site.js",
                                  "reports/dossier-churn.pdf", "exports/charter.sarif",
                                  "manifest.json", "manifest.json.p7s"])
def test_verify_rejects_one_changed_byte(site: Path, identity: Identity, path: str) -> None:
    target = site / path
    data = bytearray(target.read_bytes())
    data[len(data) // 2] ^= 0x01
    target.write_bytes(bytes(data))
    code, out = verify(site, "--trust", str(identity.ca))
    assert code == 1, out
    assert "FAIL" in out


def test_verify_rejects_a_removed_and_an_added_file(site: Path, identity: Identity) -> None:
    (site / "exports" / "cyclonedx.json").unlink()
    code, out = verify(site, "--trust", str(identity.ca))
    assert code == 1 and "exports/cyclonedx.json: listed in the manifest but missing" in out
    shutil.copytree(site.parent / "site", site.parent / "again")
    (site / "exports" / "cyclonedx.json").write_text("{}")
    (site / "models" / "extra.html").write_text("<p>not ours</p>")
    code, out = verify(site, "--trust", str(identity.ca))
    assert code == 1 and "models/extra.html: not listed in the manifest" in out


def test_verify_rejects_a_manifest_signed_by_another_identity(
        site: Path, identity: Identity, stranger: Identity) -> None:
    from charter.site.manifest import sign_manifest

    sign_manifest(site, stranger.key, stranger.cert)
    code, out = verify(site, "--trust", str(identity.ca))
    assert code == 1 and "Someone else site signer" in out and "not trusted" in out
    code, out = verify(site, "--fingerprint", identity.fingerprint())
    assert code == 1, out
    assert verify(site, "--trust", str(stranger.ca))[0] == 0


def test_verify_bad_input_exits_2(site: Path, tmp_path: Path, identity: Identity) -> None:
    code, out = verify(tmp_path / "nowhere", "--trust", str(identity.ca))
    assert code == 2 and "is not a directory" in out
    code, out = verify(site)
    assert code == 2 and "no trusted signer" in out
    not_a_cert = tmp_path / "x.pem"
    not_a_cert.write_text("hello")
    code, out = verify(site, "--trust", str(not_a_cert))
    assert code == 2 and "not an X.509 certificate" in out
    (site / "manifest.json.p7s").unlink()
    code, out = verify(site, "--trust", str(identity.ca))
    assert code == 2 and "signature is missing" in out
    assert "Traceback" not in out


def test_verify_trusts_the_signer_the_repository_pins(site: Path, identity: Identity,
                                                      tmp_path: Path) -> None:
    pinned = tmp_path / "repo" / ".github" / "charter-site-signer.pem"
    pinned.parent.mkdir(parents=True)
    shutil.copy(identity.ca, pinned)
    code, out = verify(site, "--repo", str(tmp_path / "repo"))
    assert code == 0, out


def test_a_warm_rebuild_changes_nothing_and_matches_a_cold_build(
        built: Path, identity: Identity, tmp_path: Path) -> None:
    repo = GitRepo(built.parent / "repo")
    pages = sorted(p for p in built.rglob("*") if p.is_file() and "reports" not in p.parts)
    before = {p: (p.stat().st_mtime_ns, sha256(p)) for p in pages}
    run = run_charter(repo.root, "site", "--no-evidence", "--out", str(built))
    assert run.code == 0, run.err
    assert "site: unchanged" in run.out
    assert {p: (p.stat().st_mtime_ns, sha256(p)) for p in pages} == before  # none rewritten
    assert verify(built, "--trust", str(identity.ca))[0] == 0
    cold = tmp_path / "cold"
    shutil.copytree(built / "reports", cold / "reports")  # the PDFs' own cache is report's
    run = run_charter(repo.root, "site", "--no-evidence", "--out", str(cold))
    assert run.code == 0, run.err
    assert manifest_of(cold) == manifest_of(built)  # the plain full build, byte for byte


def test_pages_escape_what_the_inventory_says(governed: GitRepo) -> None:
    text = (governed.root / "models.yaml").read_text()
    governed.write("models.yaml", text.replace("title: Credit default",
                                               "title: <b>bold</b> & co"))
    governed.commit("a title with markup")
    run = governed.charter("site", "--no-evidence", "--no-pdfs", "--out", "site")
    assert run.code == 0, run.err
    page = (governed.root / "site" / "models" / "credit.html").read_text()
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; co" in page and "<b>bold</b>" not in page
    assert "Model dossier (PDF): not rendered in this build" in page  # --no-pdfs: no dead link
    assert "../reports/" not in page


def test_a_removed_model_leaves_no_page_behind(governed: GitRepo) -> None:
    run = governed.charter("site", "--no-evidence", "--no-pdfs", "--out", "site")
    assert run.code == 0, run.err
    out = governed.root / "site"
    assert (out / "models" / "credit.html").is_file()
    (out / "mine.txt").write_text("a file the user keeps here")
    text = (governed.root / "models.yaml").read_text()
    governed.write("models.yaml", text.replace("\n  credit:\n", "\n  credit-v2:\n"))
    governed.commit("the model renamed")
    run = governed.charter("site", "--no-evidence", "--no-pdfs", "--out", "site")
    assert run.code == 0, run.err
    assert not (out / "models" / "credit.html").exists()
    assert not (out / "models" / "credit").exists() or not any((out / "models" / "credit")
                                                               .iterdir())
    assert (out / "models" / "credit-v2.html").is_file()
    assert (out / "mine.txt").is_file()  # not written by charter: never deleted
    assert "models/credit.html" not in manifest_of(out)


def test_site_bad_input_exits_2(governed: GitRepo, identity: Identity) -> None:
    run = governed.charter("site", "--no-evidence", "--sign-key", str(identity.key))
    assert run.code == 2 and "--sign-key and --sign-cert go together" in run.err
    run = governed.charter("site", "--no-evidence", "--ref", "nope")
    assert run.code == 2 and "does not exist" in run.err


def test_a_rebuild_repairs_a_changed_file_instead_of_trusting_the_folder(
        site: Path, built: Path, identity: Identity) -> None:
    repo = GitRepo(built.parent / "repo")
    page = site / "models" / "churn.html"
    original = page.read_bytes()
    page.write_bytes(original.replace(b"churn", b"chum"))
    run = run_charter(repo.root, "site", "--no-evidence", "--out", str(site))
    assert run.code == 0, run.err
    assert "unchanged" not in run.out  # the fast path saw the change and stepped aside
    assert page.read_bytes() == original
    assert verify(site, "--trust", str(identity.ca))[0] == 0


@pytest.fixture
def served(site: Path) -> Iterator[str]:
    """The site copy served over HTTP on the loopback address, as Pages would serve it."""
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def test_verify_a_site_by_its_url(served: str, site: Path, identity: Identity) -> None:
    run = run_charter(site.parent, "verify", served, "--trust", str(identity.ca))
    assert run.code == 0, run.out + run.err
    (site / "exports" / "findings.json").write_text("{}")
    (site / "models" / "churn.html").unlink()
    run = run_charter(site.parent, "verify", served, "--trust", str(identity.ca))
    assert run.code == 1, run.out + run.err
    assert "exports/findings.json: sha256 differs" in run.out
    assert "models/churn.html: listed in the manifest but missing" in run.out
    run = run_charter(site.parent, "verify", served + "nothing-here/", "--trust",
                      str(identity.ca))
    assert run.code == 2 and "cannot be fetched" in run.err
