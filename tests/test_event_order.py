"""Dates tell the order of events: created ≤ validated ≤ deployed ≤ retired, nothing after
today. A record that contradicts itself is a blocking finding that names both dates."""

from __future__ import annotations

import pytest

from conftest import BASIC_INVENTORY, TODAY, GitRepo
from scenarios import check

NEW_VERSION = """\
      "1.1.0":
        stage: development
        training_data: [loans@2024-06]
        evaluation: {dataset: loans@2024-06, target: defaulted, metrics: {roc_auc: 0.84}}
"""
DEPLOYMENT = "          - {target: scoring-api, since: 2026-06-02, traffic: 100}\n"


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def edit(repo: GitRepo, old: str, new: str) -> str:
    text = (repo.root / "models.yaml").read_text()
    assert old in text
    text = text.replace(old, new, 1)
    repo.write("models.yaml", text)
    return text


@pytest.mark.parametrize(("old", "new", "rule", "at", "message"), [
    pytest.param(  # a deployment added, not re-dated: re-dating one is CHARTER-C020 as well
        DEPLOYMENT, DEPLOYMENT + "          - {target: shadow, since: 2026-05-15}\n", "LC-011",
        "validation: {by: vera",
        "credit@1.0.0: deployed on 2026-05-15, before its validation on 2026-06-01",
        id="deployed-before-validated"),
    pytest.param(
        "        validation: {by: vera", "        created: 2026-06-10\n"
        "        validation: {by: vera", "LC-010", "validation: {by: vera",
        "credit@1.0.0: validated on 2026-06-01, before it was created on 2026-06-10",
        id="validated-before-created"),
    pytest.param(
        "since: 2026-06-02, traffic: 100}", "since: 2026-06-02, until: 2026-06-01, traffic: 100}",
        "LC-013", '"1.0.0":',
        "credit@1.0.0: a deployment ends before it starts: scoring-api from 2026-06-02 "
        "until 2026-06-01", id="deployment-ends-before-it-starts"),
    pytest.param(
        "stage: production", "stage: retired\n        retired: {date: 2026-05-01, reason: x}",
        "LC-014", "retired: {date",
        "credit@1.0.0: retired on 2026-05-01, before its deployment or creation on 2026-06-02",
        id="retired-before-deployed"),
    pytest.param(
        DEPLOYMENT, DEPLOYMENT + "          - {target: batch, since: 2026-12-24}\n", "LC-015",
        '"1.0.0":', f"credit@1.0.0: max(deployments[].since) is 2026-12-24, after today "
        f"({TODAY})", id="deployed-in-the-future"),
    pytest.param(
        "    purpose: Price loans by default risk\n",
        "    purpose: Price loans by default risk\n    last_review: 2027-01-04\n", "LC-016",
        "last_review:", f"credit: last_review is 2027-01-04, after today ({TODAY})",
        id="reviewed-in-the-future"),
    pytest.param(
        # A new dataset version: re-dating the released one is LC-005's finding as well.
        'created: 2024-06-30}}\n', 'created: 2024-06-30},\n'
        '      "2026-10": {path: data/loans-2026-10.csv, created: 2027-02-01}}\n', "LC-017",
        '"2026-10": {path', f"loans@2026-10: created is 2027-02-01, after today ({TODAY})",
        id="dataset-created-in-the-future"),
])
def test_dates_out_of_order_block_the_pull_request(governed: GitRepo, old: str, new: str,
                                                  rule: str, at: str, message: str) -> None:
    text = edit(governed, old, new)
    run = check(governed)
    assert run.code == 1, run.out + run.err
    assert f"{rule}       models.yaml:{line_of(text, at)}:" in run.out, run.out
    assert message in run.out
    assert "FAIL: 1 blocking" in run.out, run.out


@pytest.mark.parametrize(("lines", "message"), [
    pytest.param("        validation: {by: vera, date: 2026-12-01, outcome: approved}\n",
                 f"credit@1.1.0: validation.date is 2026-12-01, after today ({TODAY})",
                 id="validated-in-the-future"),
    pytest.param("        approvals: [{by: vera, date: 2027-01-01}]\n",
                 f"credit@1.1.0: max(approvals[].date) is 2027-01-01, after today ({TODAY})",
                 id="approved-in-the-future"),
    pytest.param("        created: 2026-11-28\n",
                 f"credit@1.1.0: created is 2026-11-28, after today ({TODAY})",
                 id="created-in-the-future"),
])
def test_a_new_version_cannot_record_what_has_not_happened(governed: GitRepo, lines: str,
                                                           message: str) -> None:
    governed.write("models.yaml", BASIC_INVENTORY + NEW_VERSION + lines)
    run = check(governed)
    assert run.code == 1, run.out + run.err
    assert "LC-015" in run.out and message in run.out, run.out


def test_an_unvalidated_deployment_cannot_predate_the_version(governed: GitRepo) -> None:
    governed.write("models.yaml", BASIC_INVENTORY + NEW_VERSION + """\
        created: 2026-11-01
        deployments: [{target: shadow, since: 2026-10-01}]
""")
    run = check(governed)
    assert run.code == 1, run.out + run.err
    assert ("LC-012" in run.out and "credit@1.1.0: deployed on 2026-10-01, before it was "
            "created on 2026-11-01" in run.out), run.out


def test_retired_versions_keep_their_history_in_order(repo: GitRepo) -> None:
    retired = """\
      "0.9.0":
        stage: retired
        training_data: [loans@2024-06]
        evaluation: {dataset: loans@2024-06, target: defaulted, metrics: {roc_auc: 0.79}}
        validation: {by: vera, date: 2025-03-01, outcome: approved}
        deployments: [{target: scoring-api, since: 2025-02-01, until: 2026-06-02}]
        retired: {date: 2026-06-02, reason: replaced by 1.0.0}
"""
    repo.write("models.yaml", BASIC_INVENTORY + retired)
    repo.commit("inventory with a retired version")
    run = repo.charter("check", "--all", "--today", TODAY, "--evidence", "none")
    assert run.code == 1, run.out + run.err
    assert ("credit@0.9.0: deployed on 2025-02-01, before its validation on 2025-03-01"
            in run.out), run.out


def test_dates_in_order_pass_including_events_on_the_same_day(repo: GitRepo) -> None:
    inventory = BASIC_INVENTORY.replace(
        "    purpose: Price loans by default risk\n",
        "    purpose: Price loans by default risk\n    last_review: 2026-11-27\n").replace(
        "        validation: {by: vera",
        "        created: 2026-05-20\n        approvals: [{by: vera, date: 2026-06-01}]\n"
        "        validation: {by: vera")
    repo.write("models.yaml", inventory + """\
      "0.9.0":
        stage: retired
        created: 2025-01-10
        training_data: [loans@2024-06]
        evaluation: {dataset: loans@2024-06, target: defaulted, metrics: {roc_auc: 0.79}}
        validation: {by: vera, date: 2025-01-10, outcome: approved}
        deployments: [{target: scoring-api, since: 2025-01-10, until: 2026-06-02}]
        retired: {date: 2026-06-02, reason: replaced by 1.0.0}
""")
    repo.commit("inventory")
    run = repo.charter("check", "--all", "--today", TODAY, "--evidence", "none")
    assert run.code == 0, run.out + run.err
