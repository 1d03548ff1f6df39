"""Evidence inside `charter check`: for the versions in scope, read from the head revision.

Trust (trusted types and pickles, URI schemes, metric tolerance) comes from the base
revision, so a pull request cannot trust its own pickle. Without a base revision no pickle is
trusted and the head's other settings apply. Importing this module is cheap: pandas and
scikit-learn load only when a version actually has something to measure.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from charter.extras import require

if TYPE_CHECKING:
    from charter.inventory.snapshot import Snapshot


def evidence_for_check(root: Path, mode: str, use_cache: bool, head: Snapshot,
                       base: Snapshot | None, scope: set[tuple[str, str]] | None,
                       notes: list[str]) -> dict[str, dict[str, Any]]:
    """`mode`: "all" measures every version, else those in `scope` and those whose files
    changed (`scope` None: every version)."""
    from charter.evidence.api import run_evidence, version_ids

    everything = version_ids(head.inventory)
    if mode == "all" or scope is None:
        wanted = everything
    else:
        touched = _versions_reading_changed_files(head, base)
        wanted = [v for v in everything if ("version", v) in scope or v in touched]
    if not wanted:
        return {}
    require("evidence", "evidence cannot be computed",
            "pass --evidence none to check without evidence")
    base_inventory = base.inventory if base is not None and base.present else None
    if base_inventory is None:
        notes.append("evidence: no base revision, so no pickle is trusted and the head's "
                     "settings apply")
    run = run_evidence(root, head.inventory, wanted, base_inventory,
                       trust=base_inventory if base_inventory is not None else head.inventory,
                       use_cache=use_cache, head_commit=head.revision.commit,
                       base_commit=base.revision.commit if base is not None else None,
                       trust_pickles=base_inventory is not None)
    notes.append(run.summary())
    return run.evidence


def _versions_reading_changed_files(head: Snapshot,
                                    base: Snapshot | None) -> set[str]:
    """Versions whose artifact or data files changed although models.yaml did not say so."""
    from charter.evidence.files import declared_location
    from charter.inventory.entities import dataset_record, dataset_refs, iter_entities
    from charter.vcs.links import Links, repository_path

    if base is None or base.revision.commit is None:
        return set()
    changed = head.revision.changed_since(base.revision.commit)
    if not changed:
        return set()
    links = Links(head.revision.root, head.revision.commit)
    touched = set()
    for entity in iter_entities(head.inventory):
        if entity.kind != "version":
            continue
        records = [entity.record.get("artifact")]
        records += [dataset_record(head.inventory, ref) for ref, _ in dataset_refs(entity.record)
                    if isinstance(ref, str)]
        locations = [declared_location(r) for r in records if isinstance(r, Mapping)]
        paths = [repository_path(loc, head.revision.root) for loc in locations if loc]
        # `./data/x.csv`, `data//x.csv`, `file://data/x.csv` and a link to a changed file all
        # read changed bytes
        if any(path is not None and links.touched(path, changed) for path in paths):
            touched.add(entity.id)
    return touched
