"""A pull request cannot shrink who was in a team on days already past (CHARTER-C003): the
independence of validations and approvals is judged against the teams as they were."""

from __future__ import annotations

import pytest

from conftest import GitRepo
from test_gate_soundness import INVENTORY, POLICIES, both, check

TEAM = "  risk-analytics: {members: [dana, ravi]}\n"
BASE = INVENTORY.replace(
    "  model-risk: {members: [vera, victor], validates: true}",
    "  model-risk: {members: [vera, victor, dana], validates: true}").replace(
    "        stage: development\n", "        stage: development\n        author: ravi\n")
VALIDATED = BASE.replace("        author: ravi\n", "        author: ravi\n"
                         "        validation: {by: dana, date: 2026-11-20, outcome: approved}\n")


def base_repo(repo: GitRepo) -> GitRepo:
    assert TEAM in BASE
    repo.write("models.yaml", BASE)
    repo.write("policies/rules.yaml", POLICIES)
    repo.commit("initial inventory")
    return repo


def with_team(text: str, team: str) -> str:
    return text.replace(TEAM, team)


@pytest.mark.parametrize("team", [
    "  risk-analytics: {members: [ravi]}\n",
    "  risk-analytics: {members: [dana-s, ravi]}\n",  # renamed
])
def test_past_membership_cannot_be_deleted(repo: GitRepo, team: str) -> None:
    base_repo(repo)
    repo.write("models.yaml", with_team(BASE, team))
    scoped, full = both(repo)
    for run in (scoped, full):
        assert run.code == 1, run.out
        assert ("CHARTER-C003 models.yaml:3:3  team risk-analytics: the change deletes the "
                "past membership of 'dana' without an approval") in run.out


def test_deleting_a_team_removes_its_past(repo: GitRepo) -> None:
    base_repo(repo)
    repo.write("models.yaml", BASE.replace(TEAM, "  risk-analytics: {members: [ravi]}\n")
               .replace("  data-eng: {members: [kim]}\n", "").replace(
                   "owner: data-eng", "owner: risk-analytics"))
    run = check(repo)
    assert run.code == 1, run.out
    assert ("team data-eng (the team was deleted): the change deletes the past membership of "
            "'kim'") in run.out


@pytest.mark.parametrize("team", [
    "  risk-analytics: {members: [{id: dana, until: 2026-11-27}, ravi]}\n",
    "  risk-analytics: {members: [{id: dana, until: 2026-11-01}, ravi]}\n",  # told late
    "  risk-analytics: {members: [dana, ravi, {id: sam, since: 2026-12-01}]}\n",  # joins
    "  risk-analytics: {members: [dana, ravi, sam]}\n",
    "  risk-analytics:\n    members: [ravi]\n    approvals: [{by: vera, date: 2026-11-25}]\n",
])
def test_dated_leaving_joining_or_an_approved_correction_passes(repo: GitRepo, team: str) -> None:
    base_repo(repo)
    repo.write("models.yaml", with_team(BASE, team))
    run = check(repo)
    assert run.code == 0, run.out
    assert "CHARTER-C003" not in run.out


@pytest.mark.parametrize("team", [
    "  risk-analytics: {members: [{id: dana, since: 2026-11-01}, ravi]}\n",
    "  risk-analytics: {members: [ravi, {id: dana, since: 2026-12-01}]}\n",
])
def test_a_later_start_cannot_make_a_developer_independent(repo: GitRepo, team: str) -> None:
    """The two steps: dana, in her model's team from the start, is given a later `since`;
    then she validates a version of that model dated before it, and LC-031 (judged against
    the team on the validation's date) would pass. The first step is refused."""
    base_repo(repo)
    repo.write("models.yaml", with_team(BASE, team))
    for run in both(repo):
        assert run.code == 1, run.out
        assert ("CHARTER-C003 models.yaml:3:3  team risk-analytics: the change deletes the "
                "past membership of 'dana' without an approval") in run.out


def test_an_earlier_recorded_end_is_a_rewrite(repo: GitRepo) -> None:
    """A leave already recorded moved back in time rewrites the team's record; a leave
    recorded late on an open membership is a dated statement and passes (above)."""
    ended = "  risk-analytics: {members: [{id: dana, until: 2026-11-20}, ravi]}\n"
    base_repo(repo)
    repo.write("models.yaml", with_team(BASE, ended))
    repo.commit("dana leaves")
    repo.write("models.yaml", with_team(BASE, ended.replace("2026-11-20", "2026-10-01")))
    run = check(repo)
    assert run.code == 1 and "CHARTER-C003" in run.out, run.out


def test_an_approval_by_a_team_member_does_not_count(repo: GitRepo) -> None:
    base_repo(repo)
    repo.write("models.yaml", with_team(BASE, "  risk-analytics:\n    members: [ravi]\n"
                                              "    approvals: [{by: dana, date: 2026-11-25}]\n"))
    run = check(repo)
    assert run.code == 1 and "CHARTER-C003" in run.out, run.out


@pytest.mark.parametrize("login", ["d\u0430na", "dana\u200b", "Dana"])
def test_a_look_alike_login_cannot_make_a_developer_independent(repo: GitRepo,
                                                                 login: str) -> None:
    """The two steps: a team edit that looks like nothing (a Cyrillic a, a zero-width space,
    a capital), then the developer validates their team's model. The first is refused."""
    base_repo(repo)
    repo.write("models.yaml", with_team(VALIDATED, TEAM))
    run = check(repo)
    assert run.code == 1 and "LC-031" in run.out, run.out  # dana owns credit: not independent
    repo.write("models.yaml", with_team(BASE, f"  risk-analytics: {{members: [{login}, ravi]}}\n"))
    run = check(repo)
    assert run.code == 2, run.out + run.err
    assert "only by case, look-alike letters or invisible characters" in run.err


@pytest.mark.parametrize("login", ["Dana", "d\u0430na", "dana\u200b", "\uff44ana"])
def test_one_person_cannot_be_two_logins(repo: GitRepo, login: str) -> None:
    """Listed as `Dana` in a validating team while `dana` is in the owning team, a developer
    would pass as independent of their own model: logins that differ only by case, a
    look-alike letter or an invisible character are refused."""
    repo.write("models.yaml", INVENTORY)
    repo.write("policies/rules.yaml", POLICIES)
    repo.commit("initial inventory")
    repo.write("models.yaml", INVENTORY.replace(
        "  model-risk: {members: [vera, victor], validates: true}",
        f"  model-risk: {{members: [vera, victor, {login}], validates: true}}"))
    run = check(repo)
    assert run.code == 2, run.out + run.err
    assert (f"models.yaml:5:40: $.teams.model-risk.members[2]: login {login!r} in model-risk "
            "differs from 'dana' in risk-analytics only by case") in run.err
