"""A record given a new name is judged as what it was: renaming or copying a dataset version
or a model's artifact under another id does not shed the risk classification it had."""

from __future__ import annotations

from conftest import GitRepo
from test_gate_soundness import INVENTORY, POLICIES, both, check, governed_repo

SHA = "c" * 64
WITH_ARTIFACT = INVENTORY.replace(
    "        stage: development\n",
    "        stage: development\n"
    f'        artifact: {{path: models/credit.skops, sha256: "{SHA}"}}\n')
SCORECARD = """\
  scorecard:
    title: Scorecard
    owner: risk-analytics
    risk_tier: low
    task: classification
    intended_use: Marketing
    versions:
      "0.1.0":
        stage: development
        evaluation: {dataset: applications@2024-06, target: defaulted, metrics: {roc_auc: 0.6}}
"""
PII = "    contains_pii: true\n    pii_columns: [customer_id]\n"


def renamed_dataset(text: str, header: str) -> str:
    old = "  applications:\n    owner: data-eng\n" + PII
    assert old in text
    return text.replace(old, header).replace("applications@2024-06", "apps@2024-06")


def test_renaming_a_dataset_does_not_clear_its_pii(repo: GitRepo) -> None:
    governed_repo(repo)
    repo.write("models.yaml", renamed_dataset(INVENTORY, "  apps:\n    owner: data-eng\n"
                                                        "    contains_pii: false\n"))
    scoped, full = both(repo)
    for run in (scoped, full):
        assert run.code == 1, run.out
        assert ("models.yaml:9:5  apps@2024-06: holds the same data as applications@2024-06 "
                "on the base, so contains_pii lowered from True to False; pii_columns lost "
                "customer_id without an approval") in run.out


def test_a_copy_of_pii_data_under_a_new_name_keeps_the_pii_rules(repo: GitRepo) -> None:
    sha = "b" * 64
    text = INVENTORY.replace("{path: data/applications.csv,",
                             f'{{path: data/applications.csv, sha256: "{sha}",')
    repo.write("models.yaml", text)
    repo.write("policies/rules.yaml", POLICIES)
    repo.commit("initial inventory")
    copy = ("  anonymised:\n    owner: data-eng\n    contains_pii: false\n    versions:\n"
            f'      "1": {{path: data/anon.csv, sha256: "{sha}"}}\n')
    head = text.replace("models:\n", copy + "models:\n", 1).replace(
        "training_data: [applications@2024-06]", "training_data: [anonymised@1]")
    repo.write("models.yaml", head)
    run = check(repo)
    assert run.code == 1, run.out
    assert ("anonymised@1: holds the same data as applications@2024-06 on the base, so "
            "contains_pii lowered from True to False") in run.out
    # the copy is judged as the personal data it is
    assert ("DATA-001     models.yaml:18:7  anonymised@1: Datasets with personal data name "
            "their source system") in run.out


def test_an_independent_approval_lets_a_renamed_dataset_drop_pii(repo: GitRepo) -> None:
    governed_repo(repo)
    repo.write("models.yaml", renamed_dataset(INVENTORY, "  apps:\n    owner: data-eng\n"
                                                        "    contains_pii: false\n"
                                                        "    approvals:\n"
                                                        "      - {by: vera, date: 2026-11-20}\n"))
    run = check(repo)
    assert run.code == 0, run.out
    assert "CHARTER-C001" not in run.out


def test_a_plain_rename_needs_no_approval(repo: GitRepo) -> None:
    governed_repo(repo)
    repo.write("models.yaml", renamed_dataset(INVENTORY, "  apps:\n    owner: data-eng\n" + PII))
    run = check(repo)
    assert run.code == 0, run.out


def test_data_at_a_path_another_dataset_keeps_is_not_a_copy(repo: GitRepo) -> None:
    """Without hashes, a path is a name for data only while the record that held it goes:
    a file at one path is rewritten over time."""
    governed_repo(repo)
    other = ("  sample:\n    owner: data-eng\n    contains_pii: false\n    versions:\n"
             '      "1": {path: data/applications.csv}\n')
    repo.write("models.yaml", INVENTORY.replace("models:\n", other + "models:\n", 1))
    run = check(repo)
    assert run.code == 0, run.out


def test_renaming_a_retired_model_keeps_its_risk_tier(repo: GitRepo) -> None:
    retired = WITH_ARTIFACT.replace("        stage: development\n", "        stage: retired\n")
    repo.write("models.yaml", retired)
    repo.write("policies/rules.yaml", POLICIES)
    repo.commit("a retired model")
    renamed = retired.replace("  credit:\n", "  credit-lite:\n").replace(
        "risk_tier: high", "risk_tier: low").replace("stage: retired", "stage: development")
    repo.write("models.yaml", renamed)
    scoped, full = both(repo)
    for run in (scoped, full):
        assert run.code == 1, run.out
        assert ("credit-lite: holds the same artifacts as credit on the base, so risk_tier "
                "lowered from high to low without an approval") in run.out
        # the high-risk rule still judges the version, at the tier it had
        assert "PERF-001     models.yaml:27:82  credit-lite@1.0.0" in run.out


