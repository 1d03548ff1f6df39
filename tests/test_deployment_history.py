"""A version's recorded deployments are append-only (CHARTER-C020): otherwise a pull request
retires a production version and drops its deployments, and the next one deletes it with
LC-003 (which reads the base's stage and deployments) passing."""

from __future__ import annotations

import pytest

from conftest import BASIC_INVENTORY, BASIC_POLICIES, GitRepo
from scenarios import split_inventory, write_files
from test_gate_soundness import both, check

DEPLOYED = ("        deployments:\n"
            "          - {target: scoring-api, since: 2026-06-02, traffic: 100}\n")
RETIRED = BASIC_INVENTORY.replace(
    "        stage: production\n",
    "        stage: retired\n        retired: {date: 2026-11-20, reason: replaced}\n")
NEXT = """\
      "2.0.0":
        stage: development
        training_data: [loans@2024-06]
        evaluation: {dataset: loans@2024-06, target: defaulted, metrics: {roc_auc: 0.8}}
"""


def write_layout(repo: GitRepo, text: str, split: bool) -> None:
    """The inventory as one models.yaml, or with credit in its own file."""
    write_files(repo, split_inventory(text, models=["credit"]) if split else
                {"models.yaml": text})


def base_repo(repo: GitRepo, inventory: str = BASIC_INVENTORY) -> GitRepo:
    repo.write("models.yaml", inventory + NEXT)
    repo.write("policies/rules.yaml", BASIC_POLICIES)
    repo.commit("initial inventory")
    return repo


def test_a_version_that_served_cannot_be_deleted_in_two_steps(repo: GitRepo) -> None:
    """Step one (retire and drop the deployments) is refused; without it, step two (delete
    the retired version) would pass LC-003 and `--all` would find nothing."""
    base_repo(repo)
    repo.write("models.yaml", RETIRED.replace(DEPLOYED, "") + NEXT)
    for run in both(repo):
        assert run.code == 1, run.out
        assert ("CHARTER-C020 models.yaml:18:7  credit@1.0.0: the recorded deployment "
                "scoring-api since 2026-06-02 removed without an approval") in run.out
    repo.git("checkout", "-q", "-b", "retire")
    head = repo.commit("retire and forget", author="Ravi <ravi@x.org>")
    run = check(repo, "--base", "main", "--head", head)
    assert run.code == 1 and "CHARTER-C020" in run.out, run.out


@pytest.mark.parametrize("deployments", [
    "          - {target: scoring-api, since: 2026-07-02, traffic: 100}\n",  # re-dated
    "          - {target: scoring-eu, since: 2026-06-02, traffic: 100}\n",  # moved
    "          - {target: scoring-api, since: 2026-06-02, until: 2026-11-19}\n",  # re-ended
])
def test_a_recorded_deployment_cannot_be_rewritten(repo: GitRepo, deployments: str) -> None:
    ended = DEPLOYED.replace("traffic: 100}", "until: 2026-11-20}")
    base_repo(repo, RETIRED.replace(DEPLOYED, ended))
    repo.write("models.yaml", RETIRED.replace(DEPLOYED, "        deployments:\n" + deployments)
               + NEXT)
    run = check(repo)
    assert run.code == 1 and "CHARTER-C020" in run.out, run.out


@pytest.mark.parametrize("deployments", [
    "          - {target: scoring-api, since: 2026-06-02, until: 2026-11-20}\n",  # ended
    "          - {target: scoring-api, since: 2026-06-02, traffic: 50}\n"
    "          - {target: scoring-eu, since: 2026-11-01, traffic: 50}\n",  # one more
])
def test_ending_or_adding_a_deployment_passes(repo: GitRepo, deployments: str) -> None:
    base_repo(repo)
    repo.write("models.yaml", BASIC_INVENTORY.replace(
        DEPLOYED, "        deployments:\n" + deployments) + NEXT)
    run = check(repo)
    assert run.code == 0, run.out


def test_a_correction_approved_by_an_independent_validator_passes(repo: GitRepo) -> None:
    base_repo(repo)
    approved = "        approvals: [{by: vera, date: 2026-11-25}]\n"
    repo.write("models.yaml", RETIRED.replace(DEPLOYED, approved) + NEXT)
    run = check(repo)
    assert run.code == 0, run.out
    repo.write("models.yaml", RETIRED.replace(DEPLOYED, approved.replace("vera", "dana"))
               + NEXT)
    run = check(repo)
    assert run.code == 1 and "CHARTER-C020" in run.out, run.out


UNDEPLOYED = BASIC_INVENTORY.replace(DEPLOYED, "")


def without_first_version(text: str) -> str:
    start, end = text.index('      "1.0.0":\n'), text.index('      "2.0.0":\n')
    return text[:start] + text[end:]


@pytest.mark.parametrize("split", [False, True])
def test_a_retired_version_that_was_in_production_cannot_be_deleted(repo: GitRepo,
                                                                    split: bool) -> None:
    """Retiring a production version (no deployment recorded) passes, as LC-001 asks; the
    base record of the retired version no longer says it served, so LC-003 let the next
    pull request delete it. The base's history says it (CHARTER-C022), in both layouts."""
    def write(text: str) -> None:
        write_layout(repo, text, split)

    write(UNDEPLOYED + NEXT)
    repo.write("policies/rules.yaml", BASIC_POLICIES)
    repo.commit("initial inventory")
    retired = RETIRED.replace(DEPLOYED, "") + NEXT
    write(retired)
    assert check(repo).code == 0
    repo.commit("retire credit 1.0.0")
    repo.git("checkout", "-q", "-b", "cleanup")
    write(without_first_version(retired))
    where = "models/credit.yaml:1:1" if split else "models.yaml:12:3"
    for run in both(repo):
        assert run.code == 1, run.out
        assert (f"CHARTER-C022 {where}  credit@1.0.0 was deleted although it served "
                "production (in production until commit ") in run.out, run.out
    run = check(repo, "--base", "main", "--head", repo.commit("clean up"))
    assert run.code == 1 and "CHARTER-C022" in run.out, run.out


