"""What the dossiers of the example repository say, read back from the PDFs as an auditor
would: each rule in one outcome, an honest verdict, failures first, stale monitoring flagged,
a summary page, a findings register, every upstream dataset, and no empty cell."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import pytest
from pypdf import PdfReader

from charter.report.build import build_reports
from charter.report.dossier import dossier_job
from charter.report.facts import gather_facts
from charter.report.pdf import render_html
from conftest import REPO_ROOT, GitRepo
from report_helpers import pdf_text, squash

COMMIT_DATE = "2026-11-20T10:00:00+00:00"
LATER = "2027-03-15"  # after the example's waivers have expired
STATUS_ORDER = {"fail": 0, "waived": 1, "pass": 2}
OUTCOME = {"fail": "failed", "waived": "waived", "pass": "passed"}


@dataclass(frozen=True)
class Dossier:
    text: str
    html: str
    findings: dict[str, object]
    pages: list[str]


@dataclass(frozen=True)
class Reports:
    now: dict[str, Dossier]  # every model, rules judged on the commit's date
    later: dict[str, Dossier]  # credit-default after its waivers expired


def _render(root: Path, out: Path, today: str | None, models: list[str]) -> dict[str, Dossier]:
    import datetime as dt

    day = dt.date.fromisoformat(today) if today else None
    facts = gather_facts(root, today=day, models=models)
    jobs = {m: dossier_job(facts, m) for m in models}
    build_reports(list(jobs.values()), out, facts.commit, workers=2)
    found = {}
    for model, job in jobs.items():
        path = out / job.filename
        reader = PdfReader(str(path))
        pages = [page.extract_text() or "" for page in reader.pages]
        found[model] = Dossier(pdf_text(path), render_html(job),
                               json.loads(reader.attachments["findings.json"][0]), pages)
    return found


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Reports]:
    """The example's dossiers, rendered once for this module (rendering is slow)."""
    home = tmp_path_factory.mktemp("home")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HOME", str(home))
        patch.setenv("GIT_CONFIG_GLOBAL", str(home / ".gitconfig"))
        patch.setenv("GIT_CONFIG_NOSYSTEM", "1")
        patch.delenv("CHARTER_CACHE_DIR", raising=False)
        root = tmp_path_factory.mktemp("example")
        subprocess.run(["git", "init", "-q", "-b", "main"], cwd=root, check=True)
        for key, value in (("user.name", "Test"), ("user.email", "test@example.com"),
                           ("commit.gpgsign", "false")):
            subprocess.run(["git", "config", key, value], cwd=root, check=True)
        for name in ("models.yaml", "policies", "examples", "monitoring"):
            source = REPO_ROOT / name
            (shutil.copytree if source.is_dir() else shutil.copy)(source, root / name)
        GitRepo(root).commit("the governed example", date=COMMIT_DATE)
        models = sorted(__import__("yaml").safe_load((root / "models.yaml").read_text())
                        ["models"])
        yield Reports(_render(root, root / "now", None, models),
                      _render(root, root / "later", LATER, ["credit-default"]))


def _listed(text: str) -> dict[str, set[str]]:
    """The outcome lists of the policy results section, as printed."""
    flat = squash(text)
    found = re.search(r"Failed\(\d+\):(.*?)\.Waived\(\d+\):(.*?)\.Passed\(\d+\):(.*?)\."
                      r"Notapplicable\(\d+\):(.*?)\.", flat)
    assert found, "the policy results do not list the rules by outcome"
    return {name: set() if part == "none" else set(part.split(","))
            for name, part in zip(("failed", "waived", "passed", "not applicable"),
                                  found.groups(), strict=True)}


def _expected(findings: dict[str, object]) -> dict[str, set[str]]:
    worst: dict[str, str] = {}
    for r in findings["results"]:  # type: ignore[attr-defined]
        now = worst.get(r["rule"])
        if now is None or STATUS_ORDER[r["status"]] < STATUS_ORDER[now]:
            worst[r["rule"]] = r["status"]
    out: dict[str, set[str]] = {"failed": set(), "waived": set(), "passed": set()}
    for rule, status in worst.items():
        out[OUTCOME[status]].add(rule)
    return out


def test_each_rule_is_in_exactly_one_outcome_as_in_findings_json(reports: Reports) -> None:
    for model, dossier in [*reports.now.items(), ("later", reports.later["credit-default"])]:
        listed = _listed(dossier.text)
        expected = _expected(dossier.findings)
        for outcome in ("failed", "waived", "passed"):
            assert listed[outcome] == expected[outcome], (model, outcome)
        judged = set().union(*expected.values())
        assert not listed["not applicable"] & judged, model
        every = [rule for rules in listed.values() for rule in rules]
        assert len(every) == len(set(every)), model
        assert listed["not applicable"] == set(
            dossier.findings["rules"]["not applicable"]), model  # type: ignore[index]
    assert "MON-001" in _listed(reports.now["claims-severity"].text)["waived"]
    later = _listed(reports.later["credit-default"].text)
    assert {"DRIFT-001", "FAIR-002"} <= later["failed"]
    assert not {"DRIFT-001", "FAIR-002", "INT-001", "VAL-001"} & later["not applicable"]


