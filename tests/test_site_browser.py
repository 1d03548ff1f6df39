"""The site in a real headless browser (Debian's chromium, driven by Selenium): opened from
file://, filtered, sorted, followed, a PDF downloaded and checked against the manifest, no
request leaving the machine, and axe-core finding no serious accessibility violation."""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from site_helpers import Identity, build_example_site, make_identity, manifest_of

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
CHROMIUM = next((p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome"))
                 if p), None)
DRIVER = shutil.which("chromedriver")
try:
    from selenium import webdriver
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import Select
    SELENIUM = True
except ImportError:
    SELENIUM = False

pytestmark = pytest.mark.skipif(
    not (SELENIUM and CHROMIUM and DRIVER),
    reason="no browser could be installed here: the site's browser tests need Debian's "
    "`chromium` and `chromium-driver` (apt) and the `selenium` package (.ci/run installs "
    "them where apt works)")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    identity: Identity = make_identity(tmp_path_factory.mktemp("ca"), "Example bank")
    return build_example_site(tmp_path_factory.mktemp("example"), identity)


@pytest.fixture(scope="module")
def downloads(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("downloads")


@pytest.fixture(scope="module")
def browser(downloads: Path) -> Iterator[Any]:
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--window-size=1280,800", "--no-first-run", "--disable-extensions",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-default-apps"):
        options.add_argument(flag)
    options.add_experimental_option("prefs", {"download.default_directory": str(downloads),
                                              "download.prompt_for_download": False,
                                              # a PDF opened from file:// is saved, not shown
                                              "plugins.always_open_pdf_externally": True})
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    service = webdriver.ChromeService(executable_path=str(DRIVER))
    driver = webdriver.Chrome(options=options, service=service)
    driver.execute_cdp_cmd("Page.setDownloadBehavior", {"behavior": "allow",
                                                        "downloadPath": str(downloads)})
    try:
        yield driver
    finally:
        driver.quit()


def requested(driver: Any) -> list[str]:
    """Every URL the pages asked for since the last call."""
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message.get("method") == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


def visible_models(driver: Any) -> list[str]:
    rows = driver.find_elements(By.CSS_SELECTOR, "#models tbody tr")
    return [r.find_element(By.CSS_SELECTOR, "th a").text for r in rows if r.is_displayed()]


def serious_violations(driver: Any) -> list[str]:
    driver.execute_script(AXE.read_text())
    violations = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {resultTypes: ['violations']})"
        ".then(r => done(r.violations), e => done([{id: 'axe-error', impact: 'critical',"
        " help: String(e), nodes: []}]));")
    return [f"{v['id']} ({v['impact']}): {v['help']} at "
            f"{[n.get('target') for n in v['nodes']][:3]}"
            for v in violations if v.get("impact") in ("serious", "critical")]


def test_filter_sort_follow_from_file_url(browser: Any, built: Path) -> None:
    browser.get((built / "index.html").as_uri())
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en"
    everything = visible_models(browser)
    assert len(everything) == 5
    search = browser.find_element(By.ID, "filter-text")
    search.send_keys("fraud")
    assert visible_models(browser) == ["fraud-score"]
    assert "1 of 5 models shown" in browser.find_element(By.ID, "shown").text
    search.send_keys(Keys.CONTROL, "a")
    search.send_keys(Keys.BACKSPACE)  # as a person empties it (`clear` sends no input event)
    Select(browser.find_element(By.ID, "filter-tier")).select_by_visible_text("high")
    assert visible_models(browser) == ["credit-default", "fraud-score"]
    Select(browser.find_element(By.ID, "filter-tier")).select_by_index(0)
    assert len(visible_models(browser)) == 5
    header = browser.find_element(By.CSS_SELECTOR, "#models thead th button")
    header.click()
    assert visible_models(browser) == sorted(everything)
    header.send_keys(Keys.ENTER)  # the header is a button: the keyboard sorts too
    assert visible_models(browser) == sorted(everything, reverse=True)
    th = browser.find_element(By.CSS_SELECTOR, "#models thead th")
    assert th.get_attribute("aria-sort") == "descending"
    browser.find_element(By.LINK_TEXT, "credit-default").click()
    assert browser.current_url.endswith("/models/credit-default.html")
    assert "credit-default" in browser.title
    assert browser.find_element(By.ID, "rules").is_displayed()


def test_the_first_tab_reaches_the_skip_link(browser: Any, built: Path) -> None:
    browser.get((built / "index.html").as_uri())
    browser.find_element(By.TAG_NAME, "body").send_keys(Keys.TAB)
    focused = browser.switch_to.active_element
    assert focused.text == "Skip to content"
    assert focused.is_displayed()


def test_a_downloaded_pdf_matches_the_manifest(browser: Any, built: Path,
                                               downloads: Path) -> None:
    browser.get((built / "downloads.html").as_uri())
    link = browser.find_element(By.CSS_SELECTOR, 'a[href="reports/dossier-credit-default.pdf"]')
    link.click()
    target = downloads / "dossier-credit-default.pdf"
    deadline = time.monotonic() + 30
    while not target.is_file() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert target.is_file(), sorted(p.name for p in downloads.iterdir())
    listed = manifest_of(built)["reports/dossier-credit-default.pdf"]
    assert hashlib.sha256(target.read_bytes()).hexdigest() == listed["sha256"]


@pytest.mark.parametrize("page", ["index.html", "models/credit-default.html",
                                  "models/churn.html", "production.html", "lineage.html",
                                  "downloads.html"])
def test_no_serious_accessibility_violation(browser: Any, built: Path, page: str) -> None:
    browser.get((built / page).as_uri())
    assert serious_violations(browser) == []


def test_no_request_leaves_the_machine(browser: Any, built: Path) -> None:
    requested(browser)  # what earlier tests asked for is checked below with the rest
    seen = []
    for page in ("index.html", "models/credit-default.html", "production.html",
                 "lineage.html", "downloads.html"):
        browser.get((built / page).as_uri())
        seen += requested(browser)
    assert seen and all(url.startswith("file://") for url in seen), [
        u for u in seen if not u.startswith("file://")]
    assert any(url.endswith("assets/site.css") for url in seen)
