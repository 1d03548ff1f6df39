"""Gate benchmark: full `charter validate` and `charter check` on a one-version pull request.

Prints, for generated inventories, the wall time of each command (run as a user runs it, in a
child process) next to the floor measured in the same run: parsing the inventory with libyaml
alone, which any tool that reads the whole of it pays. A pull-request check parses only the
entities the change touched (the base's parse is cached by content), so it should stay well
under both.

  python bench/gate.py [--versions 1000,10000] [--rules 50] [--layout single|split]
  python bench/gate.py --split-pr [--versions 1000,100000]   PR check touching one model file
      of a split inventory, warm: the time at each size, and the largest over the smallest
  python bench/gate.py --split-all [--versions 100000]       `check --all`, split inventory,
      evidence none, next to the parse floor of every file
  python bench/gate.py --cache-edits 100 [--versions 10000]  the cache folder's size after
      that many one-version edits of models.yaml, each loaded as a pull request would

The engine is byte-compiled first, as an installed package is (PYTHONDONTWRITEBYTECODE would
otherwise have every run compile it again). --keep DIR keeps the generated repositories of
--split-pr and --split-all there and reuses them (reset to their commit) on the next run.
"""

from __future__ import annotations

import argparse
import compileall
import contextlib
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import change_one_version, make_repo

ENGINE = Path(__file__).resolve().parents[1] / "engine"
CHECK = ["check", "--today", "2026-11-27", "--evidence", "none"]


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


@contextlib.contextmanager
def split_repo(versions: int, rules: int, keep: Path | None) -> Iterator[Path]:
    """A generated split repository: a new one, or the one kept under `keep`, reset."""
    if keep is None:
        with tempfile.TemporaryDirectory() as folder:
            yield make_repo(Path(folder) / "repo", versions, rules, "split")
        return
    root = keep / f"split-{versions}-{rules}"
    if (root / ".git").is_dir():
        for args in (["reset", "-q", "--hard"], ["clean", "-fdq"]):  # the cache is ignored
            subprocess.run(["git", *args], cwd=root, check=True)
    else:
        make_repo(root, versions, rules, "split")
    yield root


def inventory_paths(root: Path) -> list[Path]:
    return [root / "models.yaml", *sorted((root / "models").glob("*.yaml")),
            *sorted((root / "datasets").glob("*.yaml"))]


def parse_floor(root: Path) -> float:
    start = time.perf_counter()
    for path in inventory_paths(root):
        yaml.load(path.read_text(), Loader=yaml.CSafeLoader)
    return time.perf_counter() - start


def best_of(runs: int, measure: Callable[[], float]) -> float:
    return min(measure() for _ in range(runs))


def measure(versions: int, rules: int, runs: int, layout: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = make_repo(Path(folder) / "repo", versions, rules, layout)
        floor = best_of(runs, lambda: parse_floor(root))
        validate = best_of(runs, lambda: timed(["validate"], root))
        change_one_version(root)
        cold = timed([*CHECK, "--no-cache"], root)
        timed(CHECK, root)  # the base's parse is now cached, as on a CI runner with a cache
        warm = best_of(runs, lambda: timed(CHECK, root))
        print(f"{versions:>9} {rules:>5} {floor:>10.2f}s {validate:>8.2f}s {cold:>11.2f}s "
              f"{warm:>11.2f}s {warm / validate:>9.2f}x {warm / floor:>8.2f}x")


# The gate alone, in a process that has imported Charter already: its CPU time (with git's).
GATE_CPU = """
import datetime as dt, os, sys, time
from pathlib import Path
from charter.gate.judge import gate
from charter.gate.request import CheckOptions
base, head = (sys.argv[1:] + [None, None])[:2]
options = CheckOptions(root=Path.cwd(), base=base, head=head, today=dt.date(2026, 11, 27),
                       evidence="none")
def cpu():
    times = os.times()
    return time.process_time() + times.children_user + times.children_system
start = cpu()
gate(options)
print(cpu() - start)
"""


def gate_cpu(root: Path, *revisions: str) -> float:
    env = {**os.environ, "PYTHONPATH": str(ENGINE)}
    result = subprocess.run([sys.executable, "-c", GATE_CPU, *revisions], cwd=root, env=env,
                            capture_output=True, text=True, check=True)
    return float(result.stdout.split()[-1])


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=root, check=True, capture_output=True,
                          text=True).stdout.strip()


Measures = tuple[float, float, float, float]


