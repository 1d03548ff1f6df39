"""`charter check` end to end: a base commit, a head, the CLI, real git."""

from __future__ import annotations

import json
import time

from conftest import TODAY, GitRepo, Run


def check(repo: GitRepo, *args: str) -> Run:
    return repo.charter("check", "--today", TODAY, *args)


def check_without_evidence(repo: GitRepo, *args: str) -> Run:
    """The `governed` inventory names artifacts that do not exist (evidence would say so)."""
    return check(repo, "--evidence", "none", *args)


def write_waiver(repo: GitRepo, waiver_id: str, target: str, justification: str,
                 approved_by: str, expires: str) -> None:
    """A waiver of PERF-001 in policies/waivers.yaml."""
    repo.write("policies/waivers.yaml", f"""\
        charter: 1
        waivers:
          - id: {waiver_id}
            rule: PERF-001
            target: {target}
            justification: {justification}
            approved_by: {approved_by}
            expires: {expires}
        """)


def test_unchanged_repository_passes(governed: GitRepo) -> None:
    run = check(governed)
    assert run.code == 0, run.out + run.err
    assert "PASS" in run.out


def test_adding_a_compliant_version_passes(governed: GitRepo) -> None:
    text = (governed.root / "models.yaml").read_text()
    governed.write("models.yaml", text + """\
      "1.1.0":
        stage: development
        training_data: [loans@2024-06]
        evaluation: {dataset: loans@2024-06, target: defaulted, metrics: {roc_auc: 0.84}}
""")
    run = check(governed)
    assert run.code == 0, run.out + run.err
    assert "the changed entities and what reads them (3)" in run.out  # the model, both versions


def test_development_to_production_in_one_step_fails_at_the_stage_line(governed: GitRepo
                                                                       ) -> None:
    text = (governed.root / "models.yaml").read_text()
    governed.write("models.yaml", text + """\
      "1.1.0":
        stage: development
        training_data: [loans@2024-06]
        evaluation: {dataset: loans@2024-06, target: defaulted, metrics: {roc_auc: 0.84}}
        validation: {by: vera, date: 2026-11-01, outcome: approved}
        monitoring: {reference: loans@2024-06, current: loans@2024-09, every_days: 3650}
""")
    governed.commit("add 1.1.0")
    text = (governed.root / "models.yaml").read_text()
    lines = text.splitlines()
    stage_line = next(i for i, line in enumerate(lines, 1) if "stage: development" in line)
    governed.write("models.yaml", text.replace("stage: development", "stage: production"))
    run = check_without_evidence(governed, "--base", "HEAD")
    assert run.code == 1
    assert f"LC-001       models.yaml:{stage_line}:9" in run.out
    assert "credit@1.1.0: stage moved from development to production" in run.out
    assert "FAIL: 1 blocking" in run.out


def test_editing_a_production_artifact_hash_in_place_fails(governed: GitRepo) -> None:
    text = (governed.root / "models.yaml").read_text()
    governed.write("models.yaml", text.replace("a" * 64, "b" * 64))
    run = check(governed)
    assert run.code == 1
    assert "LC-002" in run.out
    assert f"artifact.sha256 changed from {'a' * 64!r} to {'b' * 64!r}" in run.out
    assert "models.yaml:21:53" in run.out


def test_head_ref_is_read_without_checkout(governed: GitRepo) -> None:
    governed.git("checkout", "-q", "-b", "feature")
    text = (governed.root / "models.yaml").read_text()
    governed.write("models.yaml", text.replace("roc_auc: 0.81", "roc_auc: 0.70"))
    governed.commit("lower auc")
    governed.git("checkout", "-q", "main")
    run = check(governed, "--base", "main", "--head", "feature")
    assert run.code == 1
    assert "credit@1.0.0: roc_auc 0.7 is below 0.75" in run.out


