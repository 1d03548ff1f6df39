"""History benchmark: `charter history` on a generated repository against a `git log -p` floor.

The repository has 5,000 commits to models.yaml (1,000 model versions across 100 models, each
added, promoted through staging to production with a validation and a deployment, its
predecessor retired, its record touched while in development) and a few policy changes. It is
written with one `git fast-import`, so it builds in seconds. Both timings come from this run,
as wall-clock time and as CPU time (steadier on a shared machine). With `--repeat N` the floor
and the uncached history run N times, one after the other, and the least time of each is
compared (on a busy machine a run's time only ever grows):

    .venv/bin/python bench/history.py [--commits 5000] [--versions 1000] [--repeat 1]
                                      [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

ENGINE = Path(__file__).resolve().parents[1] / "engine"
HEADER = """\
charter: 1
teams:
  ds: {members: [dana, ravi]}
  model-risk: {members: [vera, victor], validates: true}
  data-eng: {members: [kim]}
datasets:
  raw-events:
    owner: data-eng
    contains_pii: true
    pii_columns: [customer_id]
    source_system: events
    versions:
      "2024-01": {path: data/raw.csv, sha256: "RAW"}
  features:
    owner: ds
    contains_pii: false
    versions:
      "2024-01": {path: data/features.csv, sha256: "FEATURES", derived_from: [raw-events@2024-01]}
  holdout:
    owner: ds
    contains_pii: false
    versions:
      "2024-01": {path: data/holdout.csv, sha256: "HOLDOUT", derived_from: [raw-events@2024-01]}
models:
""".replace("RAW", "1" * 64).replace("FEATURES", "2" * 64).replace("HOLDOUT", "3" * 64)
POLICY = """\
charter: 1
rules:
  VAL-001:
    title: Production versions are validated and approved
    severity: error
    applies_to: version
    match: {stage: production}
    require: {field: validation.outcome, equals: approved}
  PERF-001:
    title: Models reach an AUC floor
    severity: %s
    applies_to: version
    match: {stage: [staging, production]}
    require: {field: evaluation.metrics.roc_auc, gte: %s}
