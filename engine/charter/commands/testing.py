"""`charter test`: run the policy unit tests, optionally with rule coverage."""

from __future__ import annotations

import datetime as dt
import importlib
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from charter.errors import CharterError
from charter.policytests.suite import SuiteResult, run_suite
from charter.vcs import git
from charter.vcs.revisions import POLICY_DIR

FORMATS = {"text": "charter.policytests.report_text", "json": "charter.policytests.report_json",
           "junit": "charter.policytests.report_junit"}


@dataclass(frozen=True)
class TestOptions:
    root: Path
    tests: Path | None  # a file or folder of tests; None: policies/tests
    today: dt.date
    coverage: bool = False
    require_tests: bool = False
    outputs: tuple[tuple[str, str | None], ...] = ()  # (format, path or None for stdout)


def parse_output(text: str) -> tuple[str, str | None]:
    name, _, path = text.partition("=")
    if name not in FORMATS:
        raise CharterError.at(f"unknown format {name!r} for charter test; choose from "
                              f"{', '.join(FORMATS)}")
    return name, path or None


def locate(path: str | None, repo: str | None) -> tuple[Path, Path | None]:
    """The repository and the tests: PATH may be a repository, a test folder or a file."""
    if repo is not None:
        return Path(repo).resolve(), Path(path) if path else None
    if path is None:
        start = Path.cwd()
        return git.find_root(start) or start, None
    target = Path(path).resolve()
    if target.is_dir() and (target / POLICY_DIR).is_dir():
        return target, None
    for parent in target.parents:
        if (parent / POLICY_DIR).is_dir():
            return parent, target
    return Path.cwd(), target


def run_test(options: TestOptions) -> int:
    suite = run_suite(options.root, options.tests, options.today, options.require_tests,
                      options.coverage)
    write(suite, options.outputs or (("text", None),), options.root)
    return suite.exit_code


def write(suite: SuiteResult, outputs: Sequence[tuple[str, str | None]], root: Path) -> None:
    if sum(path is None for _, path in outputs) > 1:
        raise CharterError.at("only one --format can go to standard output; give the others a "
                              "path, e.g. --format junit=reports/policy-tests.xml")
    for name, path in outputs:
        text: str = importlib.import_module(FORMATS[name]).render(suite)
        if path is None:
            sys.stdout.write(text)
            continue
        target = Path(path) if Path(path).is_absolute() else root / path
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text)
        except OSError as exc:
            raise CharterError.at(f"cannot write {name} output to {target}: "
                                  f"{exc.strerror}") from None
