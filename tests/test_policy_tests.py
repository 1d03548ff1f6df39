"""`charter test`: policy unit tests, their diffs, coverage, --require-tests and JUnit."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import BASIC_POLICIES, OFFICIAL_SCHEMAS, GitRepo

SHARED = """\
charter: 1
today: 2026-11-27
inventory:
  teams:
    model-risk: {members: [vera], validates: true}
  models:
    credit:
      risk_tier: high
      versions:
        "1.0.0":
          stage: production
          validation: {by: vera, outcome: approved}
          evaluation: {metrics: {roc_auc: 0.81}}
cases:
"""

PASSING = SHARED + """\
  - name: an approved, accurate production version passes both rules
    expect:
      - {rule: VAL-001, entity: credit@1.0.0, result: pass}
      - {rule: PERF-001, entity: credit@1.0.0, result: pass}
  - name: a pending validation fails VAL-001
    inventory:
      models: {credit: {versions: {"1.0.0": {validation: {outcome: pending}}}}}
    expect:
      - {rule: VAL-001, entity: credit@1.0.0, result: fail}
  - name: a low AUC fails PERF-001, and a development version skips VAL-001
    inventory:
      models:
        credit:
          versions:
            "1.0.0": {evaluation: {metrics: {roc_auc: 0.70}}}
            "1.1.0": {stage: development, evaluation: {metrics: {roc_auc: 0.9}}}
    expect:
      - {rule: PERF-001, entity: credit@1.0.0, result: fail}
      - {rule: VAL-001, entity: credit@1.1.0, result: skip}
"""


def line_of(text: str, needle: str, after: str = "") -> int:
    """The line number of the first line holding `needle` below the one holding `after`."""
    start = line_of(text, after) if after else 0
    return next(i for i, line in enumerate(text.splitlines(), 1) if i > start and needle in line)


@pytest.fixture
def tested(governed: GitRepo) -> GitRepo:
    governed.write("policies/tests/validation.yaml", PASSING)
    return governed


def test_passing_tests_exit_0_and_list_every_case(tested: GitRepo) -> None:
    run = tested.charter("test")
    assert run.code == 0, run.out + run.err
    assert "3 cases in 1 file, 5 expectations" in run.out
    assert "  PASS  a pending validation fails VAL-001" in run.out
    assert run.out.rstrip().endswith("PASS: 0 of 3 cases failed; 5 of 5 expectations met")


def test_failing_test_shows_expected_actual_and_the_deciding_condition(tested: GitRepo
                                                                       ) -> None:
    text = PASSING.replace("{rule: PERF-001, entity: credit@1.0.0, result: fail}",
                           "{rule: PERF-001, entity: credit@1.0.0, result: pass}")
    tested.write("policies/tests/validation.yaml", text)
    run = tested.charter("test")
    assert run.code == 1
    lines = run.out.splitlines()
    assert "  FAIL  a low AUC fails PERF-001, and a development version skips VAL-001" in lines
    expect_line = line_of(text, "{rule: PERF-001, entity: credit@1.0.0, result: pass}",
                          after="a low AUC")
    assert ("        PERF-001 credit@1.0.0: expected pass, got fail  "
            f"(policies/tests/validation.yaml:{expect_line})") in lines
    metric_line = line_of(text, "roc_auc: 0.70")
    assert any(f"finding at policies/tests/validation.yaml:{metric_line}: credit@1.0.0: "
               "roc_auc 0.7 is below 0.75" in line for line in lines)
    assert ("          match.model.risk_tier: model.risk_tier = 'high' → holds: "
            "model.risk_tier is 'high'") in lines
    assert ("          require: evaluation.metrics.roc_auc ≥ 0.75 → does not hold: "
            "evaluation.metrics.roc_auc is 0.7") in lines
    assert "FAIL: 1 of 3 cases failed; 4 of 5 expectations met" in run.out


def test_skip_and_missing_data_are_explained(tested: GitRepo) -> None:
    tested.write("policies/tests/more.yaml", SHARED + """\
  - name: no metrics at all
    inventory:
      models: {credit: {versions: {"1.0.0": {evaluation: null}}}}
    expect:
      - {rule: PERF-001, entity: credit@1.0.0, result: pass}
  - name: a development version
    inventory:
      models: {credit: {versions: {"1.0.0": {stage: development}}}}
    expect:
      - {rule: VAL-001, entity: credit@1.0.0, result: fail}
