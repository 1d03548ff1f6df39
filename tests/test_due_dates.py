"""Due dates: overdue reviews, missed validation dates and expiring waivers surface in a
scheduled `charter check --all`, without a pull request."""

from __future__ import annotations

from conftest import BASIC_INVENTORY, BASIC_POLICIES, GitRepo


def scheduled(repo: GitRepo, today: str) -> tuple[int, str]:
    run = repo.charter("check", "--all", "--today", today, "--evidence", "none")
    return run.code, run.out + run.err


def test_overdue_review_and_missed_validation_date_surface_on_a_schedule(repo: GitRepo
                                                                        ) -> None:
    inventory = BASIC_INVENTORY + """\
      "1.1.0":
        stage: development
        training_data: [loans@2024-06]
        evaluation: {dataset: loans@2024-06, target: defaulted, metrics: {roc_auc: 0.8}}
        validation: {planned: 2026-12-15}
"""
    repo.write("models.yaml", inventory)
    repo.write("policies/rules.yaml", BASIC_POLICIES)
    repo.write("policies/packs.yaml", "charter: 1\nextends: [charter:sr-11-7]\ndisable:\n"
               "  SR117-007: Monitoring is run and audited by the scoring platform.\n"
               "  SR117-003: Intended use is recorded in the product catalogue.\n"
               "  SR117-004: Limitations are recorded in the product catalogue.\n"
               "  SR117-006: Holdout testing is done by the validation team's own tooling.\n")
    repo.commit("inventory")
    code, out = scheduled(repo, "2026-11-27")
    assert code == 0, out
    code, out = scheduled(repo, "2026-12-20")
    assert code == 0, out  # a missed planned date warns
    assert ("credit@1.1.0: validation was planned for 2026-12-15 and has not happened"
            in out)
    code, out = scheduled(repo, "2027-06-02")
    assert code == 1
    assert "SR117-008" in out
    assert "credit: periodic review overdue" in out
    assert "(366 days old)" in out


def test_a_waiver_expiring_within_30_days_warns(governed: GitRepo) -> None:
    governed.write("policies/rules.yaml", BASIC_POLICIES + """\
waivers:
  - id: W-7
    rule: PERF-001
    target: credit@*
    justification: Replacement model in validation; accepted by the committee.
    approved_by: vera
    expires: 2026-12-20
""")
    governed.commit("waiver")
    _, out = scheduled(governed, "2026-11-20")
    assert "CHARTER-W004" in out
    assert "waiver W-7 (PERF-001 for credit@*) expires on 2026-12-20, in 30 days" in out
    _, out = scheduled(governed, "2026-11-19")
    assert "CHARTER-W004" not in out
    _, out = scheduled(governed, "2026-12-20")
    assert "expires on 2026-12-20, today" in out
    _, out = scheduled(governed, "2026-12-21")
    assert "CHARTER-W004" not in out and "CHARTER-W001" in out
