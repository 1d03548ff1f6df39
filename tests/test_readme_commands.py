"""Every `charter` command shown in README.md runs, in a clone of this repository, and exits
as the README says: 0, unless the line ends with a comment such as `# exits 1`.

Commands come from the fenced code blocks (not JSON, YAML or TOML), including the `charter`
steps of a line like `python3 -m venv .venv && .venv/bin/pip install -e . && .venv/bin/charter
check --all`; the other steps (creating a virtual environment, installing, running pytest)
are not `charter` commands and are left out: the test runs this tree's engine. A line is a
synopsis, not a command, when it shows placeholders (`[--ref REF]`, `MODEL`, `<ref>`). A line
that needs what a test cannot have (`$GITHUB_TOKEN`, the network) says so with `# not run: …`,
and a line that reads a CI variable (`"$BASE_SHA"`) is a template for a workflow.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import ENGINE, REPO_ROOT

README = REPO_ROOT / "README.md"
NOT_COMMANDS = {"json", "yaml", "yml", "toml", "xml", "python", "jinja", "html"}
_FENCE = re.compile(r"^(\s*)(```+|~~~+)\s*([\w+-]*)")
_EXITS = re.compile(r"#\s*exits?\s+(\d+)")
_NOT_RUN = re.compile(r"#\s*not run\b")
_PLACEHOLDER = re.compile(r"^(?:--[\w-]+=)?(?:[A-Z][A-Z_]*(?:[@=][A-Z_]+)?|.*[\[\]<>…].*|"
                          r".*\.\.\..*)$")


@dataclass(frozen=True)
class Shown:
    line: int  # in README.md
    command: str  # the charter command, as a shell would read it
    exits: int
    skip: str = ""  # why it is not run, if it is not


def shown_commands(text: str) -> list[Shown]:
    found: list[Shown] = []
    for line, source in _code_lines(text):
        code = _strip_comment(source)
        comment = source[len(code):]
        exits = _EXITS.search(comment)
        for step in code.split("&&"):
            step = step.strip().removeprefix("$ ").strip()
            step = re.sub(r"^(?:\S*/)?\.venv/bin/charter\b", "charter", step)
            if not step.startswith("charter ") and step != "charter":
                continue
            stage = _first_stage(step)
            if _is_synopsis(stage):
                continue
            skip = ("the line says it is not run" if _NOT_RUN.search(comment) else
                    "a template for CI: reads an environment variable" if "$" in stage else "")
            found.append(Shown(line, stage, int(exits.group(1)) if exits else 0, skip))
    return found


def _code_lines(text: str) -> list[tuple[int, str]]:
    """(line number, logical line) of the code blocks that hold shell commands; a line
    continued with a backslash is joined to the next."""
    out: list[tuple[int, str]] = []
    fence: str | None = None
    runnable = False
    pending: tuple[int, str] | None = None
    for number, raw in enumerate(text.splitlines(), 1):
        opened = _FENCE.match(raw)
        if fence is None:
            if opened:
                fence, runnable = opened.group(2), opened.group(3).lower() not in NOT_COMMANDS
            continue
        if raw.strip().startswith(fence):
            fence = None
            continue
        if not runnable:
            continue
        start, joined = pending if pending else (number, "")
        joined += raw.strip() if pending else raw.rstrip()
        if joined.endswith("\\"):
            pending = (start, joined[:-1].rstrip() + " ")
            continue
        pending = None
        out.append((start, joined.strip()))
    return out


def _strip_comment(line: str) -> str:
    """The line without its trailing comment: a `#` outside quotes, at the start or after
    a space."""
    quote = ""
    for index, char in enumerate(line):
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "#" and (index == 0 or line[index - 1].isspace()):
            return line[:index].rstrip()
    return line


def _first_stage(step: str) -> str:
    """The charter stage of a pipeline: the README promises its exit code."""
    parts = re.split(r"(?<!\|)\|(?!\|)", step, maxsplit=1)
    return parts[0].strip()


def _is_synopsis(command: str) -> bool:
    try:
        words = shlex.split(command)
    except ValueError:
        return True
    return any(_PLACEHOLDER.match(w) for w in words[1:]) or "|" in command


def test_commands_are_read_from_code_blocks() -> None:
    text = (
        "Run `charter check` in prose: not a code block.\n"
        "```sh\n"
        "python3 -m venv .venv && .venv/bin/pip install -e . && .venv/bin/charter check --all\n"
        "charter lineage --format dot | dot -Tsvg > lineage.svg\n"
        "charter check --base main  # exits 1\n"
        "charter check --base \"$BASE_SHA\" --reviews-from github \\\n"
        "  --format text\n"
        "charter check --reviews-from github   # not run: needs GITHUB_TOKEN\n"
        ".venv/bin/python -m pytest -q\n"
        "```\n"
        "```\n"
        "charter history [MODEL] [--since DATE] [--ref REF]\n"
        "charter evidence MODEL@VERSION\n"
        "charter: error: models.yaml is invalid\n"
        "```\n"
        "```yaml\n"
        "charter: 1\n"
        "```\n")
    assert shown_commands(text) == [
        Shown(3, "charter check --all", 0),
        Shown(4, "charter lineage --format dot", 0),
        Shown(5, "charter check --base main", 1),
        Shown(6, 'charter check --base "$BASE_SHA" --reviews-from github --format text', 0,
              "a template for CI: reads an environment variable"),
        Shown(8, "charter check --reviews-from github", 0, "the line says it is not run"),
    ]


@pytest.fixture(scope="module")
def clone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A clone of this repository, as a new user gets it, with `charter` on PATH running
    this tree's engine."""
    root = tmp_path_factory.mktemp("readme")
    target = root / "charter"
    subprocess.run(["git", "clone", "-q", str(REPO_ROOT), str(target)], check=True)
    bin_dir = root / "bin"
    bin_dir.mkdir()
    shim = bin_dir / "charter"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m charter "$@"\n')
    shim.chmod(0o755)
    return target


def test_every_readme_command_runs(clone: Path) -> None:
    shown = shown_commands(README.read_text(encoding="utf-8"))
    assert shown, "README.md shows no charter command in a code block"
    env = {**os.environ, "PYTHONPATH": str(ENGINE), "NO_COLOR": "1",
           "PATH": f"{clone.parent / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}"}
    failures = []
    for item in shown:
        if item.skip:
            continue
        result = subprocess.run(["bash", "-c", item.command], cwd=clone, env=env,
                                capture_output=True, text=True, timeout=900)
        if result.returncode != item.exits:
            last = (result.stderr.strip() or result.stdout.strip()).splitlines()[-1:]
            failures.append(f"README.md:{item.line}: `{item.command}` exited "
                            f"{result.returncode}, not {item.exits}: {' '.join(last)}")
    assert not failures, "\n".join(failures)
