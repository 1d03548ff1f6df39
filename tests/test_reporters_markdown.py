"""The Markdown summary: verdict first, tables that stay inert, and always under 1 MiB."""

from __future__ import annotations

import re

from charter.reporters import markdown
from charter.result import Impact, ImpactItem
from conftest import GitRepo
from scenarios import check, finding, mixed_change, result_of


def test_summary_sections_in_order(governed: GitRepo) -> None:
    mixed_change(governed)
    run = check(governed, "--format", "markdown", "--format", "sarif=reports/charter.sarif")
    assert run.code == 1
    text = run.out
    assert text.startswith("## ❌ Charter: fail — 1 blocking finding\n")
    assert "**1 blocking** · 1 warning · 1 info · 1 waived" in text
    order = [text.index(h) for h in ("### Blocking findings (1)", "### Warnings and notes (2)",
                                     "### Waivers in use (1)", "### Reports")]
    assert order == sorted(order)
    blocking = text.split("### Blocking findings (1)")[1].split("###")[0]
    assert "| `PERF-001` | `credit@1.1.0` | `models.yaml:" in blocking
    assert "roc\\_auc 0.7 is below 0.75" in blocking
    assert ("| `W-7` | `PERF-001` | `credit@0.9.0` | vera | 2027-03-31 | Prototype only, never "
            "deployed; 100% accepted by model risk, see MR-12. |") in text
    assert "- `reports/charter.sarif`" in text
    assert "### Policy impact" not in text


def test_passing_summary_and_policy_impact(governed: GitRepo) -> None:
    rules = (governed.root / "policies/rules.yaml").read_text()
    governed.write("policies/rules.yaml", rules.replace("gte: 0.75", "gte: 0.85"))
    run = check(governed, "--format", "markdown")
    assert run.code == 0, run.out + run.err
    assert run.out.startswith("## ✅ Charter: pass\n")
    impact = run.out.split("### Policy impact")[1]
    assert "- Rules modified: `PERF-001`" in impact
    assert "- Newly failing: 1\n  - `PERF-001` `credit@1.0.0` (pass → fail)" in impact


def test_text_from_the_repository_cannot_break_the_table_or_inject_markup() -> None:
    hostile = "a | b\n## heading <img src=x onerror=alert(1)> [link](https://evil) `code`"
    text = markdown.render(result_of([finding(message=hostile, remediation="use *this*")]))
    row = next(line for line in text.splitlines() if line.startswith("| `PERF-001`"))
    assert row.count(" | ") == 3  # four cells, no more
    assert "<img" not in text and "&lt;img src=x onerror=alert(1)&gt;" in row
    assert "\\[link\\](https://evil)" in row and "\\`code\\`" in row
    assert "a \\| b<br>\\#\\# heading" in row
    assert "**Fix:** use \\*this\\*" in row


def test_many_findings_stay_under_the_step_summary_limit() -> None:
    long = "x" * 400
    findings = [finding(rule=f"R-{i % 37:03d}", entity=f"m{i}@1.0.0", message=f"{i} {long}",
                        line=i + 1) for i in range(30_000)]
    findings += [finding(severity="warning", entity=f"w{i}@1", line=i) for i in range(5_000)]
    items = tuple(ImpactItem("R-001", f"m{i}@1", "pass", "fail") for i in range(20_000))
    impact = Impact(items, (), (), (), ("R-001",))
    text = markdown.render(result_of(findings, impact=impact, reports=("reports/c.sarif",)))
    size = len(text.encode())
    assert size < markdown.SUMMARY_LIMIT
    assert text.startswith("## ❌ Charter: fail — 30000 blocking findings")
    tail = re.search(r"… and 29900 more not shown here \((.*)\); the SARIF", text)
    assert tail is not None
    assert tail.group(1).count("×") == 10 and tail.group(1).endswith("and 27 more rules")
    assert "… and 4900 more not shown here" in text
    assert "  - … and 19900 more" in text
    assert text.rstrip().endswith("- `reports/c.sarif`")


def test_a_small_budget_cuts_rows_not_the_verdict_or_the_reports() -> None:
    findings = [finding(entity=f"m{i}@1", message="y" * 500, line=i) for i in range(50)]
    text = markdown.render(result_of(findings, reports=("reports/a.json",)), limit=24 * 1024)
    assert len(text.encode()) < 24 * 1024
    rows = [line for line in text.splitlines() if line.startswith("| `PERF-001`")]
    assert 0 < len(rows) < 50
    assert f"… and {50 - len(rows)} more not shown here" in text
    assert "- `reports/a.json`" in text