def _banner_class(html: str) -> str:
    found = re.search(r'<span class="verdict (\w+)">', html)
    assert found
    return found.group(1)


def test_the_verdict_names_blocking_findings_warnings_and_waivers(reports: Reports) -> None:
    credit = reports.now["credit-default"]
    assert "PASS with 3 waived findings" in credit.text
    assert _banner_class(credit.html) == "warn"
    assert squash("W-2026-014 on FAIR-002 (credit-default@2.1.0)") in squash(credit.text)
    claims = reports.now["claims-severity"]
    assert "PASS with 1 warning and 2 waived findings" in claims.text
    assert squash("RAI-005 (claims-severity@1.0.0), warning") in squash(claims.text)
    assert _banner_class(claims.html) == "warn"
    later = reports.later["credit-default"]
    assert re.search(r"FAIL: \d+ blocking findings open", later.text)
    assert squash("DRIFT-001 (credit-default@2.1.0)") in squash(later.text)
    assert _banner_class(later.html) == "fail"
    for model, dossier in reports.now.items():
        statuses = {r["status"] for r in dossier.findings["results"]}  # type: ignore[attr-defined]
        clean = not statuses & {"fail", "waived"}
        assert (_banner_class(dossier.html) == "pass") == clean, model
        assert ("PASS with" in dossier.text) == (not clean and "FAIL" not in dossier.text[:400])


def _rules_section(html: str) -> str:
    return html[html.index('id="rules"'):html.index('id="approvals"')]


def test_policy_results_put_failures_first_and_weigh_only_what_failed(reports: Reports
                                                                      ) -> None:
    for model, dossier in [*reports.now.items(), ("later", reports.later["credit-default"])]:
        rows = re.findall(r'<tr><td class="status (\w+)">\w+</td>'
                          r'<td class="nowrap rule">[^<]+</td><td class="([^"]*)">',
                          _rules_section(dossier.html))
        assert rows, model
        order = [STATUS_ORDER[status] for status, _ in rows]
        assert order == sorted(order), model
        assert all("sev-" not in weight for status, weight in rows if status == "pass"), model
    later = reports.later["credit-default"].text
    assert later.index("Result Rule Weight Entity Detail") < later.index("fail DRIFT-001")


def test_policy_results_list_every_judgement_once_and_a_passed_rule_in_one_row(
        reports: Reports) -> None:
    # The table lists the entities of a rule that passed on each in one row, rather than
    # its title and references again for each; its plain twin is findings.json, one
    # entry per rule and entity.
    import html as markup

    for model, dossier in [*reports.now.items(), ("later", reports.later["credit-default"])]:
        rows = re.findall(r'<tr><td class="status (\w+)">\w+</td><td class="nowrap rule">'
                          r'([^<]+)</td><td class="[^"]*">[^<]*</td><td class="mono">(.*?)'
                          r'</td>', _rules_section(dossier.html))
        shown = sorted((status, rule, markup.unescape(entity)) for status, rule, cell in rows
                       for entity in cell.split("<br>"))
        judged = sorted((r["status"], r["rule"], r["entity"])
                        for r in dossier.findings["results"]  # type: ignore[attr-defined]
                        if r["status"] != "skip")
        assert shown == judged, model
        passed = [rule for status, rule, _ in rows if status == "pass"]
        assert len(passed) == len(set(passed)), model
        assert len(rows) < len(judged), model


def test_stale_monitoring_and_a_current_set_that_is_the_reference_source_are_flagged(
        reports: Reports) -> None:
    credit = squash(reports.now["credit-default"].text)
    # 2026-11-20 (the commit) - 2025-09-30 (credit-live created): the commit's date, no clock
    assert squash("STALE: the current data credit-live@2025-09 is 416 days old "
                  "(about 14 months), against a cadence of 28 days") in credit
    later = squash(reports.later["credit-default"].text)
    assert squash("credit-live@2025-09 is 531 days old") in later
    fraud = squash(reports.now["fraud-score"].text)
    assert squash("NOT CURRENT DATA: card-transactions@2025-01 is the reference's own "
                  "source") in fraud


def test_the_first_section_is_a_one_page_model_summary(reports: Reports) -> None:
    for model, dossier in reports.now.items():
        headings = re.findall(r'<h1 id="([\w-]+)"', dossier.html)
        assert headings[0] == "summary", model
        assert {"summary", "findings", "data", "lineage", "evidence", "monitoring",
                "validation", "rules", "methodology", "oversight", "risk-management",
                "approvals"} <= set(re.findall(r'<h[12] id="([\w-]+)"', dossier.html)), model
    credit = reports.now["credit-default"]
    page = next(p for p in credit.pages if "1. Model summary\n" in p)
    flat = squash(page)
    for fact in ("Risk tier high", "Stage production (2.1.0)", "roc_auc 0.8738",
                 "this version is the champion", "≥ 0.8 (VAL-003, passed)",
                 "lowest demographic parity ratio 0.1965 (age_band)",
                 "≥ 0.8 (FAIR-002, waived)", "≤ 0.25 (DRIFT-001, waived)", "416 days old",
                 "vera.m on 2025-04-01: approved; independent (model-risk",
                 "vera.m (model-risk, 2025-04-02)", "Next periodic review 2027-06-15",
                 "expires 2027-02-28, 100 days left"):
        assert squash(fact) in flat, fact


