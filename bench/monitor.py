"""Monitoring benchmark: one `charter monitor` over 12 live partitions of 1,000,000 rows each.

A git repository holds one production model whose live data arrives in daily partitions, the
labels one day later, the last two days still unlabelled. One `charter monitor --since DAY1
--as-of DAY12` process runs the twelve daily runs the schedule would have made (drift of 8
features against a reference of as many rows, ROC AUC on the labelled partition, twelve ledger
records), against two floors measured in the same run:
- the read floor: a process that reads the same twelve partitions with pandas, one at a time;
- the model floor: the same reads plus the model's own `predict_proba` on each labelled
  partition, once (the work no monitoring of this model can skip).
Every measure is a separate process (imports included); the figures are the best of
`--repeats` runs of each: wall time, CPU time and peak resident memory, with the peak of a
process reading a single partition for scale. Both file formats are measured by default: the
model's cost is the same for both, but a Parquet read is several times cheaper than a CSV one.

    python bench/monitor.py [--rows N] [--partitions 12] [--format both|parquet|csv]
                            [--repeats 3]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from evidence import FEATURES, generate, sha256, train_model  # bench/evidence.py

ENGINE = Path(__file__).resolve().parents[1] / "engine"
FIRST_DAY = dt.date(2026, 1, 1)
UNLABELLED = 2
# Runs the command given; prints its wall and CPU seconds and peak resident memory (KiB).
WRAPPER = """
import resource, subprocess, sys, time
start = time.perf_counter()
done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
wall = time.perf_counter() - start
if done.returncode:
    sys.exit(done.stderr.decode()[-2000:])
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss)
"""
FLOOR = """
import sys
import pandas as pd
read = pd.read_parquet if sys.argv[1] == "parquet" else pd.read_csv
for path in sys.argv[2:]:
    frame = read(path)
    del frame
"""
MODEL_FLOOR = """
import sys
import pandas as pd
import skops.io as sio
read = pd.read_parquet if sys.argv[1] == "parquet" else pd.read_csv
model = sio.load(sys.argv[2], trusted=sio.get_untrusted_types(file=sys.argv[2]))
features = sys.argv[3].split(",")
for path in sys.argv[4:]:
    frame = read(path)
    if "defaulted" in frame.columns:
        model.predict_proba(frame[features])
    del frame
"""


def write(frame: object, path: Path, fmt: str) -> None:
    if fmt == "parquet":
        frame.to_parquet(path, index=False)  # type: ignore[attr-defined]
    else:
        frame.to_csv(path, index=False)  # type: ignore[attr-defined]


def repository(root: Path, rows: int, partitions: int, fmt: str) -> list[Path]:
    """A monitored model and its live partitions; returns the partitions."""
    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)

    (root / "data/live").mkdir(parents=True)
    columns = [*FEATURES, "defaulted"]
    reference = root / f"data/reference.{fmt}"
    write(generate(rows, 4)[columns], reference, fmt)
    paths = []
    for k in range(partitions):
        day = FIRST_DAY + dt.timedelta(days=k)
        frame = generate(rows, 100 + k, shift=0.01 * k)[columns]
        if k >= partitions - UNLABELLED:
            frame = frame.drop(columns=["defaulted"])
        paths.append(root / f"data/live/{day}.{fmt}")
        write(frame, paths[-1], fmt)
    model = train_model(root)
    (root / "models.yaml").write_text(f"""\
charter: 1
teams:
  ds: {{members: [ana]}}
  mrm: {{members: [val], validates: true}}
datasets:
  reference:
    owner: ds
    contains_pii: false
    versions:
      "1": {{path: data/{reference.name}, sha256: {sha256(reference)}}}
models:
  credit:
    title: Credit default
    owner: ds
    risk_tier: high
    task: classification
    versions:
      "1.0.0":
        stage: production
        features: [{", ".join(FEATURES)}]
        artifact: {{path: {model.name}, sha256: {sha256(model)}}}
        evaluation: {{dataset: reference@1, target: defaulted, metrics: {{roc_auc: 0.7}}}}
        monitoring:
          reference: reference@1
          every_days: 1
          live: {{path: "data/live/{{period}}.{fmt}", label_delay_days: 1}}
          checks:
            drift: {{psi: {{amber: 0.1, red: 0.25}}}}
            performance: {{metric: roc_auc, decay: {{amber: 0.02, red: 0.05}}}}