""")
    run = tested.charter("test", "policies/tests/more.yaml")
    assert run.code == 1
    assert ("require: evaluation.metrics.roc_auc ≥ 0.75 → undecided: missing: "
            "evaluation.metrics.roc_auc") in run.out
    assert "VAL-001 credit@1.0.0: expected fail, got skip" in run.out
    assert ("match.stage: stage = 'production' → does not hold: stage is 'development'"
            in run.out)


def test_change_rules_are_tested_with_a_base(tested: GitRepo) -> None:
    tested.write("policies/tests/lifecycle.yaml", SHARED + """\
  - name: skipping staging fails LC-001
    inventory:
      models: {credit: {versions: {"1.1.0": {stage: production}}}}
    base:
      models: {credit: {versions: {"1.1.0": {stage: development}}}}
    expect:
      - {rule: LC-001, entity: credit@1.1.0, result: fail}
      - {rule: LC-001, entity: credit@1.0.0, result: skip}
  - name: everything new in a first commit
    base: none
    expect:
      - {rule: LC-001, entity: credit@1.0.0, result: skip}
""")
    run = tested.charter("test", "policies/tests/lifecycle.yaml")
    assert run.code == 0, run.out + run.err


def test_coverage_lists_an_untested_rule_and_unevaluated_conditions(tested: GitRepo) -> None:
    policies = BASIC_POLICIES + """\
  DOC-001:
    title: Models state their purpose
    severity: warning
    applies_to: model
    require: {any: [{field: purpose, exists: true}, {field: description, exists: true}]}
"""
    tested.write("policies/rules.yaml", policies)
    run = tested.charter("test", "--coverage")
    assert run.code == 0, run.out + run.err  # coverage reports; it does not fail the run
    assert "rule coverage: 2 of 3 local rules expected both to pass and to fail" in run.out
    assert "  DOC-001        no test" in run.out
    assert ("condition coverage: 4 of 6 conditions evaluated where a case states the result"
            in run.out)
    assert "  DOC-001        require.any[0]: purpose is present" in run.out
    assert "  DOC-001        require.any[1]: description is present" in run.out


def test_coverage_names_the_missing_direction(tested: GitRepo) -> None:
    text = (tested.root / "policies/tests/validation.yaml").read_text()
    tested.write("policies/tests/validation.yaml",
                 text.replace("{rule: PERF-001, entity: credit@1.0.0, result: fail}",
                              "{rule: PERF-001, entity: credit@1.0.0, result: fail}\n"
                              "      - {rule: VAL-001, entity: credit@1.1.0, result: skip}")
                 .replace("      - {rule: PERF-001, entity: credit@1.0.0, result: pass}\n", ""))
    run = tested.charter("test", "--coverage")
    assert "  PERF-001       no case expects it to pass" in run.out


def test_require_tests_fails_when_a_rule_has_no_test(tested: GitRepo) -> None:
    tested.write("policies/rules.yaml", BASIC_POLICIES + """\
  DOC-001:
    title: Models state their purpose
    severity: warning
    applies_to: model
    require: {field: purpose, exists: true}
""")
    assert tested.charter("test").code == 0
    run = tested.charter("test", "--require-tests")
    assert run.code == 1
    assert "--require-tests: 1 rules have no test: DOC-001" in run.out
    assert "FAIL: 0 of 3 cases failed; 5 of 5 expectations met; 1 rules untested" in run.out


def test_require_tests_passes_when_every_local_rule_is_tested(tested: GitRepo) -> None:
    run = tested.charter("test", "--require-tests")
    assert run.code == 0, run.out


def test_unknown_rule_in_an_expectation_exits_2_at_its_line(tested: GitRepo) -> None:
    text = PASSING.replace("{rule: VAL-001, entity: credit@1.0.0, result: fail}",
                           "{rule: VAL-01, entity: credit@1.0.0, result: fail}")
    tested.write("policies/tests/validation.yaml", text)
    run = tested.charter("test")
    assert run.code == 2
    line = line_of(text, "VAL-01,")
    assert (f"policies/tests/validation.yaml:{line}: no rule 'VAL-01' in force (did you mean "
            "VAL-001?)") in run.err
    assert "Traceback" not in run.err


def test_invalid_test_file_exits_2_with_the_key(tested: GitRepo) -> None:
    text = (tested.root / "policies/tests/validation.yaml").read_text()
    tested.write("policies/tests/validation.yaml",
                 text.replace("result: skip", "result: skipped"))
    run = tested.charter("test")
    assert run.code == 2
    assert "$.cases[2].expect[1].result: 'skipped' is not one of pass, fail, waived, skip" \
        in run.err


def test_missing_test_folder_exits_2(governed: GitRepo) -> None:
    run = governed.charter("test")
    assert run.code == 2
    assert "no policy tests at" in run.err


def test_engine_rules_can_be_expected(tested: GitRepo) -> None:
    tested.write("policies/rules.yaml", BASIC_POLICIES + """\
