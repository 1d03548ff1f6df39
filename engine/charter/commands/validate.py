"""`charter validate`: schema and integrity of models.yaml and the policy files, no git needed."""

from __future__ import annotations

from pathlib import Path

import click

from charter.errors import CharterError, Problem
from charter.inventory.entities import iter_entities
from charter.inventory.snapshot import load_snapshot, validation_problems
from charter.monitoring.kpi import kpi_problems
from charter.monitoring.ledger import LEDGER_FOLDER, kpi_model, parse_run_path, run_problems
from charter.policy.loader import load_policies
from charter.vcs.revisions import Revision


def run_validate(root: Path, ref: str | None = None) -> int:
    revision = Revision.at(root, ref) if ref else Revision.worktree(root)
    snapshot = load_snapshot(revision)
    if not snapshot.present:
        raise CharterError.at("models.yaml not found", file=str(root / "models.yaml"))
    problems = validation_problems(snapshot)
    if problems:
        raise CharterError(problems, summary=f"models.yaml is invalid ({len(problems)} "
                           f"problem{'s' if len(problems) != 1 else ''})")
    ledger = ledger_problems(revision)
    if ledger:
        raise CharterError(ledger, summary=f"monitoring/ is invalid ({len(ledger)} "
                           f"problem{'s' if len(ledger) != 1 else ''})")
    policies = load_policies(revision)
    counts: dict[str, int] = {}
    for entity in iter_entities(snapshot.inventory):
        counts[entity.kind] = counts.get(entity.kind, 0) + 1
    click.echo(f"models.yaml is valid: {counts.get('model', 0)} models, "
               f"{counts.get('version', 0)} versions, {counts.get('dataset', 0)} dataset "
               f"versions; {len(policies.rules)} rules and {len(policies.waivers)} waivers in "
               f"{len(policies.files)} policy sources")
    return 0


def ledger_problems(revision: Revision) -> list[Problem]:
    """Problems of the KPI files and recorded runs under monitoring/ (their append-only
    history is the gate's to judge: it needs a base)."""
    problems: list[Problem] = []
    for path in revision.files_under(LEDGER_FOLDER):
        if kpi_model(path) is not None:
            problems += kpi_problems(path, revision.read(path) or b"")[1]
        elif parse_run_path(path) is not None:
            problems += run_problems(path, revision.read(path) or b"")
    return problems
