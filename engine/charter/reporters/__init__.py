"""Reporters turn a CheckResult into text; each registers itself by name with a description."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from charter.errors import CharterError
from charter.result import CheckResult

Render = Callable[[CheckResult], str]


@dataclass(frozen=True)
class Reporter:
    name: str
    summary: str
    module: str  # imported on use, so a run pays only for the formats it asks for
    extension: str


REPORTERS: dict[str, Reporter] = {
    r.name: r
    for r in [
        Reporter("text", "findings grouped by model, for people", "charter.reporters.text",
                 "txt"),
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


def write_outputs(result: CheckResult, outputs: Sequence[OutputSpec], root: Path) -> None:
    specs = list(outputs) or [OutputSpec("text")]
    to_stdout = [s for s in specs if s.path is None]
    if len(to_stdout) > 1:
        raise CharterError.at("only one --format can go to standard output; give the others a "
                              "path, e.g. --format sarif=reports/charter.sarif")
    for spec in specs:
        text = renderer(spec.format)(result)
        if spec.path is None:
            sys.stdout.write(text)
            continue
        target = Path(spec.path)
        target = target if target.is_absolute() else root / target
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text)
        except OSError as exc:
            raise CharterError.at(f"cannot write {spec.format} output to {target}: "
                                  f"{exc.strerror}") from None