waivers:
  - id: W-1
    rule: PERF-001
    target: credit@1.0.0
    justification: Replacement model in validation, accepted by the committee.
    approved_by: vera
    expires: 2026-12-10
""")
    tested.write("policies/tests/waivers.yaml", SHARED + """\
  - name: a waived failure that expires within 30 days
    inventory:
      models: {credit: {versions: {"1.0.0": {evaluation: {metrics: {roc_auc: 0.7}}}}}}
    expect:
      - {rule: PERF-001, entity: credit@1.0.0, result: waived}
      - {rule: CHARTER-W004, entity: W-1, result: fail}
  - name: no warning two months before
    today: 2026-10-01
    expect:
      - {rule: CHARTER-W004, entity: W-1, result: pass}
""")
    run = tested.charter("test", "policies/tests/waivers.yaml")
    assert run.code == 0, run.out + run.err


def test_junit_output_is_valid_and_carries_the_diff(tested: GitRepo) -> None:
    import xmlschema

    text = (tested.root / "policies/tests/validation.yaml").read_text()
    tested.write("policies/tests/validation.yaml", text.replace(
        "{rule: VAL-001, entity: credit@1.0.0, result: fail}",
        "{rule: VAL-001, entity: credit@1.0.0, result: pass}"))
    tested.write("policies/rules.yaml", BASIC_POLICIES + """\
  DOC-001:
    title: Models state their purpose
    severity: warning
    applies_to: model
    require: {field: purpose, exists: true}
""")
    run = tested.charter("test", "--require-tests", "--format", "text",
                         "--format", "junit=reports/policy-tests.xml")
    assert run.code == 1
    report = tested.root / "reports/policy-tests.xml"
    xmlschema.XMLSchema(str(OFFICIAL_SCHEMAS / "junit-10.xsd")).validate(str(report))
    xml = report.read_text()
    assert 'failures="1"' in xml
    assert 'message="VAL-001 credit@1.0.0: expected pass, got fail"' in xml
    assert 'message="DOC-001 has no test (--require-tests)"' in xml


def test_json_output(tested: GitRepo) -> None:
    run = tested.charter("test", "--format", "json")
    document = json.loads(run.out)
    assert document["charter_tests"] == 1
    assert document["result"] == "pass"
    assert [c["passed"] for c in document["cases"]] == [True, True, True]


def test_path_may_be_the_repository(tested: GitRepo, tmp_path: Path) -> None:
    from conftest import run_charter

    run = run_charter(tmp_path, "test", str(tested.root))
    assert run.code == 0, run.out + run.err


def test_policy_tests_schema_is_printed() -> None:
    from conftest import run_charter

    run = run_charter(Path.cwd(), "schema", "policy-tests")
    assert run.code == 0
    assert json.loads(run.out)["title"].startswith("Charter policy tests")


def test_policy_tests_schema_is_a_valid_draft_2020_12_schema() -> None:
    from jsonschema import Draft202012Validator

    from charter.source.schema import load_schema

    Draft202012Validator.check_schema(load_schema("policy-tests"))


def test_evidence_values_are_fixtures_too(governed: GitRepo) -> None:
    governed.write("policies/evidence.yaml", """\
charter: 1
rules:
  EVD-001:
    title: Measured AUC is no worse than the champion's
    severity: error
    applies_to: version
    match: {stage: production}
    require:
      field: evidence.metrics.roc_auc
      gte: {field: champion.evidence.metrics.roc_auc}
      tolerance: 0.01
""")
    governed.write("policies/tests/evidence.yaml", SHARED + """\
  - name: a challenger measured below its champion fails
    base:
      models: {credit: {versions: {"0.9.0": {stage: production}}}}
    inventory:
      models: {credit: {versions: {"0.9.0": {stage: retired}}}}
    evidence:
      credit@1.0.0: {metrics: {roc_auc: 0.78}, champion: {metrics: {roc_auc: 0.81}}}
    expect:
      - {rule: EVD-001, entity: credit@1.0.0, result: fail}
  - name: within the tolerance passes
    base:
      models: {credit: {versions: {"0.9.0": {stage: production}}}}
    inventory:
      models: {credit: {versions: {"0.9.0": {stage: retired}}}}
    evidence:
      credit@1.0.0: {metrics: {roc_auc: 0.805}, champion: {metrics: {roc_auc: 0.81}}}
    expect:
      - {rule: EVD-001, entity: credit@1.0.0, result: pass}
""")
    run = governed.charter("test", "policies/tests/evidence.yaml")
    assert run.code == 0, run.out + run.err
