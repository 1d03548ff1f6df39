"""Rules on the change as a whole are judged by the scoped check whatever the change touched,
as the full check judges them: a pull request that edits only policies/ is a change too."""

from __future__ import annotations

from conftest import GitRepo
from test_gate_soundness import INVENTORY, POLICIES, both
from test_gate_soundness import check as check_at

FREEZE = """\
charter: 1
rules:
  FREEZE-001:
    title: Rules are frozen during the audit
    severity: error
    applies_to: change
    require: {field: change.policies_changed, equals: false}
"""


def test_a_change_rule_judges_a_pull_request_that_only_edits_policies(repo: GitRepo) -> None:
    repo.write("models.yaml", INVENTORY)
    repo.write("policies/rules.yaml", POLICIES)
    repo.write("policies/freeze.yaml", FREEZE)
    repo.commit("rules frozen")
    repo.write("policies/rules.yaml", POLICIES.replace("gte: 0.75", "gte: 0.5"))
    scoped, full = both(repo)
    for run in (scoped, full):
        assert run.code == 1, run.out
        assert ("FREEZE-001   models.yaml:1:1  change: Rules are frozen during the audit: "
                "change.policies_changed is true") in run.out


def test_a_change_rule_passes_when_it_holds(repo: GitRepo) -> None:
    repo.write("models.yaml", INVENTORY)
    repo.write("policies/rules.yaml", POLICIES)
    repo.write("policies/freeze.yaml", FREEZE)
    repo.commit("rules frozen")
    repo.write("README.md", "notes\n")
    scoped, full = both(repo)
    assert (scoped.code, full.code) == (0, 0), scoped.out + full.out


def test_a_policy_file_renamed_so_it_is_skipped_is_refused(repo: GitRepo) -> None:
    repo.write("models.yaml", INVENTORY)
    repo.write("policies/rules.yaml", POLICIES)
    repo.commit("rules")
    repo.git("mv", "policies/rules.yaml", "policies/rules.YAML")
    repo.commit("rename")
    repo.git("checkout", "-q", "-b", "feature")
    for args in ((), ("--base", "main~1", "--head", "feature")):
        run = check_at(repo, *args)
        assert run.code == 2, run.out + run.err
        assert ("policies/rules.YAML: a YAML file in policies/ that Charter would not read as "
                "rules") in run.err
