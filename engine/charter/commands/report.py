"""`charter report`: model dossiers, the inventory and the lineage as PDFs of one commit."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from charter.errors import CharterError
from charter.suggest import closest

if TYPE_CHECKING:
    from charter.report.facts import ReportFacts
    from charter.report.pdf import RenderJob

KINDS = ("dossier", "inventory", "lineage")


@dataclass(frozen=True)
class ReportOptions:
    root: Path
    models: tuple[str, ...] = ()
    out: Path = Path("reports")
    ref: str = "HEAD"
    evidence: bool = True
    page_size: str = "a4"
    today: dt.date | None = None
    kinds: tuple[str, ...] = KINDS
    workers: int | None = None
    force: bool = False


def run_report(options: ReportOptions) -> int:
    from charter.report.build import MANIFEST, Written, build_reports
    from charter.report.facts import gather_facts

    facts = gather_facts(options.root, options.ref, options.today, options.evidence,
                         options.models or None)
    chosen = _chosen_models(facts.inventory, options.models)
    jobs = _jobs(facts, chosen, options)
    out = options.out if options.out.is_absolute() else options.root / options.out

    def say(written: Written) -> None:
        state = "wrote" if written.rendered else "kept (inputs unchanged)"
        sys.stdout.write(f"{state}: {_shown(out / written.path, options.root)}\n")
        sys.stdout.flush()

    if facts.evidence.note:
        sys.stdout.write(f"evidence: {facts.evidence.note}\n")
    build_reports(jobs, out, facts.commit, options.force, options.workers, say)
    sys.stdout.write(f"manifest: {_shown(out / MANIFEST, options.root)}\n")
    return 0


def _jobs(facts: ReportFacts, models: Sequence[str], options: ReportOptions
          ) -> list[RenderJob]:
    from charter.report.dossier import dossier_job
    from charter.report.inventory_report import inventory_job
    from charter.report.lineage_report import lineage_job

    jobs: list[RenderJob] = []
    if "dossier" in options.kinds:
        jobs += [dossier_job(facts, m, options.page_size) for m in models]
    whole = not options.models
    if "inventory" in options.kinds and whole:
        jobs.append(inventory_job(facts, options.page_size))
    if "lineage" in options.kinds and whole:
        jobs.append(lineage_job(facts, options.page_size))
    return jobs


def _chosen_models(inventory: Mapping[str, Any], asked: Sequence[str]) -> list[str]:
    known = list(inventory.get("models") or {})
    for name in asked:
        if name not in known:
            close = closest(name, known)
            hint = f"; did you mean {close!r}?" if close else ""
            raise CharterError.at(f"model {name!r} is not in models.yaml{hint}",
                                  hint=f"known models: {', '.join(sorted(known))}")
    return list(asked) or sorted(known)


def _shown(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)
