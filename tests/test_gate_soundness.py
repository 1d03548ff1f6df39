"""The scoped PR check judges at least what a full check newly flags, and no edit of the
fields a rule is scoped on lets a pull request slip out of that rule."""

from __future__ import annotations

from conftest import TODAY, GitRepo, Run

INVENTORY = """\
charter: 1
teams:
  risk-analytics: {members: [dana, ravi]}
  data-eng: {members: [kim]}
  model-risk: {members: [vera, victor], validates: true}
datasets:
  applications:
    owner: data-eng
    contains_pii: true
    pii_columns: [customer_id]
    source_system: core-banking
    versions:
      "2024-06": {path: data/applications.csv, columns: [customer_id, income, defaulted]}
models:
  credit:
    title: Credit default
    owner: risk-analytics
    risk_tier: high
    task: classification
    regulation: [eu-ai-act-high-risk]
    intended_use: Loan pricing
    versions:
      "1.0.0":
        stage: development
        training_data: [applications@2024-06]
        evaluation: {dataset: applications@2024-06, target: defaulted, metrics: {roc_auc: 0.7}}
"""

POLICIES = """\
charter: 1
rules:
  DATA-001:
    title: Datasets with personal data name their source system
    severity: error
    applies_to: dataset
    match: {contains_pii: true}
    require: {field: source_system, exists: true}
  DATA-002:
    title: Models trained on personal data are high risk
    severity: error
    applies_to: version
    match: {field: "training_datasets[?contains_pii]", count: {gte: 1}}
    require: {field: model.risk_tier, equals: high}
  PERF-001:
    title: High-risk models reach an AUC of 0.75
    severity: error
    applies_to: version
    match: {model.risk_tier: high}
    require: {field: evaluation.metrics.roc_auc, gte: 0.75}
  REG-001:
    title: Models under the EU AI Act document their limitations
    severity: error
    applies_to: model
    match: {field: "contains(regulation, 'eu-ai-act-high-risk')", equals: true}
    require: {field: limitations, exists: true}
  TASK-001:
    title: Classifiers report an AUC
    severity: error
    applies_to: version
    match: {model.task: classification}
    require: {field: evaluation.metrics.roc_auc, exists: true}
  STAGE-001:
    title: Models with a version in staging or production state their intended use and owner
    severity: error
    applies_to: model
    match:
      field: "values(versions)[?stage == 'staging' || stage == 'production']"
      count: {gte: 1}
    require: {field: limitations, exists: true}
waivers:
  - id: W-1
    rule: PERF-001
    target: credit@1.0.0
    justification: Development baseline, never deployed; accepted by model risk in MR-7.
    approved_by: vera
    expires: 2027-06-30
  - id: W-2
    rule: REG-001
    target: credit
    justification: Limitations are being written with legal, due in Q1 (MR-8).
    approved_by: vera
    expires: 2027-06-30
"""


def governed_repo(repo: GitRepo) -> GitRepo:
    repo.write("models.yaml", INVENTORY)
    repo.write("policies/rules.yaml", POLICIES)
    repo.commit("initial inventory")
    return repo


def check(repo: GitRepo, *args: str) -> Run:
    return repo.charter("check", "--today", TODAY, "--evidence", "none", *args)


def edit(repo: GitRepo, old: str, new: str) -> None:
    text = (repo.root / "models.yaml").read_text()
    assert old in text, old
    repo.write("models.yaml", text.replace(old, new, 1))


def both(repo: GitRepo) -> tuple[Run, Run]:
    return check(repo), check(repo, "--all")


def test_the_starting_point_passes(repo: GitRepo) -> None:
    governed_repo(repo)
    scoped, full = both(repo)
    assert (scoped.code, full.code) == (0, 0), scoped.out + full.out


# 1. Changes that no version record carries widen the scope.

def test_deleting_a_dataset_level_field_is_judged(repo: GitRepo) -> None:
    governed_repo(repo)
    edit(repo, "    source_system: core-banking\n", "")
    scoped, full = both(repo)
    assert full.code == 1 and "DATA-001" in full.out
    assert scoped.code == 1, scoped.out
    assert "DATA-001" in scoped.out and "applications@2024-06" in scoped.out


def test_a_misspelt_dataset_owner_is_invalid_in_the_scoped_check(repo: GitRepo) -> None:
    governed_repo(repo)
    edit(repo, "    owner: data-eng\n", "    ownr: data-eng\n")
    run = check(repo)
    assert run.code == 2, run.out + run.err
    assert "ownr" in run.err and "models.yaml:" in run.err
    assert "did you mean 'owner'" in run.err


def test_removing_a_team_that_owns_a_dataset_is_judged(repo: GitRepo) -> None:
    governed_repo(repo)
    edit(repo, "  data-eng: {members: [kim]}\n", "")
    run = check(repo)
    assert run.code == 2, run.out + run.err
    assert "owner 'data-eng' is not a declared team" in run.err


