"""Files the inventory pins by sha256 that a change rewrites, checked without the evidence
engine.

With `--evidence auto` such a file brings the versions that read it into evidence, where
EV-005 (data) and the artifact checks compare it with its declared hash. `--evidence none`
measures nothing, but a registered dataset or artifact rewritten in place behind
`models.yaml`'s back must still not pass: each pinned file the change touches is hashed here
(hashlib only, no data-science library), and CHARTER-I001 blocks when it no longer matches.
"""

from __future__ import annotations

import hashlib
import posixpath
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from charter.findings import Finding
from charter.inventory.entities import datasets, models
from charter.inventory.snapshot import Snapshot
from charter.layout import ENTITY_FOLDERS, ENTITY_SUFFIX, LEDGER_FOLDER, ROOT_FILE
from charter.policy.evaluate import ENGINE_RULES
from charter.source.yamlsource import KeyPath
from charter.vcs.revisions import POLICY_DIR

RULE_ID = "CHARTER-I001"


@dataclass(frozen=True)
class Pinned:
    subject: str  # the version (an artifact) or the dataset version
    kind: str  # version | dataset
    model: str | None
    path: str  # the file, relative to the repository root
    sha256: str
    where: KeyPath  # the `sha256` key in the inventory


def rewritten_files(head: Snapshot, base: Snapshot | None) -> list[Finding]:
    """CHARTER-I001 for every pinned file the change rewrote, deleted or replaced so that it
    no longer matches its declared sha256."""
    if base is None or not base.present or base.revision.commit is None:
        return []
    changed = {path for path in head.revision.changed_since(base.revision.commit)
               if not _inventory_file(path)}
    if not changed:  # the usual pull request: no file but the inventory's own changed
        return []
    title, remediation = ENGINE_RULES[RULE_ID][1:]
    findings = []
    for pin in _pinned(head.inventory):
        if pin.path not in changed:
            continue
        data = head.revision.read(pin.path)
        actual = None if data is None else hashlib.sha256(data).hexdigest()
        if actual == pin.sha256.lower():
            continue
        found = "the file is gone" if actual is None else f"its sha256 is now {actual}"
        mark = head.source.locate(pin.where)
        findings.append(Finding(
            rule=RULE_ID, severity="error", entity=pin.subject, entity_kind=pin.kind,
            message=f"{pin.subject}: {pin.path} changed since the base and no longer "
                    f"matches its record: {found}, not the declared {pin.sha256}",
            file=head.source.file_of(pin.where), line=mark.line, column=mark.column,
            title=title, model=pin.model, field="sha256",
            requirement=f"{pin.path} has the sha256 its record declares", found=found,
            remediation=remediation))
    return findings


def _inventory_file(path: str) -> bool:
    """models.yaml, an entity file, a policy or a ledger record: never a pinned file, and
    judged on their own (the ledger's files are append-only)."""
    folder, _, name = path.partition("/")
    if path == ROOT_FILE or folder in (POLICY_DIR, LEDGER_FOLDER):
        return True
    return folder in ENTITY_FOLDERS.values() and "/" not in name and name.endswith(
        ENTITY_SUFFIX)


def _pinned(inventory: Mapping[str, Any]) -> Iterator[Pinned]:
    for name, model in models(inventory).items():
        versions = model.get("versions") if isinstance(model, Mapping) else None
        for version, record in (versions or {}).items() if isinstance(versions, Mapping) else ():
            artifact = record.get("artifact") if isinstance(record, Mapping) else None
            pin = _pin(artifact, f"{name}@{version}", "version", name,
                       ("models", name, "versions", version, "artifact"))
            if pin is not None:
                yield pin
    for name, dataset in datasets(inventory).items():
        if not isinstance(dataset, Mapping):
            continue
        versions = dataset.get("versions")
        for version, record in versions.items() if isinstance(versions, Mapping) else ():
            own = record if isinstance(record, Mapping) else {}
            shared = {k: v for k, v in dataset.items() if k != "versions"}
            where: KeyPath = ("datasets", name, "versions", version) if "sha256" in own else (
                "datasets", name)
            pin = _pin({**shared, **own}, f"{name}@{version}", "dataset", None, where)
            if pin is not None:
                yield pin


def _pin(record: Any, subject: str, kind: str, model: str | None,
         where: KeyPath) -> Pinned | None:
    if not isinstance(record, Mapping):
        return None
    path, sha256 = record.get("path"), record.get("sha256")
    if not isinstance(path, str) or not isinstance(sha256, str) or "://" in path:
        return None
    return Pinned(subject, kind, model, posixpath.normpath(path), sha256, (*where, "sha256"))