""")
    git("init", "-q", "-b", "main")
    git("add", "-A")
    git("-c", "user.name=bench", "-c", "user.email=bench@example.com", "commit", "-qm", "model")
    return paths


def measured(command: list[str], cwd: Path) -> tuple[float, float, int]:
    """Wall and CPU seconds and peak resident memory (MiB) of one child process."""
    out = subprocess.run([sys.executable, "-c", WRAPPER, *command], cwd=cwd, check=True,
                         capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(ENGINE)}).stdout.split()
    return float(out[0]), float(out[1]), int(out[2]) // 1024


def bench(rows: int, partitions: int, fmt: str, repeats: int) -> None:
    last = FIRST_DAY + dt.timedelta(days=partitions - 1)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "repo"
        root.mkdir()
        print(f"generating {partitions} {fmt} partitions of {rows:,} rows "
              "and a reference of as many ...")
        start = time.perf_counter()
        paths = repository(root, rows, partitions, fmt)
        print(f"  ({time.perf_counter() - start:.0f} s)")
        floor_command = [sys.executable, "-c", FLOOR, fmt, *map(str, paths)]
        model_command = [sys.executable, "-c", MODEL_FLOOR, fmt, str(root / "model.skops"),
                         ",".join(FEATURES), *map(str, paths)]
        one_command = [sys.executable, "-c", FLOOR, fmt, str(paths[0])]
        ours_command = [sys.executable, "-m", "charter", "monitor", "--since",
                        FIRST_DAY.isoformat(), "--as-of", last.isoformat()]
        floors, models, ours, ones = [], [], [], []
        for _ in range(repeats):
            floors.append(measured(floor_command, root))
            models.append(measured(model_command, root))
            ones.append(measured(one_command, root))
            subprocess.run(["git", "clean", "-fdxq", "monitoring"], cwd=root, check=True)
            ours.append(measured(ours_command, root))
        runs = sorted((root / "monitoring").glob("*/*/*.json"))
    if len(runs) != partitions:
        raise SystemExit(f"expected {partitions} ledger records, found {len(runs)}")
    floor_wall, floor_cpu, floor_memory = (min(m[i] for m in floors) for i in range(3))
    model_wall, model_cpu, model_memory = (min(m[i] for m in models) for i in range(3))
    our_wall, our_cpu, our_memory = (min(m[i] for m in ours) for i in range(3))
    one_memory = min(m[2] for m in ones)
    print(f"\n`charter monitor --since {FIRST_DAY} --as-of {last}`: {len(runs)} runs over "
          f"{partitions} partitions x {rows:,} rows ({fmt}; best of {repeats}, processes "
          "with their imports)")
    print(f"  read floor (pandas reads the {partitions} partitions, one at a time): "
          f"wall {floor_wall:.2f} s, CPU {floor_cpu:.2f} s, peak memory {floor_memory} MiB")
    print(f"  model floor (the same reads and one predict_proba per labelled partition): "
          f"wall {model_wall:.2f} s, CPU {model_cpu:.2f} s, peak memory {model_memory} MiB")
    print(f"  one partition read alone: peak memory {one_memory} MiB")
    print(f"  charter monitor: wall {our_wall:.2f} s, CPU {our_cpu:.2f} s, peak memory "
          f"{our_memory} MiB")
    print(f"  ratio to the read floor: wall {our_wall / floor_wall:.2f}x, CPU "
          f"{our_cpu / floor_cpu:.2f}x, memory {our_memory / floor_memory:.2f}x")
    print(f"  ratio to the model floor: wall {our_wall / model_wall:.2f}x, CPU "
          f"{our_cpu / model_cpu:.2f}x, memory {our_memory / model_memory:.2f}x")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--partitions", type=int, default=12)
    parser.add_argument("--format", choices=["both", "parquet", "csv"], default="both")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    for fmt in (["parquet", "csv"] if args.format == "both" else [args.format]):
        bench(args.rows, args.partitions, fmt, args.repeats)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