def test_a_version_retired_from_development_can_be_deleted(repo: GitRepo) -> None:
    prototype = UNDEPLOYED.replace("        stage: production\n", "        stage: development\n")
    base_repo(repo, prototype)
    retired = prototype.replace("stage: development\n        algo", "stage: retired\n        algo")
    assert retired != prototype
    repo.write("models.yaml", retired + NEXT)
    repo.commit("retire the prototype")
    repo.git("checkout", "-q", "-b", "cleanup")
    repo.write("models.yaml", without_first_version(retired + NEXT))
    run = check(repo)
    assert "CHARTER-C022" not in run.out and "LC-003" not in run.out, run.out


STAGED = """\
      "2.0.0":
        stage: staging
        artifact: {path: models/credit-2.0.0.skops, sha256: "%s"}
        training_data: [loans@2024-06]
        evaluation: {dataset: loans@2024-06, target: defaulted, metrics: {roc_auc: 0.8}}
        validation: {by: vera, date: 2026-11-01, outcome: approved}
""" % ("b" * 64)


@pytest.mark.parametrize("split", [False, True])
def test_a_released_version_cannot_change_after_a_move_back_to_development(
        repo: GitRepo, split: bool) -> None:
    """Staging may move back to development, and LC-002 judges by the base's stage: moved
    back in one pull request, the version's artifact was swapped in the next and it went
    up again with its old validation. The base's history says it was released."""
    def write(text: str) -> None:
        write_layout(repo, text, split)

    write(BASIC_INVENTORY + STAGED)
    repo.write("policies/rules.yaml", BASIC_POLICIES)
    repo.commit("initial inventory")
    demoted = BASIC_INVENTORY + STAGED.replace("stage: staging", "stage: development")
    write(demoted)
    assert check(repo).code == 0
    repo.commit("back to development")
    repo.git("checkout", "-q", "-b", "swap")
    write(demoted.replace("b" * 64, "c" * 64))
    for run in both(repo):
        assert run.code == 1, run.out
        assert ("CHARTER-C023 %s  credit@2.0.0 was released (in staging until commit "
                % ("models/credit.yaml:31:3" if split else "models.yaml:31:7")) in run.out
        assert "its move back to development: artifact changed; add a new version" in run.out
    write(demoted.replace("roc_auc: 0.8}}\n        validation", "roc_auc: 0.8}}\n"
                          "        description: retrained next\n        validation"))
    assert check(repo).code == 0  # what LC-002 does not keep may change


def test_a_development_version_never_released_may_change(repo: GitRepo) -> None:
    text = BASIC_INVENTORY + STAGED.replace("stage: staging", "stage: development")
    repo.write("models.yaml", text)
    repo.write("policies/rules.yaml", BASIC_POLICIES)
    repo.commit("initial inventory")
    repo.git("checkout", "-q", "-b", "swap")
    repo.write("models.yaml", text.replace("b" * 64, "c" * 64))
    run = check(repo)
    assert run.code == 0 and "CHARTER-C023" not in run.out, run.out


def test_a_staged_version_cannot_be_deleted(repo: GitRepo) -> None:
    """Deleted, a released version's id is free for a version with another artifact."""
    repo.write("models.yaml", BASIC_INVENTORY + STAGED)
    repo.write("policies/rules.yaml", BASIC_POLICIES)
    repo.commit("initial inventory")
    repo.write("models.yaml", BASIC_INVENTORY)
    for run in both(repo):
        assert run.code == 1, run.out
        assert ("CHARTER-C024 models.yaml:12:3  credit@2.0.0 was deleted although it was "
                "released (in staging on the base); released versions are retired and "
                "kept") in run.out, run.out


@pytest.mark.parametrize("split", [False, True])
def test_a_released_version_cannot_be_deleted_and_added_again_after_a_move_back(
        repo: GitRepo, split: bool) -> None:
    """Moved back to development (passes), deleted (a version in development may be), then
    added again with another artifact and the old validation: nothing in the base would
    show it had been released. The deletion is refused."""
    def write(text: str) -> None:
        write_layout(repo, text, split)

    write(BASIC_INVENTORY + STAGED)
    repo.write("policies/rules.yaml", BASIC_POLICIES)
    repo.commit("initial inventory")
    write(BASIC_INVENTORY + STAGED.replace("stage: staging", "stage: development"))
    assert check(repo).code == 0
    repo.commit("back to development")
    repo.git("checkout", "-q", "-b", "delete")
    write(BASIC_INVENTORY)
    for run in both(repo):
        assert run.code == 1, run.out
        assert ("credit@2.0.0 was deleted although it was released (in staging until "
                "commit ") in run.out and "CHARTER-C024" in run.out, run.out
    run = check(repo, "--base", "main", "--head", repo.commit("delete credit 2.0.0"))
    assert run.code == 1 and "CHARTER-C024" in run.out, run.out


def test_a_development_version_never_released_may_be_deleted(repo: GitRepo) -> None:
    repo.write("models.yaml", BASIC_INVENTORY + STAGED.replace("stage: staging",
                                                               "stage: development"))
    repo.write("policies/rules.yaml", BASIC_POLICIES)
    repo.commit("initial inventory")
    repo.write("models.yaml", BASIC_INVENTORY)  # an abandoned prototype
    run = check(repo)
    assert run.code == 0 and "CHARTER-C024" not in run.out, run.out
