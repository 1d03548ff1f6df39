"""`charter check --all` against a baseline measured in the same run, on the same inventory.

The baseline is the engine as it was before evaluation and validation were made fast (commit
55e2f24 unless --baseline names another), checked out into a temporary git worktree and run
with its own PYTHONPATH. Both run as a user runs them (a child process, no cache, evidence
none, 50 rules) and must report exactly the same findings (rule, entity, message, file:line).
Both run with jsonschema's optional format libraries hidden, as in an environment without
them: the baseline would otherwise pay for importing them, which is not what is measured here.

Prints CPU time (user + system of the child, the best of --runs) and wall time, and the ratio.
Usage: python bench/check_all.py [--versions 10000] [--rules 50] [--runs 3]
[--layout single|split]

--evaluation: the split layout, warm (the cache filled by a first run of each engine), run in
a child that has imported Charter: the gate's CPU time and, within it, the CPU time of policy
evaluation (`evaluate_policies`), baseline and current, and their ratios. --keep DIR keeps the
generated repository there and reuses it.

--warm: the split layout, warm, as a user runs it (`charter check --all --evidence none
--format json` in a child process, its worker processes included in its CPU time), baseline
and current, the best of --runs, and their ratio; the two JSON outputs must be byte-identical.
Both engines keep their cache entries side by side (CHARTER_CACHE_MAX_MIB is raised).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import make_repo

ROOT = Path(__file__).resolve().parents[1]
BASELINE = "55e2f24"
HIDDEN = ("fqdn", "idna", "isoduration", "jsonpointer", "rfc3339_validator",
          "rfc3986_validator", "rfc3987", "rfc3987_syntax", "uri_template", "webcolors")
# Run the CLI with the optional format libraries unimportable (jsonschema skips those).
LAUNCH = ("import runpy, sys\n"
          f"for name in {HIDDEN!r}:\n"
          "    sys.modules[name] = None\n"
          "sys.argv = ['charter', *sys.argv[1:]]\n"
          "runpy.run_module('charter', run_name='__main__', alter_sys=True)\n")
CHECK = ["check", "--all", "--today", "2026-11-27", "--evidence", "none", "--no-cache",
         "--format", "json"]


def run(engine: Path, repo: Path) -> tuple[float, float, list[tuple[Any, ...]]]:
    """CPU seconds, wall seconds, and the findings of one `charter check --all`."""
    env = {**os.environ, "PYTHONPATH": str(engine)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    result = subprocess.run([sys.executable, "-c", LAUNCH, *CHECK], cwd=repo, env=env,
                            capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode not in (0, 1):
        raise SystemExit(f"{engine}: exit {result.returncode}\n{result.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    findings = sorted((f["rule"], f["entity"], f["message"], f["file"], f["line"],
                       f.get("column"), f["severity"])
                      for f in json.loads(result.stdout)["findings"])
    return cpu, wall, findings


# The gate in a process that has imported Charter: its CPU time, the part of it spent in
# evaluate_policies, and the findings.
EVALUATION_CPU = """
import datetime as dt, json, time
from pathlib import Path
import charter.gate.judge as judge
from charter.gate.request import CheckOptions
spent = [0.0]
evaluate = judge.evaluate_policies
def timed(*args, **kwargs):
    start = time.process_time()
    try:
        return evaluate(*args, **kwargs)
    finally:
        spent[0] += time.process_time() - start
judge.evaluate_policies = timed
options = CheckOptions(root=Path.cwd(), today=dt.date(2026, 11, 27), evidence="none",
                       scope_all=True)
start = time.process_time()
result = judge.gate(options)
total = time.process_time() - start
print(json.dumps({"gate": total, "evaluation": spent[0], "findings": sorted(
    [f.rule, f.entity, f.message, f.file, f.line, f.column, f.severity]
    for f in result.findings)}))
