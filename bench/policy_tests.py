"""Policy test benchmark: the cost of tracing conditions, which `charter test` uses for its
explanations and coverage, against the untraced evaluation `charter check` runs.

All three evaluate every entity of a generated inventory under the same generated rules in
the same run: untraced; traced keeping only the results a case states (what `charter test`
does); and traced keeping every step. Usage: python bench/policy_tests.py [--versions N]
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "engine"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import inventory_text, rules_text

from charter.inventory.diff import diff_inventories
from charter.policy.evaluate import Subject, evaluate_policies
from charter.policy.loader import assemble_policies
from charter.policytests.trace import Tracer, traced_policies
from charter.source.yamlsource import load_yaml_text

TODAY = dt.date(2026, 11, 27)


def best_of(runs: int, work: Callable[[], object]) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--versions", type=int, default=2000)
    parser.add_argument("--rules", type=int, default=50)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    inventory = load_yaml_text(inventory_text(args.versions), "models.yaml")
    rules = load_yaml_text(rules_text(args.rules), "policies/rules.yaml")
    policies = assemble_policies([("policies/rules.yaml", "policies/rules.yaml", rules)])
    head = inventory.data
    subject = Subject(head, inventory.source, head, diff_inventories(head, head))

    def plain() -> object:
        return evaluate_policies(subject, policies, TODAY, None, {}, head)

    def traced(wanted: set[tuple[str, str]] | None) -> Callable[[], object]:
        def run() -> object:
            tracer = Tracer(wanted)
            return evaluate_policies(subject, traced_policies(policies, tracer), TODAY, None,
                                     {}, head)
        return run

    some = {(rule, "m0@1.0.0") for rule in policies.rules}
    base = best_of(args.runs, plain)
    stated = best_of(args.runs, traced(some))
    every = best_of(args.runs, traced(None))
    print(f"{'versions':>9} {'rules':>5} {'untraced':>9} {'stated':>9} {'every step':>11} "
          f"{'/untraced':>10} {'/untraced':>10}")
    print(f"{args.versions:>9} {len(policies.rules):>5} {base:>8.2f}s {stated:>8.2f}s "
          f"{every:>10.2f}s {stated / base:>9.2f}x {every / base:>9.2f}x")


if __name__ == "__main__":
    main()