def test_a_settings_change_judges_every_entity(repo: GitRepo) -> None:
    governed_repo(repo)
    edit(repo, "charter: 1\n", "charter: 1\nsettings: {metric_tolerance: 0.01}\n")
    run = check(repo)
    assert run.code == 0, run.out + run.err
    assert "every entity is judged: settings changed" in run.out


def test_a_version_change_judges_its_model(repo: GitRepo) -> None:
    """A model's rules read its versions: promoting one puts the model in scope."""
    governed_repo(repo)
    edit(repo, "        stage: development\n", "        stage: staging\n")
    scoped, full = both(repo)
    assert full.code == 1 and "STAGE-001" in full.out
    assert scoped.code == 1 and "STAGE-001" in scoped.out, scoped.out


def test_a_record_that_loses_its_versions_is_invalid(repo: GitRepo) -> None:
    governed_repo(repo)
    text = (repo.root / "models.yaml").read_text()
    start = text.index("    versions:\n      \"1.0.0\"")
    repo.write("models.yaml", text[:start] + "    versions: 5\n")
    run = check(repo)
    assert run.code == 2, run.out + run.err
    assert "versions" in run.err


# 2. Fields that classify risk are judged at the stricter of base and head.

def test_lowering_the_risk_tier_keeps_high_risk_rules_and_needs_an_approval(
        repo: GitRepo) -> None:
    governed_repo(repo)
    edit(repo, "    risk_tier: high\n", "    risk_tier: low\n")
    run = check(repo)
    assert run.code == 1, run.out
    assert "CHARTER-C001" in run.out
    assert "risk_tier lowered from high to low without an approval" in run.out
    assert "DATA-002" in run.out  # judged at the head's tier too: PII data needs high risk
    assert "waived" in run.out.lower()  # PERF-001 still applies (and is still waived)


def test_an_independent_approval_lets_the_tier_be_lowered(repo: GitRepo) -> None:
    governed_repo(repo)
    edit(repo, "    risk_tier: high\n", "    risk_tier: medium\n"
         "    approvals:\n      - {by: victor, date: 2026-11-20}\n")
    run = check(repo)
    assert "CHARTER-C001" not in run.out, run.out


def test_an_approval_by_the_owning_team_or_a_non_validator_does_not_count(
        repo: GitRepo) -> None:
    governed_repo(repo)
    edit(repo, "  model-risk: {members: [vera, victor], validates: true}\n",
         "  model-risk: {members: [vera, victor, dana], validates: true}\n")
    repo.commit("dana joins model risk")
    edit(repo, "    risk_tier: high\n", "    risk_tier: medium\n"
         "    approvals:\n      - {by: dana, date: 2026-11-20}\n      - {by: kim, date: "
         "2026-11-20}\n      - {by: victor, date: 2027-01-01}\n")
    run = check(repo)
    assert run.code == 1 and "CHARTER-C001" in run.out, run.out


def test_an_approval_already_on_the_base_does_not_cover_a_new_lowering(repo: GitRepo) -> None:
    governed_repo(repo)
    edit(repo, "    task: classification\n",
         "    task: classification\n    approvals:\n      - {by: victor, date: 2026-01-05}\n")
    repo.commit("an old approval")
    edit(repo, "    risk_tier: high\n", "    risk_tier: low\n")
    run = check(repo)
    assert run.code == 1 and "CHARTER-C001" in run.out, run.out


def test_clearing_pii_keeps_pii_rules_and_needs_an_approval(repo: GitRepo) -> None:
    governed_repo(repo)
    edit(repo, "    contains_pii: true\n    pii_columns: [customer_id]\n    source_system: "
         "core-banking\n", "    contains_pii: false\n")
    run = check(repo)
    assert run.code == 1, run.out
    assert "DATA-001" in run.out  # still judged as personal data in this pull request
    assert "CHARTER-C001" in run.out
    assert "contains_pii lowered from True to False" in run.out
    assert "pii_columns lost customer_id" in run.out


def test_dropping_a_regulatory_tag_keeps_its_rules(repo: GitRepo) -> None:
    governed_repo(repo)
    edit(repo, "    regulation: [eu-ai-act-high-risk]\n", "    regulation: []\n")
    run = check(repo)
    assert run.code == 1, run.out
    assert "regulation lost eu-ai-act-high-risk" in run.out
    assert "REG-001" in run.out and "W-2" in run.out  # still applies, still waived


def test_changing_the_task_keeps_the_rules_of_both_tasks(repo: GitRepo) -> None:
    governed_repo(repo)
    edit(repo, "    task: classification\n", "    task: regression\n")
    edit(repo, "metrics: {roc_auc: 0.7}", "metrics: {rmse: 0.3}")
    run = check(repo)
    assert run.code == 1, run.out
    assert "TASK-001" in run.out and "CHARTER-C001" in run.out


def test_raising_a_classification_needs_no_approval(repo: GitRepo) -> None:
    governed_repo(repo)
    edit(repo, "    regulation: [eu-ai-act-high-risk]\n",
         "    regulation: [eu-ai-act-high-risk, sr-11-7]\n")
    run = check(repo)
    assert "CHARTER-C001" not in run.out, run.out
    assert run.code == 0, run.out