def test_moving_a_version_to_a_lower_risk_model_keeps_its_risk_tier(repo: GitRepo) -> None:
    base = WITH_ARTIFACT + SCORECARD
    repo.write("models.yaml", base)
    repo.write("policies/rules.yaml", POLICIES)
    repo.commit("two models")
    without = base.replace('      "1.0.0":\n        stage: development\n        artifact: ',
                           '      "0.9.0":\n        stage: development\n        artifact: ')
    without = without.replace(f'sha256: "{SHA}"', f'sha256: "{"d" * 64}"')
    moved = without + (f'      "1.0.0":\n        stage: development\n'
                       f'        artifact: {{path: models/credit.skops, sha256: "{SHA}"}}\n'
                       "        evaluation: {dataset: applications@2024-06, target: defaulted,"
                       " metrics: {roc_auc: 0.7}}\n")
    repo.write("models.yaml", moved)
    run = check(repo)
    assert run.code == 1, run.out
    assert ("scorecard@1.0.0: holds the same artifact as credit@1.0.0 on the base, so "
            "risk_tier lowered from high to low; regulation lost eu-ai-act-high-risk") in run.out
    assert "PERF-001     models.yaml:41:82  scorecard@1.0.0" in run.out


def test_data_registered_again_earlier_is_judged_where_it_already_was(repo: GitRepo) -> None:
    """A dataset version's rules read every other version with its bytes (LC-033): adding a
    back-dated copy makes the one already there fail, so the scoped check judges it too."""
    sha = "b" * 64
    text = INVENTORY.replace("{path: data/applications.csv,", "{path: data/applications.csv, "
                             f'sha256: "{sha}", created: 2024-06-30,')
    repo.write("models.yaml", text)
    repo.write("policies/rules.yaml", POLICIES)
    repo.commit("initial inventory")
    copy = ("  archive:\n    owner: data-eng\n    contains_pii: true\n    pii_columns: [id]\n"
            "    source_system: core-banking\n    versions:\n"
            f'      "2024-01": {{path: data/old.csv, sha256: "{sha}", created: 2024-01-01}}\n')
    repo.write("models.yaml", text.replace("models:\n", copy + "models:\n", 1))
    scoped, full = both(repo)
    for run in (scoped, full):
        assert run.code == 1, run.out
        assert ("LC-033       models.yaml:13:124  applications@2024-06: created is 2024-06-30, "
                "but the same data (same sha256) was recorded earlier") in run.out


def test_a_released_version_renamed_keeps_its_monitoring(repo: GitRepo) -> None:
    staged = WITH_ARTIFACT.replace("        stage: development\n", "        stage: staging\n"
                                   "        monitoring: {every_days: 30}\n").replace(
        "    intended_use: Loan pricing\n", "    intended_use: Loan pricing\n"
        "    limitations: Not for small-business loans\n")
    repo.write("models.yaml", staged)
    repo.write("policies/rules.yaml", POLICIES)
    repo.commit("a version in staging")
    renamed = staged.replace('      "1.0.0":\n', '      "1.0.1":\n').replace(
        "every_days: 30", "every_days: 3650")
    repo.write("models.yaml", renamed)
    run = check(repo)
    assert run.code == 1, run.out
    assert ("CHARTER-C002 models.yaml:26:9  credit@1.0.1: ships the artifact of credit@1.0.0, "
            "which it replaces, so monitoring.every_days relaxed from 30 to 3650 without an "
            "approval") in run.out


def test_a_model_file_that_is_a_link_is_judged_through_it(repo: GitRepo) -> None:
    """A model's own file may be a link inside the repository: an edit behind the link is
    judged, and who wrote a version is read from the file it leads to."""
    import os

    from scenarios import split_inventory, write_files

    files = split_inventory(INVENTORY, models=["credit"], datasets=[])
    record = files.pop("models/credit.yaml")
    write_files(repo, {**files, "store/credit.yaml": record})
    (repo.root / "models").mkdir()
    os.symlink("../store/credit.yaml", repo.root / "models" / "credit.yaml")
    repo.write("policies/rules.yaml", POLICIES)
    repo.commit("a model file kept elsewhere")
    repo.write("store/credit.yaml", record.replace("risk_tier: high", "risk_tier: low"))
    scoped, full = both(repo)
    for run in (scoped, full):
        assert run.code == 1, run.out + run.err
        assert "CHARTER-C001 models/credit.yaml:3:1  credit: risk_tier lowered" in run.out
