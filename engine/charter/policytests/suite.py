"""A run of policy tests: the cases of every test file against the policies in force."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from charter.policy.loader import PolicySet, load_policies
from charter.policytests.cases import Case, discover, load_cases
from charter.policytests.coverage import Coverage, local_rules, measure
from charter.policytests.runner import CaseResult, check_expectations, run_case
from charter.vcs.revisions import POLICY_DIR, Revision

TEST_DIR = f"{POLICY_DIR}/tests"


@dataclass(frozen=True)
class SuiteResult:
    files: tuple[str, ...]
    results: tuple[CaseResult, ...]
    policies: PolicySet
    coverage: Coverage
    require_tests: bool = False
    show_coverage: bool = False

    @property
    def failed(self) -> list[CaseResult]:
        return [r for r in self.results if not r.passed]

    @property
    def expectations(self) -> int:
        return sum(len(r.case.expect) for r in self.results)

    @property
    def unmet(self) -> int:
        return sum(len(r.mismatches) for r in self.results)

    @property
    def exit_code(self) -> int:
        missing_tests = self.require_tests and bool(self.coverage.untested)
        return 1 if self.failed or missing_tests else 0


def label_of(path: Path, root: Path) -> str:
    resolved = path.resolve()
    return resolved.relative_to(root.resolve()).as_posix() if resolved.is_relative_to(
        root.resolve()) else str(path)


def run_suite(root: Path, tests: Path | None, today: dt.date, require_tests: bool = False,
              show_coverage: bool = False) -> SuiteResult:
    """Test the working tree's policies with the cases under `tests` (policies/tests)."""
    policies = load_policies(Revision.worktree(root))
    files = discover(tests or root / TEST_DIR)
    cases: list[Case] = []
    for file in files:
        cases += load_cases(file, label_of(file, root))
    return run_cases(policies, cases, today, [label_of(f, root) for f in files],
                     local_rules(policies), require_tests, show_coverage)


def run_cases(policies: PolicySet, cases: list[Case], today: dt.date, files: list[str],
              rule_ids: list[str], require_tests: bool = False,
              show_coverage: bool = False) -> SuiteResult:
    check_expectations(policies, cases)
    results = tuple(run_case(policies, case, today) for case in cases)
    coverage = measure(policies, results, rule_ids)
    return SuiteResult(tuple(files), results, policies, coverage, require_tests, show_coverage)