def warm_pr_check(versions: int, rules: int, runs: int, keep: Path | None) -> Measures:
    """The pull request judged two ways: as a working tree edited since the last commit (a
    check before committing), and as its commit against the base (CI's check)."""
    with split_repo(versions, rules, keep) as root:
        changed = change_one_version(root, model=versions // 10)
        timed(CHECK, root)  # fills the cache, as an earlier run on the CI runner would have
        warm = best_of(runs, lambda: timed(CHECK, root))
        cpu = best_of(runs, lambda: gate_cpu(root))
        base = git(root, "rev-parse", "HEAD")
        git(root, "checkout", "-q", "--detach")  # the kept repository's branch stays put
        git(root, "commit", "-qam", "pull request")
        revisions = ["--base", base, "--head", "HEAD"]
        timed([*CHECK, *revisions], root)
        warm_commit = best_of(runs, lambda: timed([*CHECK, *revisions], root))
        cpu_commit = best_of(runs, lambda: gate_cpu(root, base, "HEAD"))
        git(root, "checkout", "-q", base)
        print(f"{versions:>9} {rules:>5} {changed:>24} {warm:>10.3f}s {cpu:>10.3f}s "
              f"{warm_commit:>10.3f}s {cpu_commit:>10.3f}s")
        return warm, cpu, warm_commit, cpu_commit


def split_pr(sizes: list[int], rules: int, runs: int, keep: Path | None) -> None:
    print(f"{'':>9} {'':>5} {'':>24} {'working tree':>23} {'commit (CI)':>23}")
    print(f"{'versions':>9} {'rules':>5} {'changed file':>24} {'warm check':>11} "
          f"{'gate CPU':>11} {'warm check':>11} {'gate CPU':>11}")
    load = os.getloadavg()[0]
    times = [warm_pr_check(v, rules, runs, keep) for v in sizes]
    small, large = times[0], times[-1]
    # the machine's load beside the figures: on a busy machine the git processes that run
    # beside the gate wait for a core, and the wall times say more of the load than of it
    print(f"load average (1 min) {load:.2f} at the start, {os.getloadavg()[0]:.2f} at the end, "
          f"{os.cpu_count()} cores")
    for label, wall, cpu in (("working tree", 0, 1), ("commit", 2, 3)):
        print(f"{label}: ratio {sizes[-1]:,} / {sizes[0]:,} versions: "
              f"{large[wall] / small[wall]:.2f}x wall, {large[cpu] / small[cpu]:.2f}x gate CPU "
              f"(target <= 1.2x); largest: {large[wall]:.3f}s (target <= 0.5s)")


def split_all(sizes: list[int], rules: int, keep: Path | None) -> None:
    print(f"{'versions':>9} {'rules':>5} {'parse floor':>11} {'--all, no cache':>16} "
          f"{'--all, warm':>12} {'/floor':>7}")
    for versions in sizes:
        with split_repo(versions, rules, keep) as root:
            floor = parse_floor(root)
            cold = timed([*CHECK, "--all", "--no-cache"], root)
            timed([*CHECK, "--all"], root)
            warm = timed([*CHECK, "--all"], root)
            print(f"{versions:>9} {rules:>5} {floor:>10.2f}s {cold:>15.2f}s {warm:>11.2f}s "
                  f"{cold / floor:>6.1f}x")


def cache_edits(versions: int, edits: int) -> None:
    sys.path.insert(0, str(ENGINE))
    from charter.inventory.snapshot import load_snapshot
    from charter.vcs.cache import Cache
    from charter.vcs.revisions import Revision

    with tempfile.TemporaryDirectory() as folder:
        root = make_repo(Path(folder) / "repo", versions, 1)
        cache_dir = Path(folder) / "cache"
        start = time.perf_counter()
        for edit in range(edits + 1):
            if edit:
                change_one_version(root, model=edit % (versions // 5))
                text = (root / "models.yaml").read_text()
                (root / "models.yaml").write_text(text.replace(
                    "roc_auc: 0.9999}", f"roc_auc: 0.{edit:04d}}}", 1))
            cache = Cache(cache_dir)  # a new run: nothing remembered but the folder
            load_snapshot(Revision.worktree(root), cache, lazy=True)
            cache.flush()
        elapsed = time.perf_counter() - start
        size = sum(p.stat().st_size for p in cache_dir.rglob("*") if p.is_file())
        inventory = (root / "models.yaml").stat().st_size
        print(f"{versions:,} versions ({inventory / 2**20:.1f} MiB models.yaml), {edits} edits "
              f"loaded in {elapsed:.1f}s: cache folder {size / 2**20:.1f} MiB "
              f"(target <= 64 MiB; {size / inventory:.2f}x the file)")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--versions")
    parser.add_argument("--rules", type=int, default=50)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--layout", choices=["single", "split"], default="single")
    parser.add_argument("--split-pr", action="store_true")
    parser.add_argument("--split-all", action="store_true")
    parser.add_argument("--cache-edits", type=int)
    parser.add_argument("--keep", type=Path, help="keep generated repositories here")
    args = parser.parse_args()
    compileall.compile_dir(ENGINE, quiet=1)
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
    if args.split_pr:
        split_pr([int(v) for v in (args.versions or "1000,100000").split(",")], args.rules,
                 args.runs, args.keep)
    elif args.split_all:
        split_all([int(v) for v in (args.versions or "100000").split(",")], args.rules,
                  args.keep)
    elif args.cache_edits:
        cache_edits(int(args.versions or 10000), args.cache_edits)
    else:
        print(f"{'versions':>9} {'rules':>5} {'parse floor':>11} {'validate':>9} "
              f"{'check (cold)':>12} {'check (warm)':>12} {'/validate':>10} {'/floor':>9}")
        for versions in [int(v) for v in (args.versions or "1000,10000").split(",")]:
            measure(versions, args.rules, args.runs, args.layout)


if __name__ == "__main__":
    main()
