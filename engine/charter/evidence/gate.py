"""Evidence inside `charter check`: for the versions in scope, read from the head revision.

Trust (trusted types and pickles, URI schemes, metric tolerance) comes from the base
revision, so a pull request cannot trust its own pickle. Without a base revision no pickle is
trusted and the head's other settings apply. Importing this module is cheap: pandas and
scikit-learn load only when a version actually has something to measure.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from charter.commands.check import CheckOptions
    from charter.snapshot import Snapshot


def evidence_for_check(options: CheckOptions, head: Snapshot, base: Snapshot | None,
                       scope: set[tuple[str, str]] | None,
                       notes: list[str]) -> dict[str, dict[str, Any]]:
    from charter.evidence.api import run_evidence, version_ids

    everything = version_ids(head.inventory)
    if options.evidence == "all" or scope is None:
        wanted = everything
    else:
        wanted = [v for v in everything if ("version", v) in scope]
    if not wanted:
        return {}
    base_inventory = base.inventory if base is not None and base.present else None
    if base_inventory is None:
        notes.append("evidence: no base revision, so no pickle is trusted and the head's "
                     "settings apply")
    run = run_evidence(options.root, head.inventory, wanted, base_inventory,
                       trust=base_inventory if base_inventory is not None else head.inventory,
                       use_cache=options.use_cache, head_commit=head.revision.commit,
                       base_commit=base.revision.commit if base is not None else None,
                       trust_pickles=base_inventory is not None)
    notes.append(f"evidence for {len(run.evidence)} version(s): {run.computed} step(s) "
                 f"computed, {run.reused} from the cache")
    return run.evidence