def test_a_setting_names_more_classification_fields(repo: GitRepo) -> None:
    governed_repo(repo)
    edit(repo, "charter: 1\n", "charter: 1\nsettings:\n  classification: {model: [x-critical]}\n")
    edit(repo, "    task: classification\n", "    task: classification\n    x-critical: true\n")
    repo.commit("critical flag")
    edit(repo, "    x-critical: true\n", "    x-critical: false\n")
    run = check(repo)
    assert run.code == 1 and "x-critical lowered from True to False" in run.out, run.out


def test_retiring_a_version_does_not_drag_production_rules_along(repo: GitRepo) -> None:
    """Stage is not a classification: the lifecycle transition rules govern it."""
    governed_repo(repo)
    edit(repo, "        stage: development\n", "        stage: retired\n")
    run = check(repo)
    assert "CHARTER-C001" not in run.out, run.out


# 3. Dataset versions read by released model versions are records.

def test_overwriting_a_released_dataset_version_is_blocked(repo: GitRepo) -> None:
    governed_repo(repo)
    edit(repo, "path: data/applications.csv,", f"path: data/applications.csv, sha256: {'a' * 64},")
    edit(repo, "        stage: development\n", "        stage: staging\n"
         "        validation: {by: vera, date: 2026-10-01, outcome: approved}\n")
    edit(repo, "    intended_use: Loan pricing\n",
         "    intended_use: Loan pricing\n    limitations: EU consumer loans only\n")
    repo.commit("release 1.0.0 to staging")
    edit(repo, f"sha256: {'a' * 64}", f"sha256: {'b' * 64}")
    scoped, full = both(repo)
    assert scoped.code == 1, scoped.out
    assert "LC-005" in scoped.out and "credit@1.0.0" in scoped.out
    assert "sha256 changed from" in scoped.out
    assert "LC-005" in full.out


def test_a_dataset_version_read_by_a_retired_version_keeps_its_columns(repo: GitRepo) -> None:
    governed_repo(repo)
    edit(repo, "        stage: development\n", "        stage: retired\n")
    repo.commit("retire 1.0.0")
    edit(repo, "columns: [customer_id, income, defaulted]", "columns: [customer_id, defaulted]")
    run = check(repo)
    assert run.code == 1 and "LC-005" in run.out, run.out


def test_released_datasets_are_found_however_many_are_judged(repo: GitRepo) -> None:
    """Past a few datasets the readers are indexed in one pass: the same answer either way."""
    names = [f"d{i:02}" for i in range(12)]
    datasets = "".join(
        f"  {n}:\n    owner: data-eng\n    contains_pii: false\n    versions:\n"
        f"      \"1\": {{path: data/{n}.csv, sha256: {'a' * 64}}}\n" for n in names)
    versions = "".join(
        f"      \"1.{i}.0\":\n        stage: retired\n        training_data: [{n}@1]\n"
        for i, n in enumerate(names))
    repo.write("models.yaml", f"""\
charter: 1
teams:
  data-eng: {{members: [kim, lee]}}
  model-risk: {{members: [vera], validates: true}}
datasets:
{datasets}models:
  m:
    title: M
    owner: data-eng
    risk_tier: low
    versions:
{versions}""")
    repo.write("policies/rules.yaml", "charter: 1\nrules: {}\n")
    repo.commit("twelve released datasets")
    text = (repo.root / "models.yaml").read_text()
    repo.write("models.yaml", text.replace(f"data/d11.csv, sha256: {'a' * 64}",
                                           f"data/d11.csv, sha256: {'b' * 64}"))
    scoped, full = both(repo)
    for run in (scoped, full):
        assert run.code == 1 and "LC-005" in run.out and "d11@1" in run.out, run.out
    assert full.out.count("LC-005") == 1


def test_a_record_written_as_null_is_invalid_in_the_scoped_check(repo: GitRepo) -> None:
    """A version written as `null` is no entity, but its dataset or model still is judged."""
    governed_repo(repo)
    edit(repo, '"2024-06": {path: data/applications.csv, columns: [customer_id, income, '
         'defaulted]}', '"2024-06": {path: data/applications.csv, columns: [customer_id, '
         'income, defaulted]}\n      "2024-07": null')
    run = check(repo)
    assert run.code == 2 and "versions['2024-07']: None is not of type 'object'" in run.err, (
        run.out + run.err)
    text = (repo.root / "models.yaml").read_text().replace(
        '\n      "2024-07": null', "")
    repo.write("models.yaml", text + '      "1.1.0": null\n')
    run = check(repo)
    assert run.code == 2 and "versions['1.1.0']: None is not of type 'object'" in run.err, (
        run.out + run.err)


def test_a_dataset_written_as_null_is_invalid_in_the_full_check_too(repo: GitRepo) -> None:
    governed_repo(repo)
    edit(repo, "datasets:\n", "datasets:\n  stale: null\n")
    for run in (check(repo, "--all"), check(repo), repo.charter("validate")):
        assert run.code == 2 and "$.datasets.stale: None is not of type 'object'" in run.err, (
            run.out + run.err)