def test_the_data_table_lists_every_upstream_dataset_with_measured_quality(
        reports: Reports) -> None:
    credit = squash(reports.now["credit-default"].text)
    data = credit[credit.index(squash("7. Data and lineage Every")):]
    for fact in ("core-banking-export@2024-06", "source of credit-applications@2024-06",
                 "d11ac113a364d529e7b014b380487444fd39c55b6c780395a847f33fba8a0f75",
                 "yes: customer_id, date_of_birth, postcode",
                 "500 rows measured; as declared", "missing values: none in 17 columns",
                 "2,500 rows measured; as declared; source core-banking-export@2024-06: "
                 "500 rows; MORE ROWS THAN ITS SOURCES (500)"):
        assert squash(fact) in data, fact


class _Cells(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.cells: list[str] = []
        self._depth = 0
        self._skip = 0
        self._text: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table" and ("class", "signature") in attrs:
            self._skip += 1
        if tag in ("td", "th") and not self._skip:
            self._text = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "table" and self._skip:
            self._skip -= 1
        if tag in ("td", "th") and self._text is not None:
            self.cells.append("".join(self._text).strip())
            self._text = None

    def handle_data(self, data: str) -> None:
        if self._text is not None:
            self._text.append(data)


def test_no_cell_is_empty_or_a_bare_dash_and_missing_sections_say_so(reports: Reports
                                                                     ) -> None:
    for model, dossier in reports.now.items():
        parser = _Cells()
        parser.feed(dossier.html)
        blank = [c for c in parser.cells if c in ("", "-", "—", "–")]
        assert not blank, (model, len(blank))
    churn = squash(reports.now["churn"].text)
    churn = churn[:churn.rindex(squash("Appendix. Requirement map"))]  # it names sections too
    oversight = churn[churn.rindex(squash("13. Human oversight")):]
    assert squash("not recorded in models.yaml") in oversight[:400]
    risk = churn[churn.rindex(squash("14. Risk management")):]
    assert squash("not recorded in models.yaml") in risk[:400]
    credit = squash(reports.now["credit-default"].text)
    assert squash("examples/docs/credit-default/human-oversight.md") in credit


def test_the_register_dates_each_finding_from_the_history(governed: GitRepo) -> None:
    text = (governed.root / "models.yaml").read_text()
    governed.write("models.yaml", text.replace("roc_auc: 0.81", "roc_auc: 0.70"))
    governed.commit("a weaker credit model", date="2026-06-10T09:00:00+00:00")
    governed.write("README.md", "unrelated\n")
    governed.commit("later work", date="2026-07-01T09:00:00+00:00")
    run = governed.charter("report", "credit", "--no-evidence", "--out", "out")
    assert run.code == 0, run.err
    text = squash(pdf_text(governed.root / "out" / "dossier-credit.pdf"))
    register = text[text.index(squash("2. Findings register Every")):]
    register = register[:register.index(squash("3. Control block"))]
    for fact in ("PERF-001", "credit@1.0.0: roc_auc 0.7 is below 0.75", "2026-06-10",
                 "risk-analytics", "SR 11-7 §V",
                 "no due date: no waiver and no periodic review recorded"):
        assert squash(fact) in register, fact


def test_quality_counts_missing_values_and_rows_and_its_cache_changes_nothing(
        repo: GitRepo) -> None:
    from charter.evidence.quality import dataset_quality
    from charter.inventory.snapshot import load_snapshot
    from charter.vcs.revisions import Revision

    repo.write("data/raw.csv", "a,b\n1,\n2,3\n,\n4,5\n")
    repo.write("data/clean.csv", "a,b\n1,2\n2,3\n")
    repo.write("models.yaml", """\
        charter: 1
        datasets:
          raw:
            owner: data-eng
            contains_pii: true
            versions:
              "1": {path: data/raw.csv, rows: 4}
          clean:
            owner: data-eng
            contains_pii: false
            versions:
              "1": {path: data/clean.csv, rows: 3, derived_from: [raw@1]}
        models: {}
        """)
    commit = repo.commit("data")
    inventory = load_snapshot(Revision.at(repo.root, "HEAD")).inventory
    fresh = dataset_quality(repo.root, inventory, ["raw@1", "clean@1"], commit, use_cache=False)
    assert fresh["raw@1"]["rows"] == 4 and fresh["raw@1"]["missing"] == {"a": 1, "b": 2}
    assert fresh["clean@1"]["declared_rows"] == 3 and fresh["clean@1"]["rows"] == 2
    assert fresh["clean@1"]["sources"] == {"raw@1": 4}
    first = dataset_quality(repo.root, inventory, ["raw@1", "clean@1"], commit)
    cached = dataset_quality(repo.root, inventory, ["raw@1", "clean@1"], commit)
    assert fresh == first == cached
