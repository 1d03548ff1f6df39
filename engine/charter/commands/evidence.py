"""`charter evidence`: measure what the artifacts and data show, for people or as JSON."""

from __future__ import annotations

import datetime as dt
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from charter import __version__
from charter.errors import CharterError
from charter.extras import require
from charter.inventory.entities import iter_entities
from charter.inventory.snapshot import Snapshot, load_snapshot, validation_problems
from charter.suggest import closest
from charter.vcs.cache import Cache
from charter.vcs.revisions import Revision
from charter.wording import plural

BLOCKING_AREAS = ("artifact", "metrics", "evaluation", "data")  # error rules in charter:evidence
EVIDENCE_FORMAT = 1


@dataclass(frozen=True)
class EvidenceOptions:
    root: Path
    target: str | None = None  # MODEL or MODEL@VERSION; None: every version
    output: str = "text"
    today: dt.date | None = None
    base: str | None = None  # a ref, "none", or None for the default base
    use_cache: bool = True
    engine: str | None = None  # pandas | spark; None: settings.evidence.engine
    spark_master: str | None = None


def run_evidence_command(options: EvidenceOptions) -> int:
    require("evidence", "charter evidence cannot measure versions")
    from charter.evidence.api import run_evidence

    head = load_snapshot(Revision.worktree(options.root), Cache.for_repo(options.root,
                                                                          options.use_cache))
    if not head.present:
        raise CharterError.at("models.yaml not found", file=str(options.root / "models.yaml"))
    problems = validation_problems(head)
    if problems:
        raise CharterError(problems, summary="models.yaml is invalid")
    wanted = _select(head, options.target)
    base = _base(options)
    base_inventory = base.inventory if base is not None and base.present else None
    run = run_evidence(options.root, head.inventory, wanted, base_inventory,
                       trust=base_inventory if base_inventory is not None else head.inventory,
                       use_cache=options.use_cache,
                       base_commit=base.revision.commit if base is not None else None,
                       trust_pickles=base_inventory is not None, engine=options.engine,
                       spark_master=options.spark_master)
    base_label = base.revision.label if base is not None else "none"
    if options.output == "json":
        sys.stdout.write(json.dumps(_document(run.evidence, options, base_label), indent=2,
                                    sort_keys=False) + "\n")
    else:
        from charter.evidence.render import render_text

        header = (f"charter evidence: {plural(len(run.evidence), 'version')} of the working tree; "
                  f"champions and trust from {base_label}")
        sys.stdout.write(render_text(run.evidence, header))
    print(f"charter {run.summary()}", file=sys.stderr)
    blocking = any(p["area"] in BLOCKING_AREAS for item in run.evidence.values()
                   for p in item["problems"])
    return 1 if blocking else 0


def _document(evidence: dict[str, Any], options: EvidenceOptions, base: str) -> dict[str, Any]:
    return {"charter_evidence": EVIDENCE_FORMAT, "engine_version": __version__,
            "today": options.today.isoformat() if options.today else None, "base": base,
            "evidence": evidence}


def _select(head: Snapshot, target: str | None) -> list[str]:
    versions = [e for e in iter_entities(head.inventory) if e.kind == "version"]
    if target is None:
        return [e.id for e in versions]
    if "@" in target:
        chosen = [e.id for e in versions if e.id == target]
    else:
        chosen = [e.id for e in versions if e.parent == target]
    if not chosen:
        known = sorted({e.id for e in versions} | {str(e.parent) for e in versions})
        close = closest(target, known)
        hint = f" (did you mean {close!r}?)" if close else ""
        raise CharterError.at(f"no model or version {target!r} in models.yaml{hint}")
    return chosen


def _base(options: EvidenceOptions) -> Snapshot | None:
    from charter.gate import EMPTY_BASE, default_base_ref

    if options.base == EMPTY_BASE:
        return None
    if options.base is not None:
        return load_snapshot(Revision.at(options.root, options.base))
    found = default_base_ref(options.root)
    return load_snapshot(Revision.at(options.root, *found)) if found else None
