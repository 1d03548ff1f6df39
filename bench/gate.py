"""Gate benchmark: full `charter validate` and `charter check` on a one-version pull request.

Prints, for generated inventories, the wall time of each command (run as a user runs it, in a
child process) next to the floor measured in the same run: parsing models.yaml with libyaml
alone, which any tool that reads the whole file pays. A pull-request check parses only the
entities the change touched (the base's parse is cached by content), so it should stay well
under both. Usage: python bench/gate.py [--versions 1000,10000] [--rules 50]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import change_one_version, make_repo

ENGINE = Path(__file__).resolve().parents[1] / "engine"


def timed(args: list[str], cwd: Path, expect: tuple[int, ...] = (0, 1)) -> float:
    env = {**os.environ, "PYTHONPATH": str(ENGINE)}
    start = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "charter", *args], cwd=cwd, env=env,
                            capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if result.returncode not in expect:
        raise SystemExit(f"charter {' '.join(args)} exited {result.returncode}:\n"
                         f"{result.stdout}{result.stderr}")
    return elapsed


def parse_floor(path: Path) -> float:
    start = time.perf_counter()
    yaml.load(path.read_text(), Loader=yaml.CSafeLoader)
    return time.perf_counter() - start


def best_of(runs: int, measure: Callable[[], float]) -> float:
    return min(measure() for _ in range(runs))


def measure(versions: int, rules: int, runs: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = make_repo(Path(folder) / "repo", versions, rules)
        floor = best_of(runs, lambda: parse_floor(root / "models.yaml"))
        validate = best_of(runs, lambda: timed(["validate"], root))
        change_one_version(root)
        check = ["check", "--today", "2026-11-27", "--evidence", "none"]
        cold = timed([*check, "--no-cache"], root)
        timed(check, root)  # the base's parse is now cached, as on a CI runner with a cache
        warm = best_of(runs, lambda: timed(check, root))
        print(f"{versions:>9} {rules:>5} {floor:>10.2f}s {validate:>8.2f}s {cold:>11.2f}s "
              f"{warm:>11.2f}s {warm / validate:>9.2f}x {warm / floor:>8.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--versions", default="1000,10000")
    parser.add_argument("--rules", type=int, default=50)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(f"{'versions':>9} {'rules':>5} {'parse floor':>11} {'validate':>9} "
          f"{'check (cold)':>12} {'check (warm)':>12} {'/validate':>10} {'/floor':>9}")
    for versions in [int(v) for v in args.versions.split(",")]:
        measure(versions, args.rules, args.runs)


if __name__ == "__main__":
    main()
