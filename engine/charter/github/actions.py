"""GitHub Actions integration: annotations, the step summary, step outputs and the event.

Only the environment GitHub gives a step is read (`GITHUB_*` variables and the event file);
nothing here touches the network.
"""

from __future__ import annotations

import html
import json
import secrets
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from charter.errors import EXIT_BAD_INPUT, CharterError
from charter.github.jsonfile import read_json
from charter.reporters import OutputSpec
from charter.result import CheckResult


def in_actions(env: Mapping[str, str]) -> bool:
    return env.get("GITHUB_ACTIONS") == "true"


def load_event(env: Mapping[str, str]) -> dict[str, Any]:
    """The webhook payload that started the workflow, or {} when there is none."""
    path = env.get("GITHUB_EVENT_PATH")
    if not path:
        return {}
    data = read_json(Path(path), "the GitHub event file")
    return data if isinstance(data, dict) else {}


def pull_request_of(event: Mapping[str, Any]) -> Mapping[str, Any]:
    pull = event.get("pull_request")
    return pull if isinstance(pull, Mapping) else {}


@dataclass
class ActionsRun:
    """The step Charter runs in, when GITHUB_ACTIONS is true."""

    env: Mapping[str, str]
    event: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def detect(cls, env: Mapping[str, str]) -> ActionsRun | None:
        if not in_actions(env):
            return None
        try:
            event = load_event(env)
        except CharterError:
            event = {}  # links are a convenience; the reviews check reports a bad event
        return cls(env, event)

    def links(self, head_commit: str | None) -> dict[str, str]:
        repo = self.env.get("GITHUB_REPOSITORY")
        if not repo:
            return {}
        repository = f"{self.env.get('GITHUB_SERVER_URL', 'https://github.com')}/{repo}"
        links = {"repository": repository}
        if self.env.get("GITHUB_RUN_ID"):
            links["run"] = f"{repository}/actions/runs/{self.env['GITHUB_RUN_ID']}"
        commit = head_commit or self.env.get("GITHUB_SHA")
        if commit:
            links["blob"] = f"{repository}/blob/{commit}"
        number = pull_request_of(self.event).get("number")
        if isinstance(number, int):
            links["pull_request"] = f"{repository}/pull/{number}"
            links["code_scanning"] = f"{repository}/security/code-scanning?query=pr%3A{number}"
        else:
            links["code_scanning"] = f"{repository}/security/code-scanning"
        return links

    def publish(self, result: CheckResult, outputs: Sequence[OutputSpec]) -> None:
        """Annotations (unless `--format github` already prints them), summary, outputs."""
        from charter.reporters import markdown, workflow_commands

        if not any(s.format == "github" and s.path is None for s in outputs):
            stream = sys.stdout if _stdout_format(outputs) in ("text", None) else sys.stderr
            stream.write(workflow_commands.render(result))
            stream.flush()
        summary = self.env.get("GITHUB_STEP_SUMMARY")
        if summary:
            room = markdown.SUMMARY_LIMIT - _size(summary)
            _append(summary, markdown.render(result, max(room, 32 * 1024)) + "\n")
        self.set_outputs(_output_values(result, outputs))

    def publish_error(self, error: CharterError) -> None:
        """A run that could not decide says so where reviewers look, then exits 2."""
        from charter.reporters.workflow_commands import command

        problems = error.problems[:10]
        for problem in problems:
            where: dict[str, str | int] = {"file": problem.file, "line": problem.line,
                                           "col": problem.column, "title": "Charter: error"}
            sys.stderr.write(command("error", problem.render(), where) + "\n")
        if not problems:
            sys.stderr.write(command("error", error.render(), {"title": "Charter: error"}) +
                             "\n")
        summary = self.env.get("GITHUB_STEP_SUMMARY")
        if summary:
            _append(summary, "## ⚠️ Charter: error — the check could not decide\n\n"
                    f"<pre>{html.escape(error.render()[:60_000])}</pre>\n\n")
        self.set_outputs({"verdict": "error", "exit-code": str(EXIT_BAD_INPUT)})

    def set_outputs(self, values: Mapping[str, str]) -> None:
        path = self.env.get("GITHUB_OUTPUT")
        if not path:
            return
        lines = []
        for name, value in values.items():
            if "\n" in value or "\r" in value:
                delimiter = f"charter_{secrets.token_hex(16)}"
                lines.append(f"{name}<<{delimiter}\n{value}\n{delimiter}\n")
            else:
                lines.append(f"{name}={value}\n")
        _append(path, "".join(lines))

    @contextmanager
    def commands_stopped(self, outputs: Sequence[OutputSpec]) -> Iterator[None]:
        """Text from the checked repository printed to the log cannot run workflow commands."""
        if _stdout_format(outputs) in ("github", None):
            yield
            return
        token = secrets.token_hex(16)
        _print(sys.stdout, f"::stop-commands::{token}")
        try:
            yield
        finally:
            _print(sys.stdout, f"::{token}::")


def _stdout_format(outputs: Sequence[OutputSpec]) -> str | None:
    """The format printed to standard output; None when every output goes to a file."""
    if not outputs:
        return "text"
    return next((s.format for s in outputs if s.path is None), None)


def _output_values(result: CheckResult, outputs: Sequence[OutputSpec]) -> dict[str, str]:
    counts = result.counts
    values = {"verdict": result.verdict, "exit-code": str(result.exit_code),
              "blocking": str(counts.blocking), "errors": str(counts.errors),
              "warnings": str(counts.warnings), "info": str(counts.info),
              "waived": str(counts.waived), "reports": json.dumps(list(result.reports))}
    for spec in outputs:
        if spec.path is not None:
            values[f"{spec.format}-report"] = spec.path
    return values


def _size(path: str) -> int:
    try:
        return Path(path).stat().st_size
    except OSError:
        return 0


def _append(path: str, text: str) -> None:
    try:
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(text)
    except OSError as exc:
        raise CharterError.at(f"cannot write to {path}: {exc.strerror}") from None


def _print(stream: TextIO, line: str) -> None:
    stream.write(line + "\n")
    stream.flush()
