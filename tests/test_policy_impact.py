"""The policy impact report whichever revision's rules judge the change."""

from __future__ import annotations

from conftest import GitRepo
from scenarios import check


def test_policies_from_head_still_reports_the_impact_of_a_policy_change(
        governed: GitRepo) -> None:
    policies = (governed.root / "policies/rules.yaml").read_text()
    governed.write("policies/rules.yaml", policies.replace("gte: 0.75", "gte: 0.85"))
    run = check(governed, "--policies-from", "head")
    # the head's rules judge, so what they newly fail blocks, though no entity changed
    assert run.code == 1, run.out + run.err
    assert "PERF-001" in run.out.split("policy impact")[0]
    assert "--policies-from head" in run.out
    assert "policy impact (this change edits policies/; the head's rules judged it)" in run.out
    assert "rules modified: PERF-001" in run.out
    assert "PERF-001 credit@1.0.0 (pass → fail)" in run.out


def test_the_base_rules_judge_by_default_and_the_report_says_so(governed: GitRepo) -> None:
    policies = (governed.root / "policies/rules.yaml").read_text()
    governed.write("policies/rules.yaml", policies.replace("gte: 0.75", "gte: 0.85"))
    run = check(governed)
    assert run.code == 0, run.out + run.err
    assert "policy impact (this change edits policies/; the base rules judged it)" in run.out
    assert "PERF-001 credit@1.0.0 (pass → fail)" in run.out


def test_no_impact_without_a_policy_change(governed: GitRepo) -> None:
    run = check(governed, "--policies-from", "head")
    assert run.code == 0, run.out + run.err
    assert "policy impact" not in run.out
