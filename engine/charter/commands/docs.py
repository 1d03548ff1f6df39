"""`charter docs`: a Markdown catalogue of every rule in force, written from the rules' own
text, for a repository's wiki or README."""

from __future__ import annotations

from pathlib import Path

import click

from charter.errors import CharterError
from charter.policy.catalogue import render_catalogue
from charter.policy.loader import load_policies
from charter.vcs.revisions import Revision


def run_docs(root: Path, ref: str | None, output: str | None, check: bool) -> int:
    revision = Revision.at(root, ref) if ref else Revision.worktree(root)
    text = render_catalogue(load_policies(revision))
    if output is None:
        if check:
            raise CharterError.at("--check compares with a file: give it with --output PATH")
        click.echo(text, nl=False)
        return 0
    target = Path(output) if Path(output).is_absolute() else root / output
    if check:
        current = target.read_text() if target.is_file() else None
        if current != text:
            click.echo(f"{output} is out of date: run `charter docs --output {output}`",
                       err=True)
            return 1
        return 0
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    except OSError as exc:
        raise CharterError.at(f"cannot write {target}: {exc.strerror}") from None
    return 0
