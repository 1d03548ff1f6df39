"""Team membership with dates: a past validation is judged against the team as it was then."""

from __future__ import annotations

import pytest

from conftest import BASIC_INVENTORY, GitRepo
from scenarios import check

TEAM = "  model-risk: {members: [vera, victor], validates: true}\n"
TEAM_LINE = BASIC_INVENTORY[:BASIC_INVENTORY.index(TEAM)].count("\n") + 1
CLAIM = "validation: {by: vera,"
CLAIM_LINE = BASIC_INVENTORY[:BASIC_INVENTORY.index(CLAIM)].count("\n") + 1


def with_team(members: str) -> str:
    return BASIC_INVENTORY.replace(TEAM, f"  model-risk:\n    validates: true\n"
                                         f"    members:\n{members}")


LEFT_LATER = with_team("      - victor\n"
                       "      - {id: vera, since: 2024-01-01, until: 2026-08-31}\n")


def test_a_validator_who_left_keeps_the_validations_they_signed(repo: GitRepo) -> None:
    repo.write("models.yaml", LEFT_LATER)
    run = repo.charter("validate")
    assert run.code == 0, run.err


def test_deleting_a_validator_says_to_keep_them_with_until(repo: GitRepo) -> None:
    repo.write("models.yaml", BASIC_INVENTORY.replace("[vera, victor]", "[victor]"))
    run = repo.charter("validate")
    assert run.code == 2
    assert (f"models.yaml:{CLAIM_LINE}:" in run.err
            and "validator 'vera' is not a member of a validating team on 2026-06-01"
            in run.err), run.err
    assert "if they left the team, keep them with `until:`" in run.err
    assert "Traceback" not in run.err


@pytest.mark.parametrize(("member", "date"), [
    ("{id: vera, since: 2024-01-01, until: 2026-05-31}", "2026-06-01"),  # had left
    ("{id: vera, since: 2026-06-02}", "2026-06-01"),  # had not joined yet
])
def test_a_validation_outside_the_membership_is_invalid(repo: GitRepo, member: str,
                                                        date: str) -> None:
    repo.write("models.yaml", with_team(f"      - victor\n      - {member}\n"))
    run = repo.charter("validate")
    assert run.code == 2
    assert f"validator 'vera' is not a member of a validating team on {date}" in run.err


def test_membership_bounds_are_inclusive(repo: GitRepo) -> None:
    repo.write("models.yaml", with_team("      - {id: vera, since: 2026-06-01, "
                                        "until: 2026-06-01}\n"))
    assert repo.charter("validate").code == 0


def test_a_period_that_ends_before_it_starts_points_at_the_member(repo: GitRepo) -> None:
    repo.write("models.yaml", with_team("      - victor\n"
                                        "      - {id: vera, since: 2026-09-01, "
                                        "until: 2024-01-01}\n"))
    run = repo.charter("validate")
    assert run.code == 2
    assert (f"models.yaml:{TEAM_LINE + 4}:" in run.err
            and "vera's membership of model-risk ends (2024-01-01) before it starts "
                "(2026-09-01)" in run.err), run.err


@pytest.mark.parametrize(("member", "expected"), [
    ("{since: 2024-01-01}", "missing required key 'id'"),
    ("{id: vera, from: 2024-01-01}", "from"),
    ("{id: vera, until: 2024-13-01}", "'2024-13-01' is not a real date"),
])
def test_a_malformed_member_is_a_schema_error_at_its_line(repo: GitRepo, member: str,
                                                          expected: str) -> None:
    repo.write("models.yaml", with_team(f"      - victor\n      - {member}\n"))
    run = repo.charter("validate")
    assert run.code == 2
    assert f"models.yaml:{TEAM_LINE + 4}:" in run.err and expected in run.err, run.err
    assert "Traceback" not in run.err


def test_a_member_listed_twice_is_an_error(repo: GitRepo) -> None:
    repo.write("models.yaml", with_team("      - vera\n      - {id: vera, until: 2025-01-01}\n"))
    run = repo.charter("validate")
    assert run.code == 2
    assert "vera is listed twice in model-risk" in run.err, run.err


WAIVED = """\
charter: 1
rules:
  PERF-001:
    title: High-risk models reach an AUC of 0.9
    severity: error
    applies_to: version
    require: {field: evaluation.metrics.roc_auc, gte: 0.9}
waivers:
  - id: W-1
    rule: PERF-001
    target: credit@1.0.0
    justification: Accepted by model risk until the retrained version ships.
    approved_by: vera
    expires: 2027-03-31
"""


def test_a_waiver_counts_only_while_its_approver_is_in_a_validating_team(
        repo: GitRepo) -> None:
    repo.write("models.yaml", LEFT_LATER)
    repo.write("policies/rules.yaml", WAIVED)
    repo.commit("vera left model-risk")
    run = check(repo, "--all", "--base", "none")
    assert run.code == 1, run.out + run.err
    assert ("waiver W-1 is approved by 'vera', who is not in a validating team on 2026-11-27"
            in run.out), run.out
    repo.write("models.yaml", LEFT_LATER.replace("until: 2026-08-31", "until: 2027-01-01"))
    repo.commit("vera stays until January")
    assert check(repo, "--all", "--base", "none").code == 0


def test_a_validator_who_left_does_not_break_the_pull_request_gate(repo: GitRepo) -> None:
    # a plain login is a member always: giving vera a `since` now would delete days of her
    # past membership (CHARTER-C003); her leave, recorded late, is a dated statement
    repo.write("models.yaml", with_team("      - victor\n      - {id: vera, since: 2024-01-01}\n"))
    repo.write("policies/rules.yaml", "charter: 1\nrules: {}\n")
    repo.commit("inventory")
    repo.git("checkout", "-q", "-b", "feature")
    repo.write("models.yaml", LEFT_LATER)
    repo.commit("vera left model-risk")
    run = check(repo, "--base", "main")
    assert run.code == 0, run.out + run.err


def test_members_are_shown_with_their_periods() -> None:
    from charter.inventory.membership import member_labels

    team = {"members": ["victor", {"id": "vera", "since": "2024-01-01", "until": "2026-08-31"},
                        {"id": "kim", "since": "2025-03-01"}]}
    assert member_labels(team) == ["victor", "vera (2024-01-01 to 2026-08-31)",
                                   "kim (since 2025-03-01)"]
