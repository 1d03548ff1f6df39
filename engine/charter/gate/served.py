"""What a version's base record forgets and the base's git history remembers.

`LC-003` judges a deleted version by its record on the base: in production, or with a
deployment, it may not be deleted. But the way to end a version is to retire it, and the
record of a retired version does not say where it was retired from: one pull request moves a
production version to `retired` (as LC-001 asks), the next deletes it, and LC-003 passes.
The base's history does know. For each version the change deletes whose base record is
retired and lists no deployment (LC-003 judges the others), the commits of the base that
touched a line naming `production` in its model's files are read, newest first, until one
shows the version in production: CHARTER-C022.

A version that only reached staging is a record too (LC-002 keeps what it is), and LC-003
lets it be deleted: deleted, its id is free, and a later pull request adds it again in
development with another artifact and the old validation, with nothing in the base to show it
was ever released. A deleted version whose base record is in staging, or in development or
retired with the history showing it in staging, is CHARTER-C024.

Likewise `LC-002` keeps a version that reached staging from changing in place, judged by the
base's stage; but staging may move back to development, and a version in development may
change. A version the change alters in what LC-002 keeps, whose base record is in
development, is looked up the same way: once in staging or production, it is CHARTER-C023.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from charter.findings import Finding
from charter.inventory.diff import Change
from charter.inventory.entities import find_entity, split_ref
from charter.policy.deployments import (
    DELETED_RULE,
    DELETED_RULE_ID,
    DEMOTED_RULE,
    DEMOTED_RULE_ID,
    SERVED_RULE,
    SERVED_RULE_ID,
)
from charter.source.yamlsource import SourceMap
from charter.vcs import git
from charter.vcs.revisions import INVENTORY_FILE


def deleted_after_service(root: Path, base_commit: str | None, change: Change,
                          base: Mapping[str, Any], head_source: SourceMap) -> list[Finding]:
    """CHARTER-C022 for each version the change deletes that the base's history shows in
    production although its base record is retired or in development without deployments,
    CHARTER-C024 for one it shows in staging (or the base's record does); CHARTER-C023 for
    each version the change alters in place (what LC-002 keeps) that the base's history
    shows released although its base record is back in development."""
    if base_commit is None:
        return []
    wanted: list[tuple[str, str, tuple[str, ...], str]] = []  # kind, version, stages, fields
    on_base: list[Finding] = []  # told by the base's record alone
    for (kind, entity_id), entry in sorted(change.entities.items()):
        if kind != "version" or entry.status not in ("removed", "modified"):
            continue
        found = find_entity(base, kind, entity_id)
        if found is None:
            continue
        stage = found.record.get("stage")
        deployed = bool(found.record.get("deployments"))
        if entry.status == "removed" and stage == "staging" and not deployed:
            on_base.append(_finding(DELETED, entity_id, "staging on the base", head_source))
        elif entry.status == "removed" and stage in ("retired", "development") and not deployed:
            wanted.append((SERVED, entity_id, RELEASED, ""))  # LC-003 judges the others
        elif entry.status == "modified" and stage == "development" and any(
                p.split(".", 1)[0] in IMMUTABLE for p in entry.paths):
            wanted.append((DEMOTED, entity_id, RELEASED, _fields(entry.paths)))
    if not wanted:
        return on_base
    files = sorted({INVENTORY_FILE} | {f"models/{split_ref(v)[0]}.yaml" for _, v, _, _ in wanted})
    # one log and one reader for every look-up: newest first, the commits of the base that
    # touched a line naming a release stage in these files
    log = git.run_git(root, ["log", "--format=%H", "-G", "|".join(RELEASED), base_commit,
                             "--", *files]).stdout.decode().split()
    findings = on_base
    with git.BlobReader(root) as reader:
        history = _History(reader)
        for kind, entity_id, stages, fields in wanted:
            when = history.last_at(log, *split_ref(entity_id), stages)
            if when is not None and kind == SERVED and not when.startswith("production"):
                kind = DELETED  # released, but never served
            if when is not None:
                findings.append(_finding(kind, entity_id, when, head_source, fields))
    return sorted(findings, key=Finding.sort_key)


# What LC-002 keeps of a released version, and the stages that release it.
IMMUTABLE = frozenset({"artifact", "algorithm", "parameters", "requirements", "training_data",
                       "evaluation", "features"})
RELEASED = ("staging", "production")
SERVED, DEMOTED, DELETED = "served", "demoted", "deleted"


def _fields(paths: tuple[str, ...]) -> str:
    return ", ".join(sorted({p.split(".", 1)[0] for p in paths} & IMMUTABLE))


class _History:
    """The model records of the base's past revisions, each file read and parsed once."""

    def __init__(self, reader: git.BlobReader) -> None:
        self._reader = reader
        self._parsed: dict[str, Any] = {}

    def last_at(self, log: list[str], model: str, version: str,
                stages: tuple[str, ...]) -> str | None:
        """Where the history last shows the version at one of `stages` ("until commit X":
        the commit that moved it on); None: never."""
        for commit in log:
            present = False
            for revision, said in ((commit, "at"), (f"{commit}^", "until")):
                for record in self._records(revision, model):
                    stage = _stage(record, version)
                    if stage in stages:
                        return f"{stage} {said} commit {commit[:10]}"
                    present = present or stage is not None
            if not present:
                return None  # older than the version: a long history is not read to its start
        return None

    def _records(self, revision: str, model: str) -> Iterator[Mapping[str, Any]]:
        for path in (INVENTORY_FILE, f"models/{model}.yaml"):
            data = self._parse(f"{revision}:{path}")
            if path == INVENTORY_FILE:
                data = _mapping(_mapping(data).get("models")).get(model)
            yield _mapping(data)

    def _parse(self, name: str) -> Any:
        if name not in self._parsed:
            import yaml

            raw = self._reader.read(name)
            try:
                loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
                self._parsed[name] = None if raw is None else yaml.load(raw, Loader=loader)
            except yaml.YAMLError:
                self._parsed[name] = None  # a revision that did not parse judged nothing
        return self._parsed[name]


def _stage(model: Mapping[str, Any], version: str) -> Any:
    versions = _mapping(model.get("versions"))
    found = versions.get(version, next((v for k, v in versions.items() if str(k) == version),
                                       None))  # YAML 1.1 reads an unquoted 1.10 as a number
    return _mapping(found).get("stage")


def _finding(kind: str, entity_id: str, when: str, source: SourceMap,
             fields: str = "") -> Finding:
    rule_id, (severity, title, remediation) = {
        SERVED: (SERVED_RULE_ID, SERVED_RULE), DEMOTED: (DEMOTED_RULE_ID, DEMOTED_RULE),
        DELETED: (DELETED_RULE_ID, DELETED_RULE)}[kind]
    if kind == SERVED:
        message = (f"{entity_id} was deleted although it served production (in {when}); "
                   "retired versions are kept")
    elif kind == DELETED:
        message = (f"{entity_id} was deleted although it was released (in {when}); released "
                   "versions are retired and kept")
    else:
        message = (f"{entity_id} was released (in {when}) and must not change in place after "
                   f"its move back to development: {fields} changed; add a new version")
    model = split_ref(entity_id)[0]
    path = ("models", model, "versions", split_ref(entity_id)[1]) if kind == DEMOTED else (
        "models", model)
    mark = source.locate(path)
    return Finding(rule=rule_id, severity=severity, entity=entity_id, entity_kind="version",
                   message=message, file=source.file_of(path), line=mark.line,
                   column=mark.column, title=title, model=model, field="stage",
                   remediation=remediation)


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}
