"""GitHub annotations: escaped as the Actions toolkit escapes, most severe first, ten per type."""

from __future__ import annotations

from charter.reporters.workflow_commands import escape_data, escape_property, render
from conftest import GitRepo
from scenarios import check, finding, mixed_change, result_of


def test_escaping_follows_githubs_rules() -> None:
    assert escape_data("100% done\r\nnext: a,b") == "100%25 done%0D%0Anext: a,b"
    assert escape_property("100% done\r\nnext: a,b") == "100%25 done%0D%0Anext%3A a%2Cb"
    assert escape_data("%0A") == "%250A"  # an escape sequence in the text stays literal


def test_messages_and_paths_with_special_characters() -> None:
    odd = finding(message="50% of rows: bad,\nsee ::error::x", file="data/a,b:c%.yaml",
                  line=4, column=3, end_line=4, end_column=12, title="T: x, y",
                  remediation="fix it")
    line = render(result_of([odd])).splitlines()[1]
    assert line == ("::error file=data/a%2Cb%3Ac%25.yaml,line=4,endLine=4,col=3,endColumn=12,"
                    "title=PERF-001 (error)%3A T%3A x%2C y::50%25 of rows: bad,%0Asee "
                    "::error::x%0AFix: fix it")


def test_most_severe_first_at_most_ten_per_type_and_the_rest_counted() -> None:
    findings = [finding(severity="info", entity=f"i{i}@1", line=i) for i in range(12)]
    findings += [finding(severity="warning", entity=f"w{i}@1", line=i) for i in range(3)]
    findings += [finding(entity=f"e{i}@1", line=i) for i in range(25)]
    findings.append(finding(entity="v@1", waived_by="W-1", waiver_approved_by="vera",
                            waiver_expires="2027-01-31", waiver_justification="accepted"))
    lines = render(result_of(findings)).splitlines()
    assert lines[0] == "::group::Charter: fail, 25 blocking, 3 warnings, 12 info, 1 waived"
    assert lines[-1] == "::endgroup::"
    kinds = [line.split(" ", 1)[0] for line in lines[1:-1]]
    assert kinds == ["::error"] * 10 + ["::warning"] * 3 + ["::notice"] * 10
    assert lines[-2] == ("::notice title=Charter%3A more findings::19 more findings are not "
                         "annotated (15 errors, 4 notices): GitHub shows 10 annotations of each "
                         "type per step. The step summary and the reports list every finding.")


def test_waived_findings_are_notices_with_the_waiver() -> None:
    waived = finding(waived_by="W-1", waiver_approved_by="vera", waiver_expires="2027-01-31",
                     waiver_justification="risk accepted")
    line = render(result_of([waived])).splitlines()[1]
    assert line.startswith("::notice file=models.yaml,line=30,endLine=30,col=9,"
                           "title=PERF-001 (waived by W-1)%3A AUC floor::")
    assert line.endswith("%0AWaived by W-1 (approved by vera, expires 2027-01-31): risk accepted")


def test_github_format_from_the_cli(governed: GitRepo) -> None:
    mixed_change(governed)
    run = check(governed, "--format", "github")
    assert run.code == 1
    lines = (governed.root / "models.yaml").read_text().splitlines()
    line = next(i for i, text in enumerate(lines, 1) if "roc_auc: 0.70" in text)
    assert (f"::error file=models.yaml,line={line},endLine={line},col=75,endColumn=90,"
            "title=PERF-001 (error)%3A High-risk models reach an AUC of 0.75::credit@1.1.0: "
            "roc_auc 0.7 is below 0.75") in run.out.splitlines()
