"""Reporters turn a CheckResult into text; each registers itself by name with a description."""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from charter.errors import CharterError
from charter.result import CheckResult

Render = Callable[..., str]  # (result) -> text; colouring reporters also take `colour`


@dataclass(frozen=True)
class Reporter:
    name: str
    summary: str
    module: str  # imported on use, so a run pays only for the formats it asks for
    extension: str
    colours: bool = False  # renders ANSI colours when asked to


REPORTERS: dict[str, Reporter] = {
    r.name: r
    for r in [
        Reporter("text", "findings grouped by model, for people", "charter.reporters.text",
                 "txt", colours=True),
        Reporter("json", "the versioned result document (charter_result: 1)",
                 "charter.reporters.json_report", "json"),
        Reporter("sarif", "SARIF 2.1.0 for GitHub code scanning", "charter.reporters.sarif",
                 "sarif"),
        Reporter("junit", "JUnit XML: one test case per rule and entity",
                 "charter.reporters.junit", "xml"),
        Reporter("markdown", "a summary for pull requests and the run page",
                 "charter.reporters.markdown", "md"),
        Reporter("github", "GitHub Actions workflow-command annotations",
                 "charter.reporters.workflow_commands", "txt"),
    ]
}


def register(reporter: Reporter) -> None:
    REPORTERS[reporter.name] = reporter


@dataclass(frozen=True)
class OutputSpec:
    format: str
    path: str | None = None  # None: standard output

    @classmethod
    def parse(cls, text: str) -> OutputSpec:
        name, _, path = text.partition("=")
        if name not in REPORTERS:
            raise CharterError.at(f"unknown format {name!r}; choose from "
                                  f"{', '.join(sorted(REPORTERS))}")
        return cls(name, path or None)


def renderer(name: str) -> Render:
    module = importlib.import_module(REPORTERS[name].module)
    render: Render = module.render
    return render


@dataclass(frozen=True)
class Style:
    """How outputs are shown. `colour`: always | never | auto (a terminal gets colour) |
    force (every stream gets colour, a file none)."""

    colour: str = "auto"
    verbosity: int = 0  # -1 quiet, 0 normal, 1 verbose
    verdict_line: bool = True  # when every output is a file; GitHub's group header says it

    def colours(self, stream: TextIO | None) -> bool:
        """Whether text written to `stream` (None: a file) carries ANSI colours."""
        if self.colour in ("always", "never"):
            return self.colour == "always"
        if stream is None:
            return False
        return self.colour == "force" or stream.isatty()


def colour_mode(flag: str | None, configured: str | None,
                environ: os._Environ[str] | dict[str, str]) -> str:
    """--color beats NO_COLOR, which beats FORCE_COLOR, which beats the project's setting;
    otherwise colour goes to terminals only."""
    if flag in ("always", "never"):
        return flag
    if environ.get("NO_COLOR"):
        return "never"
    if environ.get("FORCE_COLOR"):
        return "force"
    return configured or "auto"


def write_outputs(result: CheckResult, outputs: Sequence[OutputSpec], root: Path,
                  style: Style = Style()) -> None:
    specs = list(outputs) or ([OutputSpec("text")] if style.verbosity >= 0 else [])
    to_stdout = [s for s in specs if s.path is None]
    if len(to_stdout) > 1:
        raise CharterError.at("only one --format can go to standard output; give the others a "
                              "path, e.g. --format sarif=reports/charter.sarif")
    targets = {spec: _target(spec, root) for spec in specs if spec.path is not None}
    for spec in specs:
        if spec.path is None:
            sys.stdout.write(_render(spec, result, style.colours(sys.stdout)))
            continue
        target = targets[spec]
        try:
            target.write_text(_render(spec, result, style.colours(None)))
        except OSError as exc:
            raise CharterError.at(f"cannot write {spec.format} output to {target}: "
                                  f"{exc.strerror}") from None
        if style.verbosity > 0:
            sys.stderr.write(f"charter: wrote {spec.format} to {spec.path}\n")
    if specs and not to_stdout and style.verbosity >= 0 and style.verdict_line:
        from charter.reporters.text import verdict_line

        written = ", ".join(f"{s.format} written to {s.path}" for s in specs)
        sys.stdout.write(f"{verdict_line(result, style.colours(sys.stdout))} ({written})\n")


def _render(spec: OutputSpec, result: CheckResult, colour: bool) -> str:
    render = renderer(spec.format)
    return render(result, colour=colour) if REPORTERS[spec.format].colours else render(result)


def _target(spec: OutputSpec, root: Path) -> Path:
    """The file to write; its folder is created only inside the repository or the working
    directory, so a mistyped absolute path does not scatter folders over the disk."""
    assert spec.path is not None
    target = Path(spec.path)
    target = target if target.is_absolute() else root / target
    folder = target.parent
    if folder.is_dir():
        return target
    resolved = folder.resolve()
    if not any(resolved.is_relative_to(place.resolve()) for place in (root, Path.cwd())):
        raise CharterError.at(f"cannot write {spec.format} output to {target}: the folder "
                              f"{folder} does not exist (Charter creates folders only inside "
                              "the repository or the working directory)")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CharterError.at(f"cannot write {spec.format} output to {target}: "
                              f"{exc.strerror}") from None
    return target