def test_pr_that_deletes_a_rule_and_breaks_it_still_fails_and_shows_impact(
        governed: GitRepo) -> None:
    policies = (governed.root / "policies/rules.yaml").read_text()
    start = policies.index("  PERF-001:")
    governed.write("policies/rules.yaml", policies[:start])
    text = (governed.root / "models.yaml").read_text()
    governed.write("models.yaml", text.replace(
        '"1.0.0":', '"0.9.0":\n        stage: development\n'
        '        evaluation: {metrics: {roc_auc: 0.6}}\n      "1.0.0":'))
    run = check(governed)
    assert run.code == 1, run.out
    assert "PERF-001" in run.out
    assert "policy impact" in run.out
    assert "rules removed: PERF-001" in run.out
    assert "newly passing under the proposed rules: 1" in run.out
    assert "PERF-001 credit@0.9.0 (fail → absent)" in run.out

    opted_out = check(governed, "--policies-from", "head")
    assert opted_out.code == 0
    assert "--policies-from head" in opted_out.out


def test_json_result_document(governed: GitRepo) -> None:
    text = (governed.root / "models.yaml").read_text()
    governed.write("models.yaml", text.replace("roc_auc: 0.81", "roc_auc: 0.70"))
    run = check(governed, "--format", "json")
    document = json.loads(run.out)
    assert document["charter_result"] == 1
    assert document["verdict"] == "fail"
    assert document["counts"]["blocking"] >= 1
    finding = next(f for f in document["findings"] if f["rule"] == "PERF-001")
    assert finding["entity"] == "credit@1.0.0"
    assert finding["file"] == "models.yaml"
    assert finding["line"] > 0


def test_expired_waiver_fails_and_is_reported(governed: GitRepo) -> None:
    text = (governed.root / "models.yaml").read_text()
    governed.write("models.yaml", text.replace("roc_auc: 0.81", "roc_auc: 0.70"))
    write_waiver(governed, "W-1", "credit@*", "Accepted until the retrained model ships.",
                 approved_by="vera", expires="2026-10-31")
    governed.commit("lower auc with a waiver")
    run = check_without_evidence(governed, "--all")
    assert run.code == 1
    assert "CHARTER-W001" in run.out
    assert "expired on 2026-10-31" in run.out

    renewed = governed.root / "policies/waivers.yaml"
    renewed.write_text(renewed.read_text().replace("2026-10-31", "2027-03-31"))
    governed.commit("renew")
    run = check_without_evidence(governed, "--all")
    assert run.code == 0, run.out
    assert "waived by W-1" in run.out


def test_waiver_from_unqualified_approver_does_not_waive(governed: GitRepo) -> None:
    text = (governed.root / "models.yaml").read_text()
    governed.write("models.yaml", text.replace("roc_auc: 0.81", "roc_auc: 0.70"))
    write_waiver(governed, "W-2", "credit@1.0.0", "The author would like to ship anyway.",
                 approved_by="dana", expires="2027-03-31")
    governed.commit("self-approved waiver")
    run = check_without_evidence(governed, "--all")
    assert run.code == 1
    assert "CHARTER-W003" in run.out


def test_unused_waiver_is_a_warning(governed: GitRepo) -> None:
    write_waiver(governed, "W-3", "nothing@1", "Left over from an older release.",
                 approved_by="vera", expires="2027-03-31")
    governed.commit("stale waiver")
    run = check_without_evidence(governed, "--all")
    assert run.code == 0
    assert "CHARTER-W002" in run.out


def test_typo_in_a_key_exits_2_with_a_suggestion(governed: GitRepo) -> None:
    text = (governed.root / "models.yaml").read_text()
    governed.write("models.yaml", text.replace("risk_tier: high", "risk_teir: high"))
    run = check(governed)
    assert run.code == 2
    assert "models.yaml:15:5" in run.err
    assert "missing required key" not in run.err
    assert "$.models.credit.risk_teir: unknown key 'risk_teir'" in run.err
    assert "did you mean 'risk_tier'?" in run.err
    assert "Traceback" not in run.err


def test_yaml_syntax_error_exits_2_with_its_line(governed: GitRepo) -> None:
    governed.write("models.yaml", "charter: 1\nmodels:\n  a: [1, 2\n  b: 3\n")
    run = check(governed)
    assert run.code == 2
    assert "models.yaml:4:" in run.err
    assert "YAML syntax error" in run.err


