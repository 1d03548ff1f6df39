"""`charter init`: scaffold a governance repository that passes `charter check` and
`charter test` as created."""

from __future__ import annotations

import datetime as dt
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


def scaffold(today: dt.date, install_spec: str | None = None) -> dict[str, str]:
    """The files of a new repository, with dates that keep the example current."""
    folder = resources.files("charter.scaffold")
    spec = install_spec or f"charter=={__version__}"
    if any(c in spec for c in "\"'`$\n\\"):
        raise CharterError.at(f"--install {spec!r}: quotes, backslashes and $ are not allowed "
                              "in an install specification")
    values = {"__TODAY__": today.isoformat(), "__MONTH__": today.strftime("%Y-%m"),
              "__INSTALL__": spec}
    out = {}
    for template, target in FILES.items():
        text = folder.joinpath(template).read_text()
        for key, value in values.items():
            text = text.replace(key, value)
        out[target] = text
    return out


def run_init(directory: Path, today: dt.date, install_spec: str | None = None,
             layout: str = "single") -> int:
    files = scaffold(today, install_spec)
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
    return 0
