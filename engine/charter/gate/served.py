"""A retired version deleted after it served production, found in git history.

`LC-003` judges a deleted version by its record on the base: in production, or with a
deployment, it may not be deleted. But the way to end a version is to retire it, and the
record of a retired version does not say where it was retired from: one pull request moves a
production version to `retired` (as LC-001 asks), the next deletes it, and LC-003 passes.
The base's history does know. For each version the change deletes whose base record is
retired and lists no deployment (LC-003 judges the others), the commits of the base that
touched a line naming `production` in its model's files are read, newest first, until one
shows the version in production: CHARTER-C022.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from charter.findings import Finding
from charter.inventory.diff import Change
from charter.inventory.entities import find_entity, split_ref
from charter.policy.deployments import SERVED_RULE, SERVED_RULE_ID
from charter.source.yamlsource import SourceMap
from charter.vcs import git
from charter.vcs.revisions import INVENTORY_FILE


def deleted_after_service(root: Path, base_commit: str | None, change: Change,
                          base: Mapping[str, Any], head_source: SourceMap) -> list[Finding]:
    """CHARTER-C022 for each version the change deletes that the base's history shows in
    production although its base record is retired without deployments."""
    if base_commit is None:
        return []
    findings = []
    for (kind, entity_id), entry in sorted(change.entities.items()):
        if kind != "version" or entry.status != "removed":
            continue
        found = find_entity(base, kind, entity_id)
        if found is None or found.record.get("stage") != "retired" or found.record.get(
                "deployments"):
            continue  # LC-003 judges the base record itself
        commit = _in_production_at(root, base_commit, *split_ref(entity_id))
        if commit is not None:
            findings.append(_finding(entity_id, commit, head_source))
    return findings


def _in_production_at(root: Path, base_commit: str, model: str, version: str) -> str | None:
    """Where the base's history last shows the version in production ("until commit X":
    the commit that took it out), newest first."""
    files = [INVENTORY_FILE, f"models/{model}.yaml"]
    log = git.run_git(root, ["log", "--format=%H", "-G", "production", base_commit, "--",
                             *files]).stdout.decode().split()
    for commit in log:
        for revision, said in ((commit, "at"), (f"{commit}^", "until")):
            if any(_stage(record, version) == "production"
                   for record in _model_records(root, revision, model, files)):
                return f"{said} commit {commit[:10]}"
    return None


def _model_records(root: Path, revision: str, model: str,
                   files: list[str]) -> Iterator[Mapping[str, Any]]:
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    for path in files:
        shown = git.run_git(root, ["show", f"{revision}:{path}"], check=False)
        if shown.returncode != 0:
            continue
        try:
            data = yaml.load(shown.stdout, Loader=loader)
        except yaml.YAMLError:
            continue  # a revision that did not parse judged nothing
        if path == INVENTORY_FILE:
            data = _mapping(_mapping(data).get("models")).get(model)
        yield _mapping(data)


def _stage(model: Mapping[str, Any], version: str) -> Any:
    versions = _mapping(model.get("versions"))
    found = versions.get(version, next((v for k, v in versions.items() if str(k) == version),
                                       None))  # YAML 1.1 reads an unquoted 1.10 as a number
    return _mapping(found).get("stage")


def _finding(entity_id: str, when: str, source: SourceMap) -> Finding:
    severity, title, remediation = SERVED_RULE
    model = split_ref(entity_id)[0]
    path = ("models", model)
    mark = source.locate(path)
    return Finding(rule=SERVED_RULE_ID, severity=severity, entity=entity_id,
                   entity_kind="version",
                   message=f"{entity_id} was deleted although it served production (in "
                           f"production {when}); retired versions are kept",
                   file=source.file_of(path), line=mark.line, column=mark.column, title=title,
                   model=model, field="stage", remediation=remediation)


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}