"""


def evaluation_cpu(engine: Path, repo: Path) -> tuple[float, float, list[Any]]:
    env = {**os.environ, "PYTHONPATH": str(engine)}
    result = subprocess.run([sys.executable, "-c", EVALUATION_CPU], cwd=repo, env=env,
                            capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"{engine}: exit {result.returncode}\n{result.stderr[-2000:]}")
    found = json.loads(result.stdout.splitlines()[-1])
    return found["gate"], found["evaluation"], found["findings"]


Measure = Callable[[Path, Path], tuple[float, float, Any]]


def interleaved(repo: Path, baseline: Path, runs: int, measure_one: Measure,
                fill: bool = False) -> tuple[dict[str, tuple[float, float]], dict[str, Any]]:
    """The least of each of two figures per engine over `runs` rounds, baseline and current
    alternating so that load on the machine falls on both, and each engine's last output.
    `fill` runs each once first, to fill the cache as an earlier run would have."""
    engines = (("baseline", baseline), ("current", ROOT / "engine"))
    if fill:
        for _, engine in engines:
            measure_one(engine, repo)
    best: dict[str, tuple[float, float]] = {}
    out: dict[str, Any] = {}
    for _ in range(runs):
        for name, engine in engines:
            first, second, out[name] = measure_one(engine, repo)
            previous = best.get(name, (float("inf"), float("inf")))
            best[name] = (min(first, previous[0]), min(second, previous[1]))
    return best, out


def kept_repo(folder: str, keep: Path | None, versions: int, rules: int) -> Path:
    repo = (keep or Path(folder)) / f"split-{versions}-{rules}"
    if not (repo / ".git").is_dir():
        make_repo(repo, versions, rules, "split")
    return repo


def measure_evaluation(versions: int, rules: int, runs: int, baseline: Path,
                       keep: Path | None) -> None:
    with tempfile.TemporaryDirectory() as folder:
        repo = kept_repo(folder, keep, versions, rules)
        best, found = interleaved(repo, baseline, runs, evaluation_cpu, fill=True)
        same = found["baseline"] == found["current"]
        (base_gate, base_eval), (gate, evaluation) = best["baseline"], best["current"]
        print(f"{versions:>9} {rules:>5} {len(found['current']):>9} {base_gate:>10.2f}s "
              f"{gate:>10.2f}s {gate / base_gate:>6.2f}x {base_eval:>10.2f}s "
              f"{evaluation:>10.2f}s {evaluation / base_eval:>6.2f}x  {'yes' if same else 'NO'}")
        if not same:
            only = sorted(map(tuple, found["baseline"]))
            raise SystemExit("findings differ from the baseline's, e.g. "
                             f"{sorted(set(only) ^ set(map(tuple, found['current'])))[:5]}")


WARM_CHECK = [c for c in CHECK if c != "--no-cache"]


def warm_run(engine: Path, repo: Path) -> tuple[float, float, str]:
    """CPU seconds (the CLI and the processes it forks), wall seconds, and the output."""
    env = {**os.environ, "PYTHONPATH": str(engine), "CHARTER_CACHE_MAX_MIB": "8192"}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "charter", *WARM_CHECK], cwd=repo, env=env,
                            capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode not in (0, 1):
        raise SystemExit(f"{engine}: exit {result.returncode}\n{result.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, wall, result.stdout


def measure_warm(versions: int, rules: int, runs: int, baseline: Path, keep: Path | None
                 ) -> None:
    with tempfile.TemporaryDirectory() as folder:
        repo = kept_repo(folder, keep, versions, rules)
        best, out = interleaved(repo, baseline, runs, warm_run, fill=True)
        same = out["baseline"] == out["current"]
        findings = len(json.loads(out["current"])["findings"])
        (base_cpu, base_wall), (cur_cpu, cur_wall) = best["baseline"], best["current"]
        print(f"{versions:>9} {rules:>5} {findings:>9} {base_cpu:>10.2f}s "
              f"{cur_cpu:>10.2f}s {cur_cpu / base_cpu:>7.2f}x {base_wall:>10.2f}s "
              f"{cur_wall:>10.2f}s {cur_wall / base_wall:>7.2f}x  {'yes' if same else 'NO'}")
        if not same:
            raise SystemExit("the output differs from the baseline's")


def measure(versions: int, rules: int, runs: int, baseline: Path, layout: str,
            keep: Path | None) -> None:
    with tempfile.TemporaryDirectory() as folder:
        repo = (kept_repo(folder, keep, versions, rules) if layout == "split"
                else make_repo(Path(folder) / "repo", versions, rules))
        best, found = interleaved(repo, baseline, runs, run)
        same = found["baseline"] == found["current"]
        (base_cpu, base_wall), (cur_cpu, cur_wall) = best["baseline"], best["current"]
        print(f"{versions:>9} {rules:>5} {len(found['current']):>9} {base_cpu:>10.2f}s "
              f"{cur_cpu:>10.2f}s {cur_cpu / base_cpu:>7.2f}x {base_wall:>10.2f}s "
              f"{cur_wall:>10.2f}s {cur_wall / base_wall:>7.2f}x  {'yes' if same else 'NO'}")
        if not same:
            only = sorted(set(found["baseline"]) ^ set(found["current"]))[:5]
            raise SystemExit(f"findings differ from the baseline's, e.g. {only}")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--versions", default="10000", help="comma-separated sizes")
    parser.add_argument("--rules", type=int, default=50)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--baseline", default=BASELINE, help="commit to compare with")
    parser.add_argument("--evaluation", action="store_true",
                        help="split layout, warm: gate and evaluate_policies CPU time")
    parser.add_argument("--warm", action="store_true",
                        help="split layout, warm: the CLI's CPU time, outputs byte-identical")
    parser.add_argument("--keep", type=Path, help="keep the generated repositories here")
    parser.add_argument("--layout", choices=["single", "split"], default="single",
                        help="the inventory's layout for the no-cache measure (split: one "
                        "file per model and dataset, kept with --keep; a single models.yaml "
                        "holds at most ~92,000 versions)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        checkout = Path(folder) / "baseline"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "-q", "--detach",
                        str(checkout), args.baseline], check=True)
        try:
            sizes = [int(v) for v in args.versions.split(",")]
            if args.evaluation:
                print(f"{'versions':>9} {'rules':>5} {'findings':>9} {'base gate':>11} "
                      f"{'gate':>11} {'ratio':>7} {'base eval':>11} {'eval':>11} {'ratio':>7}"
                      "  same findings")
                for versions in sizes:
                    measure_evaluation(versions, args.rules, args.runs, checkout / "engine",
                                       args.keep)
                return
            print(f"{'versions':>9} {'rules':>5} {'findings':>9} {'base cpu':>11} "
                  f"{'cpu':>11} {'ratio':>8} {'base wall':>11} {'wall':>11} {'ratio':>8}"
                  "  same " + ("output" if args.warm else "findings"))
            if args.warm:
                for versions in sizes:
                    measure_warm(versions, args.rules, args.runs, checkout / "engine",
                                 args.keep)
                return
            for versions in sizes:
                measure(versions, args.rules, args.runs, checkout / "engine", args.layout,
                        args.keep)
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force",
                            str(checkout)], check=True)


if __name__ == "__main__":
    main()
