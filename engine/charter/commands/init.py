"""`charter init`: scaffold a governance repository that passes `charter check` and
`charter test` as created."""

from __future__ import annotations

import datetime as dt
import re
from importlib import resources
from pathlib import Path

import click

from charter import __version__
from charter.errors import CharterError
from charter.vcs import git

# Where each template of charter/scaffold/ goes in the new repository.
FILES = {
    "models.yaml": "models.yaml",
    "policies.yaml": "policies/governance.yaml",
    "policy-tests.yaml": "policies/tests/governance.yaml",
    "workflow.yml": ".github/workflows/governance.yml",
    "README.md": "README.md",
    "gitignore": ".gitignore",
}


# The GitHub repository that publishes Charter's action (action.yml at its root); the
# scaffolded workflow uses it at this version's release tag. Until it names the real home,
# the workflow fails closed at its first run instead of running someone else's code.
ACTION_HOME = "<owner>/charter"
ACTION = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]*/[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*"
                    r"@[A-Za-z0-9._/-]+")


def default_action() -> str:
    return f"{ACTION_HOME}@v{__version__}"


def scaffold(today: dt.date, action: str | None = None) -> dict[str, str]:
    """The files of a new repository, with dates that keep the example current."""
    folder = resources.files("charter.scaffold")
    if action is not None and not ACTION.fullmatch(action):
        raise CharterError.at(f"--action {action!r}: give OWNER/REPO@REF, a tag or a full "
                              "commit SHA (e.g. acme/charter@v0.1.0)")
    uses = action or default_action()
    repository, _, ref = uses.partition("@")
    values = {"__TODAY__": today.isoformat(), "__MONTH__": today.strftime("%Y-%m"),
              "__ACTION__": uses, "__ACTION_REPOSITORY__": "/".join(repository.split("/")[:2]),
              "__ACTION_REF__": ref}
    out = {}
    for template, target in FILES.items():
        text = folder.joinpath(template).read_text()
        for key, value in values.items():
            text = text.replace(key, value)
        out[target] = text
    return out


def run_init(directory: Path, today: dt.date, action: str | None = None,
             layout: str = "single") -> int:
    files = scaffold(today, action)
    if layout == "split":
        from charter.commands.init_layout import split_layout

        files = split_layout(files)
    existing = sorted(p for p in files if (directory / p).exists())
    if existing:
        raise CharterError.at(f"{directory} already has {', '.join(existing)}; charter init "
                              "writes only into a new repository and overwrites nothing")
    for path, text in files.items():
        target = directory / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    click.echo(f"charter init: wrote {len(files)} files in {directory}")
    for path in files:
        click.echo(f"  {path}")
    first = "git add -A" if git.find_root(directory.resolve()) else "git init && git add -A"
    click.echo(f"next: {first} && git commit -m 'Governance repository', then "
               "`charter check --all` and `charter test`")
    if action is None and "<" in ACTION_HOME:
        click.echo(f"the workflow uses {default_action()}: replace <owner> with the GitHub "
                   "repository you take Charter from, or run charter init --action "
                   "OWNER/REPO@REF")
    return 0
