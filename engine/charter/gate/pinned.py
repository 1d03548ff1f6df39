"""Files the inventory pins by sha256 that a change rewrites, checked without the evidence
engine.

With `--evidence auto` such a file brings the versions that read it into evidence, where
EV-005 (data) and the artifact checks compare it with its declared hash. What evidence does
not hash (every file with `--evidence none`; a pinned dataset no measured version reads, such
as a raw export only named in lineage) must still not be rewritten behind `models.yaml`'s
back: each such pinned file the change touches is hashed here (hashlib only, no data-science
library), and CHARTER-I001 blocks when it no longer matches. A pinned path that is, or lies
under, a symbolic link is touched when the link or the file it leads to changed; one inside a
submodule, when the submodule's commit moved. In the working tree, a pinned file git does not
track is touched by every change (no diff names it), and a pinned file that .gitattributes
converts on checkout is refused: the bytes read there are not the bytes committed.
"""

from __future__ import annotations

import hashlib
import posixpath
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from charter.findings import Finding
from charter.inventory.entities import dataset_refs, datasets, find_entity, models
from charter.inventory.snapshot import Snapshot
from charter.layout import ENTITY_FOLDERS, ENTITY_SUFFIX, ROOT_FILE
from charter.policy.evaluate import ENGINE_RULES
from charter.source.yamlsource import KeyPath
from charter.vcs import git
from charter.vcs.links import Links, reads_changed, repository_path
from charter.vcs.revisions import Revision

RULE_ID = "CHARTER-I001"
ATTRIBUTES_FILE = ".gitattributes"


@dataclass(frozen=True)
class Pinned:
    subject: str  # the version (an artifact) or the dataset version
    kind: str  # version | dataset
    model: str | None
    path: str  # the file, relative to the repository root, as declared
    location: str  # the declared path or `file://` URI
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
    attributes_moved = any(posixpath.basename(path) == ATTRIBUTES_FILE for path in changed)
    pins = [(pin, links.follow(pin.path))
            for pin in _pinned(head.inventory, head.revision.root)]
    outside_git = _untracked(head.revision, [followed.final for _, followed in pins])
    checked: list[tuple[Pinned, str | None, bool]] = []
    for pin, followed in pins:
        touched = (followed.final is None or followed.final in outside_git
                   or reads_changed(followed, changed))
        if touched or attributes_moved:
            checked.append((pin, followed.final, touched))
    converted = _converted(head.revision, [final for _, final, _ in checked])
    findings = []
    for pin, final, touched in checked:
        found = converted.get(final) if final is not None else None
        if found is None and touched and pin.subject not in hashed:
            found = _mismatch(head.revision, pin, final)
        if found is None:
            continue
        mark = head.source.locate(pin.where)
        message = (f"{pin.subject}: {pin.location} changed since the base and no longer matches "
                   f"its record: {found}, not the declared {pin.sha256}")
        findings.append(Finding(
            rule=RULE_ID, severity="error", entity=pin.subject, entity_kind=pin.kind,
            message=message,
            file=head.source.file_of(pin.where), line=mark.line, column=mark.column,
            title=title, model=pin.model, field="sha256",
            requirement=f"{pin.location} has the sha256 its record declares", found=found,
            remediation=remediation))
    return findings


def _mismatch(revision: Revision, pin: Pinned, final: str | None) -> str | None:
    """What is wrong with the pinned file's bytes, or None when they match its record."""
    if final is None:
        return "it leaves the repository (through a symbolic link?), so its bytes cannot be checked"
    if _is_folder(revision, final):
        return "it is a folder, whose files one sha256 cannot pin"
    data = _read(revision, final)
    actual = None if data is None else hashlib.sha256(data).hexdigest()
    if actual == pin.sha256.lower():
        return None
    return "the file is gone" if actual is None else f"its sha256 is now {actual}"


def _untracked(revision: Revision, finals: Sequence[str | None]) -> set[str]:
    """Work-tree files among `finals` that git does not track (data fetched before the gate
    runs, and ignored): no diff names them, so they count as touched by every change."""
    if revision.commit is not None:
        return set()
    files = sorted({f for f in finals if f and (revision.root / f).is_file()})
    return git.untracked(revision.root, files)


def _converted(revision: Revision, finals: Sequence[str | None]) -> dict[str, str]:
    """The work-tree files among `finals` that .gitattributes converts on checkout, with why:
    their bytes here are not the bytes committed, so a sha256 that matches one does not vouch
    for the other (a commit is judged by its blobs, which are what is committed)."""
    if revision.commit is not None:
        return {}
    files = sorted({f for f in finals if f is not None and (revision.root / f).is_file()
                    and not (revision.root / f).is_symlink()})
    return {path: (f"a checkout converts it (.gitattributes: {why}), so the bytes read are "
                   "not the bytes committed")
            for path, why in git.checkout_conversions(revision.root, files).items()}


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
    if path == "":  # the repository's root (`data/..`)
        return True
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
    """models.yaml or an entity file: judged as the inventory, never read as a pinned file.
    A policy folder or the ledger may hold a pinned file like any other folder (a lookup
    table beside the rules), so their changes count."""
    folder, _, name = path.partition("/")
    if path == ROOT_FILE:
        return True
    return folder in ENTITY_FOLDERS.values() and "/" not in name and name.endswith(
        ENTITY_SUFFIX)


def _pinned(inventory: Mapping[str, Any], root: Path) -> Iterator[Pinned]:
    for name, model in models(inventory).items():
        versions = model.get("versions") if isinstance(model, Mapping) else None
        for version, record in (versions or {}).items() if isinstance(versions, Mapping) else ():
            artifact = record.get("artifact") if isinstance(record, Mapping) else None
            pin = _pin(artifact, f"{name}@{version}", "version", name,
                       ("models", name, "versions", version, "artifact"), root)
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
            pin = _pin({**shared, **own}, f"{name}@{version}", "dataset", None, where, root)
            if pin is not None:
                yield pin


def _pin(record: Any, subject: str, kind: str, model: str | None,
         where: KeyPath, root: Path) -> Pinned | None:
    """The pin of a record whose file is in the repository: named by its path, or by a
    `file://` URI that leads into it (read as the file it is); other storage is out of
    reach of a pull request's diff."""
    if not isinstance(record, Mapping):
        return None
    location = next((record[k] for k in ("path", "uri")
                     if isinstance(record.get(k), str) and record[k]), None)
    sha256 = record.get("sha256")
    if location is None or not isinstance(sha256, str):
        return None
    path = repository_path(location, root)
    if path is None:
        return None
    return Pinned(subject, kind, model, path, location, sha256, (*where, "sha256"))