"""


@dataclass
class Version:
    model: int
    number: int
    stage: str = "development"
    auc: float = 0.8
    validated: bool = False
    deployed: str | None = None
    text: str = ""

    @property
    def name(self) -> str:
        return f"1.{self.number}.0"

    def render(self) -> None:
        lines = [f'      "{self.name}":', f"        stage: {self.stage}",
                 "        algorithm: GradientBoostingClassifier",
                 f'        artifact: {{path: models/m{self.model}-{self.name}.skops, '
                 f'sha256: "{self.model:032x}{self.number:032x}"}}',
                 "        training_data: [features@2024-01]",
                 "        evaluation: {dataset: holdout@2024-01, target: y, "
                 f"metrics: {{roc_auc: {self.auc:.3f}}}}}"]
        if self.validated:
            lines.append("        validation: {by: vera, date: 2024-06-01, outcome: approved}")
        if self.deployed:
            lines.append(f"        deployments: [{{target: api-{self.model}, "
                         f"since: {self.deployed}}}]")
        if self.stage == "retired":
            lines.append("        retired: {date: 2025-01-01, reason: superseded}")
        self.text = "\n".join(lines) + "\n"


@dataclass
class Model:
    index: int
    versions: list[Version] = field(default_factory=list)

    def render(self) -> str:
        head = (f"  model-{self.index:03d}:\n    title: Model {self.index}\n    owner: ds\n"
                f"    risk_tier: {('high', 'medium', 'low')[self.index % 3]}\n"
                "    versions:\n")
        return head + "".join(v.text for v in self.versions)


def steps(models: list[Model], versions: int, commits: int) -> Iterator[tuple[str, int]]:
    """(commit message, model index) for each change, interleaved across models."""
    per_model = versions // len(models)
    plan: list[tuple[str, int, int]] = []
    for number in range(per_model):
        for model in models:
            for action in ("add", "tune", "staging", "validate", "production"):
                plan.append((action, model.index, number))
    for action, index, number in plan[:commits]:
        yield apply(models[index], action, number), index


def apply(model: Model, action: str, number: int) -> str:
    ref = f"model-{model.index:03d}@1.{number}.0"
    if action == "add":
        model.versions.append(Version(model.index, number))
        model.versions[-1].render()
        return f"Add {ref}"
    version = model.versions[number]
    if action == "tune":
        version.auc = 0.78 + (number % 7) / 100
    elif action == "staging":
        version.stage = "staging"
    elif action == "validate":
        version.validated = True
    else:
        version.stage = "production"
        version.deployed = "2024-06-02"
        for older in model.versions[:number]:
            if older.stage == "production":
                older.stage = "retired"
                older.render()
    version.render()
    return {"tune": "Tune", "staging": "Stage", "validate": "Validate",
            "production": "Promote"}[action] + f" {ref}"


def fast_import_stream(commits: int, versions: int) -> Iterator[bytes]:
    models = [Model(i) for i in range(100)]
    start = 1_700_000_000
    policy_every = max(commits // 4, 1)
    for n, (message, _index) in enumerate(steps(models, versions, commits), 1):
        text = HEADER + "".join(m.render() for m in models if m.versions)
        data = text.encode()
        files = [b"M 100644 inline models.yaml\n", b"data %d\n" % len(data), data, b"\n"]
        if n == 1 or n % policy_every == 0:
            floor = 0.75 + (n // policy_every) * 0.01
            rules = (POLICY % ("error", f"{floor:.2f}")).encode()
            files += [b"M 100644 inline policies/rules.yaml\n", b"data %d\n" % len(rules),
                      rules, b"\n"]
        when = start + n * 3600
        message = f"{message} (#{n})".encode()
        yield b"".join([
            b"commit refs/heads/main\n",
            b"author Dana <dana@example.com> %d +0000\n" % when,
            b"committer Dana <dana@example.com> %d +0000\n" % when,
            b"data %d\n" % len(message), message, b"\n", *files])


def build(root: Path, commits: int, versions: int) -> None:
    subprocess.run(["git", "init", "-q", "-b", "main", str(root)], check=True)
    process = subprocess.Popen(["git", "fast-import", "--quiet"], cwd=root,
                               stdin=subprocess.PIPE)
    assert process.stdin is not None
    for chunk in fast_import_stream(commits, versions):
        process.stdin.write(chunk)
    process.stdin.close()
    if process.wait() != 0:
        sys.exit("git fast-import failed")
    subprocess.run(["git", "reset", "-q", "--hard", "main"], cwd=root, check=True)
    subprocess.run(["git", "gc", "-q"], cwd=root, check=True)


@dataclass(frozen=True)
class Timing:
    wall: float
    cpu: float  # user + system time of the process and its children (git)

    def line(self, label: str, floor: Timing | None = None) -> str:
        out = f"{label:<36}{self.wall:7.2f} s wall {self.cpu:7.2f} s CPU"
        if floor is not None:
            out += (f"   {self.wall / floor.wall:5.2f}x floor (wall)  "
                    f"{self.cpu / floor.cpu:5.2f}x floor (CPU)")
        return out


def timed(command: list[str], root: Path, env: dict[str, str] | None = None) -> Timing:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, cwd=root, check=True, stdout=subprocess.DEVNULL, env=env)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Timing(wall, cpu)


def least(timings: list[Timing]) -> Timing:
    return Timing(min(t.wall for t in timings), min(t.cpu for t in timings))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commits", type=int, default=5000)
    parser.add_argument("--versions", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=1,
                        help="time the floor and the uncached history this many times each")
    parser.add_argument("--keep", type=Path, help="build the repository here and keep it")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        root = args.keep or Path(scratch) / "repo"
        load = os.getloadavg()[0]  # ratios measured on a busy machine are less steady
        started = time.perf_counter()
        build(root, args.commits, args.versions)
        print(f"built {args.commits} commits, {args.versions} versions in "
              f"{time.perf_counter() - started:.1f} s")
        env = {**os.environ, "PYTHONPATH": str(ENGINE)}
        charter = [sys.executable, "-m", "charter", "history", "--format", "json"]
        floors, colds = [], []
        for _ in range(max(args.repeat, 1)):
            floors.append(timed(["git", "log", "-p", "--", "models.yaml"], root))
            colds.append(timed([*charter, "--no-cache"], root, env))
        floor, cold = least(floors), least(colds)
        first = timed(charter, root, env)
        warm = timed(charter, root, env)
        print(floor.line("git log -p -- models.yaml (floor):"))
        print(cold.line("charter history, no cache:", floor))
        print(first.line("charter history, filling cache:", floor))
        print(warm.line("charter history, cached:", floor))
        runs = f" (least of {len(colds)} runs each)" if len(colds) > 1 else ""
        print(f"ratio: charter history (no cache) / git log -p = {cold.wall / floor.wall:.2f} "
              f"(wall), {cold.cpu / floor.cpu:.2f} (CPU){runs}; the target is <= 1.5")
        print(f"machine load (1-minute average): {load:.2f} before, {os.getloadavg()[0]:.2f} "
              f"after, on {os.cpu_count()} cores")

if __name__ == "__main__":
    main()
