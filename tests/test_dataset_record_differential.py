"""A pull request that edits a dataset's record (its PII facts, lineage, owner, columns,
version label, approvals) is judged for everything the edit can newly break: every blocking
finding `check --all` reports on the head and not on the base is in the pull request's check.

The rules read the dataset facts through the versions that name the data (directly or as a
lineage parent), as a bank's local rules would.
"""

from __future__ import annotations

import re

import pytest

from conftest import TODAY, GitRepo, Run

INVENTORY = """\
charter: 1
teams:
  data-eng: {members: [dora]}
  risk-analytics: {members: [dana, ravi]}
  model-risk: {members: [vera, victor], validates: true}
datasets:
  raw-export:
    owner: data-eng
    contains_pii: true
    pii_columns: [ssn]
    source_system: core-banking
    versions:
      "2024-06": {path: data/raw.csv, created: 2024-06-30, columns: [ssn, income, defaulted]}
  features:
    owner: risk-analytics
    contains_pii: false
    versions:
      "2024-06":
        path: data/features.csv
        created: 2024-07-01
        columns: [income, defaulted]
        derived_from: [raw-export@2024-06]
      "2024-09": {path: data/features-09.csv, created: 2024-09-30, columns: [income, defaulted],
                  derived_from: [raw-export@2024-06]}
models:
  credit:
    title: Credit default
    owner: risk-analytics
    risk_tier: high
    purpose: Price loans by default risk
    regulation: [eu-ai-act-high-risk]
    versions:
      "1.0.0":
        stage: production
        training_data: [features@2024-06]
        evaluation: {dataset: features@2024-06, target: defaulted, metrics: {roc_auc: 0.8}}
        validation: {by: vera, date: 2024-07-10, outcome: approved}
      "1.1.0":
        stage: development
        training_data: [features@2024-09]
        evaluation: {dataset: features@2024-09, target: defaulted, metrics: {roc_auc: 0.8}}
"""

POLICIES = """\
charter: 1
rules:
  DATA-001:
    title: High-risk models train on data without personal data
    severity: error
    applies_to: version
    match: {model.risk_tier: high}
    require: {field: "training_datasets[?contains_pii].id", count: {equals: 0}}
  DATA-002:
    title: Training data states its provenance
    severity: error
    applies_to: version
    require: {field: "training_datasets[?!derived_from && !source_system].id", count: {equals: 0}}
  DATA-003:
    title: Training data holds no identifier column
    severity: error
    applies_to: version
    require: {field: "training_datasets[?contains(columns || `[]`, 'ssn')].id",
              count: {equals: 0}}
  DATA-004:
    title: Datasets name a source or a parent
    severity: error
    applies_to: dataset
    require:
      any:
        - {field: source_system, exists: true}
        - {field: derived_from, exists: true}
  DATA-005:
    title: The evaluation data is owned by the model's team
    severity: error
    applies_to: version
    require: {field: evaluation_dataset.owner, equals: {field: model.owner}}
"""

# (name, old text, new text): each a pull request of its own from the same base
EDITS = [
    ("raise pii on the training data", "owner: risk-analytics\n    contains_pii: false",
     "owner: risk-analytics\n    contains_pii: true"),
    ("clear pii upstream", "owner: data-eng\n    contains_pii: true",
     "owner: data-eng\n    contains_pii: false"),
    ("drop the lineage of released data",
     "        columns: [income, defaulted]\n        derived_from: [raw-export@2024-06]\n",
     "        columns: [income, defaulted]\n"),
    ("drop the source of the upstream", "    source_system: core-banking\n", ""),
    ("an identifier column joins the training data",
     "        columns: [income, defaulted]\n        derived_from",
     "        columns: [ssn, income, defaulted]\n        derived_from"),
    ("the training data changes owner", "  features:\n    owner: risk-analytics",
     "  features:\n    owner: data-eng"),
    ("the training data's owner is misspelt", "  features:\n    owner: risk-analytics",
     "  features:\n    owner: risk-analytic"),
    ("a dataset version is relabelled", '      "2024-06":\n        path: data/features.csv',
     '      "2024-07":\n        path: data/features.csv'),
    ("the lineage names a missing parent", "derived_from: [raw-export@2024-06]\n      \"2024-09\"",
     "derived_from: [raw-export@2023-01]\n      \"2024-09\""),
    ("the dataset's versions become a list", '    versions:\n      "2024-06": {path: data/raw.csv',
     '    versions:\n      - {path: data/raw.csv'),
    ("a shared path at the dataset level", "  features:\n    owner: risk-analytics",
     "  features:\n    path: data/other.csv\n    owner: risk-analytics"),
    ("an approval on the dataset", "  features:\n    owner: risk-analytics",
     "  features:\n    approvals: [{by: dana, date: 2026-11-01}]\n    owner: risk-analytics"),
]

_FINDING = re.compile(r"^\s+(error)\s+(\S+)\s+\S+\s+(.*)$")


def blocking(run: Run) -> set[tuple[str, str]]:
    """(rule, message) of each blocking finding in the text output."""
    found = set()
    for line in run.out.splitlines():
        match = _FINDING.match(line)
        if match:
            found.add((match.group(2), match.group(3)))
    return found


def charter_check(repo: GitRepo, *args: str) -> Run:
    return repo.charter("check", "--today", TODAY, "--evidence", "none", *args)


@pytest.fixture(scope="module")
def base_findings(tmp_path_factory: pytest.TempPathFactory) -> set[tuple[str, str]]:
    repo = _base_repo(GitRepo(tmp_path_factory.mktemp("base")))
    run = charter_check(repo, "--all")
    assert run.code in (0, 1), run.out + run.err
    return blocking(run)


def _base_repo(repo: GitRepo) -> GitRepo:
    repo.git("init", "-q", "-b", "main")
    repo.git("config", "user.name", "Test")
    repo.git("config", "user.email", "test@example.com")
    repo.write("models.yaml", INVENTORY)
    repo.write("policies/rules.yaml", POLICIES)
    repo.commit("base")
    repo.git("checkout", "-q", "-b", "feature")
    return repo


@pytest.mark.parametrize(("name", "old", "new"), EDITS, ids=[e[0] for e in EDITS])
def test_the_pull_request_reports_what_the_full_check_newly_finds(
        repo: GitRepo, base_findings: set[tuple[str, str]], name: str, old: str,
        new: str) -> None:
    _base_repo(repo)
    text = (repo.root / "models.yaml").read_text()
    assert old in text, name
    repo.write("models.yaml", text.replace(old, new, 1))
    repo.commit(name)
    full = charter_check(repo, "--all")
    scoped = charter_check(repo, "--base", "main")
    assert full.code in (0, 1, 2) and scoped.code in (0, 1, 2)
    if full.code == 2:  # invalid at the head: the scoped check must refuse it too
        assert scoped.code == 2, scoped.out + scoped.err
        return
    missing = blocking(full) - base_findings - blocking(scoped)
    assert not missing, f"{name}: the pull request's check misses {sorted(missing)}\n" + (
        scoped.out)
    assert scoped.code >= full.code or not (blocking(full) - base_findings), scoped.out
