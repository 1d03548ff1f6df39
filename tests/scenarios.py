"""Repositories whose changes produce every kind of finding, for the reporter tests."""

from __future__ import annotations

import datetime as dt
from typing import Any

from charter.findings import Finding
from charter.result import CheckResult, RevisionInfo
from conftest import TODAY, GitRepo, Run

EXTRA_POLICIES = """\
charter: 1
rules:
  DOC-001:
    title: Models state their intended use
    severity: warning
    applies_to: model
    require: {field: intended_use, exists: true}
    remediation: Describe what the model may and may not be used for.
    tags: [documentation]
  DOC-002:
    title: Versions name their algorithm
    severity: info
    applies_to: version
    require: {field: algorithm, exists: true}
    help_uri: https://example.com/rules/doc-002
waivers:
  - id: W-7
    rule: PERF-001
    target: credit@0.9.0
    justification: "Prototype only, never deployed; 100% accepted by model risk, see MR-12."
    approved_by: vera
    expires: 2027-03-31
"""

NEW_VERSIONS = """\
      "0.9.0":
        stage: development
        training_data: [loans@2024-06]
        evaluation: {dataset: loans@2024-06, target: defaulted, metrics: {roc_auc: 0.61}}
      "1.1.0":
        stage: development
        algorithm: LogisticRegression
        training_data: [loans@2024-06]
        evaluation: {dataset: loans@2024-06, target: defaulted, metrics: {roc_auc: 0.70}}
"""


def mixed_change(repo: GitRepo) -> None:
    """On top of `governed`: one blocking, one warning, one note and one waived finding."""
    add_policies(repo)
    change_models(repo)


def add_policies(repo: GitRepo) -> None:
    repo.write("policies/extra.yaml", EXTRA_POLICIES)
    repo.commit("documentation rules and a waiver")


def change_models(repo: GitRepo) -> None:
    text = (repo.root / "models.yaml").read_text()
    repo.write("models.yaml", text.replace("title: Credit default\n",
                                           "title: Credit default risk\n") + NEW_VERSIONS)


def check(repo: GitRepo, *args: str, env: dict[str, str] | None = None) -> Run:
    # The scenarios' artifacts are not real files: evidence would rightly report them missing.
    return repo.charter("check", "--today", TODAY, "--evidence", "none", *args, env=env)


def result_of(findings: list[Finding], **fields: Any) -> CheckResult:
    """A CheckResult built directly, for reporter tests that need many or odd findings."""
    values: dict[str, Any] = dict(
        rules={}, head=RevisionInfo("working tree", None),
        base=RevisionInfo("merge base with main (0123456789)", "0123456789" * 4),
        policies_from="base", policy_digest="d" * 64, today=dt.date(2026, 11, 27),
        scope="changed", entities_evaluated=len(findings))
    values.update(fields)
    return CheckResult(findings=tuple(findings), **values)


def finding(rule: str = "PERF-001", severity: str = "error", entity: str = "credit@1.1.0",
            message: str = "credit@1.1.0: roc_auc 0.7 is below 0.75", line: int = 30,
            **fields: Any) -> Finding:
    values: dict[str, Any] = dict(entity_kind="version", file="models.yaml", column=9,
                                  model=entity.split("@")[0], title="AUC floor")
    values.update(fields)
    return Finding(rule=rule, severity=severity, entity=entity, message=message, line=line,
                   **values)


def split_inventory(text: str, models: list[str] | None = None,
                    datasets: list[str] | None = None) -> dict[str, str]:
    """A single-file inventory written as a split one: path -> text.

    The named models and datasets (all when None) move to their own files; the rest stay in
    models.yaml."""
    import yaml

    data = yaml.safe_load(text)
    files: dict[str, str] = {}
    for section, names in (("models", models), ("datasets", datasets)):
        inline = data.get(section) or {}
        for name in list(inline if names is None else names):
            files[f"{section}/{name}.yaml"] = yaml.safe_dump(inline.pop(name), sort_keys=False)
        if not inline:
            data.pop(section, None)
    files["models.yaml"] = yaml.safe_dump(data, sort_keys=False)
    return files


def write_files(repo: GitRepo, files: dict[str, str]) -> None:
    for path, text in files.items():
        target = repo.root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