def test_duplicate_key_exits_2(governed: GitRepo) -> None:
    text = (governed.root / "models.yaml").read_text()
    governed.write("models.yaml", text.replace("    risk_tier: high\n",
                                               "    risk_tier: high\n    risk_tier: low\n"))
    run = check(governed)
    assert run.code == 2
    assert "duplicate key 'risk_tier' (first defined on line 15)" in run.err


def test_alias_bomb_exits_2_quickly(governed: GitRepo) -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(8):
        prev, cur = chr(ord("a") + i), chr(ord("b") + i)
        lines.append(f"{cur}: &{cur} [" + ",".join([f"*{prev}"] * 9) + "]")
    governed.write("models.yaml", "charter: 1\nx-bomb:\n" + "\n".join(
        "  " + line for line in lines) + "\n")
    started = time.monotonic()
    run = check(governed)
    assert run.code == 2
    assert "expands to more than" in run.err
    assert time.monotonic() - started < 20


def test_invalid_policy_file_exits_2(governed: GitRepo) -> None:
    governed.write("policies/rules.yaml", BAD_POLICY)
    governed.commit("bad policy")
    run = check(governed)
    assert run.code == 2
    assert "policies/rules.yaml:9:" in run.err
    assert "unknown key 'greater' (did you mean 'gte'?)" in run.err


BAD_POLICY = """\
charter: 1
rules:
  X-1:
    title: Broken
    severity: error
    applies_to: version
    require:
      field: evaluation.metrics.roc_auc
      greater: 1
"""


def test_missing_data_fails_closed_and_says_what_was_missing(governed: GitRepo) -> None:
    text = (governed.root / "models.yaml").read_text()
    governed.write("models.yaml", text.replace("          metrics: {roc_auc: 0.81}\n", ""))
    run = check(governed)
    assert run.code == 1
    assert "missing data: evaluation.metrics.roc_auc (the rule fails closed)" in run.out


def test_no_base_gives_a_clear_error(repo: GitRepo) -> None:
    from conftest import BASIC_INVENTORY

    repo.write("models.yaml", BASIC_INVENTORY)
    repo.commit("x")
    repo.git("branch", "-m", "main", "trunk")
    run = repo.charter("check")
    assert run.code == 2
    assert "no base revision" in run.err
    assert check_without_evidence(repo, "--base", "none").code == 0
    missing = check(repo, "--base", "does-not-exist")
    assert missing.code == 2
    assert "git revision 'does-not-exist' does not exist" in missing.err


def test_deleting_a_version_that_served_production_fails(governed: GitRepo) -> None:
    text = (governed.root / "models.yaml").read_text()
    extra = text.replace('      "1.0.0":\n        stage: production', '      "0.9.0":\n'
                         '        stage: retired\n'
                         '        deployments: [{target: scoring-api, since: 2025-01-01, '
                         'until: 2026-06-02}]\n      "1.0.0":\n        stage: production')
    governed.write("models.yaml", extra)
    governed.commit("record the retired version")
    governed.write("models.yaml", text)
    run = check(governed)
    assert run.code == 1
    assert "LC-003" in run.out
    assert "credit@0.9.0 was deleted although it served production" in run.out


def test_deleting_a_development_version_passes(governed: GitRepo) -> None:
    text = (governed.root / "models.yaml").read_text()
    governed.write("models.yaml", text + '      "2.0.0":\n        stage: development\n')
    governed.commit("experiment")
    governed.write("models.yaml", text)
    assert check(governed).code == 0


def test_removing_a_model_that_is_not_retired_fails(governed: GitRepo) -> None:
    text = (governed.root / "models.yaml").read_text()
    governed.write("models.yaml", text[:text.index("models:")] + "models: {}\n")
    run = check(governed)
    assert run.code == 1
    assert "LC-004" in run.out
    assert "credit was removed with versions that were not retired" in run.out
