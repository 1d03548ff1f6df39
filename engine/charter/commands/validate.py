"""`charter validate`: schema and integrity of models.yaml and the policy files, no git needed."""

from __future__ import annotations

from pathlib import Path

import click

from charter.errors import CharterError
from charter.inventory.entities import iter_entities
from charter.inventory.snapshot import load_snapshot, validation_problems
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
    policies = load_policies(revision)
    counts: dict[str, int] = {}
    for entity in iter_entities(snapshot.inventory):
        counts[entity.kind] = counts.get(entity.kind, 0) + 1
    click.echo(f"models.yaml is valid: {counts.get('model', 0)} models, "
               f"{counts.get('version', 0)} versions, {counts.get('dataset', 0)} dataset "
               f"versions; {len(policies.rules)} rules and {len(policies.waivers)} waivers in "
               f"{len(policies.files)} policy sources")
    return 0
