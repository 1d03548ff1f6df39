"""Files the inventory pins by sha256 that a change rewrites, checked without the evidence
engine.

With `--evidence auto` such a file brings the versions that read it into evidence, where
EV-005 (data) and the artifact checks compare it with its declared hash. What evidence does
not hash (every file with `--evidence none`; a pinned dataset no measured version reads, such
as a raw export only named in lineage) must still not be rewritten behind `models.yaml`'s
back: each such pinned file the change touches is hashed here (hashlib only, no data-science
library), and CHARTER-I001 blocks when it no longer matches. A pinned path that is, or lies
under, a symbolic link is touched when the link or the file it leads to changed; one inside a
submodule, when the submodule's commit moved.
"""

from __future__ import annotations

import hashlib
import posixpath
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from charter.findings import Finding
from charter.inventory.entities import dataset_refs, datasets, find_entity, models
from charter.inventory.snapshot import Snapshot
from charter.layout import ENTITY_FOLDERS, ENTITY_SUFFIX, LEDGER_FOLDER, ROOT_FILE
from charter.policy.evaluate import ENGINE_RULES
from charter.source.yamlsource import KeyPath
from charter.vcs import git
from charter.vcs.links import Links, reads_changed
from charter.vcs.revisions import POLICY_DIR, Revision

RULE_ID = "CHARTER-I001"


@dataclass(frozen=True)
class Pinned:
    subject: str  # the version (an artifact) or the dataset version
    kind: str  # version | dataset
    model: str | None
    path: str  # the file, relative to the repository root
    sha256: str
    where: KeyPath  # the `sha256` key in the inventory


def rewritten_files(head: Snapshot, base: Snapshot | None,
                    measured: Collection[str] = ()) -> list[Finding]:
    """CHARTER-I001 for every pinned file the change rewrote, deleted or replaced so that it
    no longer matches its declared sha256. Files that evidence hashed for the `measured`
    versions (their artifacts and the data they name) are left to evidence's own findings."""
    if base is None or not base.present or base.revision.commit is None:
        return []
    changed = {path for path in head.revision.changed_since(base.revision.commit)
               if not _inventory_file(path)}
    if not changed:  # the usual pull request: no file but the inventory's own changed
        return []
    title, remediation = ENGINE_RULES[RULE_ID][1:]
    links = Links(head.revision.root, head.revision.commit)
    hashed = _hashed_by_evidence(head.inventory, measured)
    findings = []
    for pin in _pinned(head.inventory):
        if pin.subject in hashed:
            continue
        followed = links.follow(pin.path)
        if followed.final is not None and not reads_changed(followed, changed):
            continue
        if followed.final is None:
            found = ("it leaves the repository (through a symbolic link?), so its bytes "
                     "cannot be checked")
        elif _is_folder(head.revision, followed.final):
            found = "it is a folder, whose files one sha256 cannot pin"
        else:
            data = _read(head.revision, followed.final)
            actual = None if data is None else hashlib.sha256(data).hexdigest()
            if actual == pin.sha256.lower():
                continue
            found = "the file is gone" if actual is None else f"its sha256 is now {actual}"
        mark = head.source.locate(pin.where)
        message = (f"{pin.subject}: {pin.path} changed since the base and no longer matches "
                   f"its record: {found}, not the declared {pin.sha256}")
        findings.append(Finding(
            rule=RULE_ID, severity="error", entity=pin.subject, entity_kind=pin.kind,
            message=message,
            file=head.source.file_of(pin.where), line=mark.line, column=mark.column,
            title=title, model=pin.model, field="sha256",
            requirement=f"{pin.path} has the sha256 its record declares", found=found,
            remediation=remediation))
    return findings


def _hashed_by_evidence(inventory: Mapping[str, Any], measured: Collection[str]) -> set[str]:
    """The versions evidence measured and the dataset versions it read for them."""
    hashed = set()
    for version_id in measured:
        entity = find_entity(inventory, "version", version_id)
        if entity is not None:
            hashed.add(version_id)
            hashed.update(ref for ref, _ in dataset_refs(entity.record) if isinstance(ref, str))
    return hashed


def _is_folder(revision: Revision, path: str) -> bool:
    if revision.commit is None:
        return (revision.root / path).is_dir()
    entry = git.tree_entry(revision.root, revision.commit, path)
    return entry is not None and entry.kind == "tree"


def _read(revision: Revision, path: str) -> bytes | None:
    """The file's bytes at the revision (`path` holds no link); None when there is none."""
    if revision.commit is None:
        return revision.read(path)
    entry = git.tree_entry(revision.root, revision.commit, path)
    return None if entry is None or entry.kind != "blob" else git.read_blob(revision.root,
                                                                             entry.blob)


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
