"""Evidence at scale: time and peak memory of each backend as the rows grow.

For each size in `--rows` (default 200,000; the issue's sizes are 1000000,10000000,50000000)
it generates, in 1M-row chunks, an evaluation set and a shifted monitoring set as Parquet,
then measures in a separate process per backend the evaluation (metrics, fairness, permutation
importance) plus the drift of four features:
- pandas, whole: the files read into memory (the default below settings.evidence.stream_above_mb);
- pandas, streamed: record batches folded into counts and sums;
- Spark local[2]: wall time, the Python driver's peak RSS and the JVM's (driver and, in local
  mode, the executors too; its heap is capped by spark.driver.memory).
Then each backend's growth between consecutive sizes (time and peak memory ratios), and the
figures of every backend checked equal. The model is a depth-6 decision tree (at most 64
distinct scores) and the features are rounded, as real data is: the streamed path holds one
count per distinct value, so its memory is flat in the rows.

    python bench/evidence_scale.py [--rows 1000000,10000000,50000000] [--modes whole,streamed,spark]
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "engine"))

FEATURES = ["x1", "x2", "x3"]
TRUSTED = ("sklearn.tree._tree.Tree",)
CHUNK = 1_000_000


def generate(path: Path, rows: int, seed: int, shift: float) -> None:
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(seed)
    writer = None
    for start in range(0, rows, CHUNK):
        n = min(CHUNK, rows - start)
        x1 = rng.normal(shift, 1, n).round(2)
        x2 = rng.integers(0, 100, n)
        x3 = rng.uniform(0, 1, n).round(3)
        group = rng.choice(["a", "b", "c"], n, p=[0.8, 0.15, 0.05])
        logit = 1.2 * x1 - 0.02 * (x2 - 50) + 2 * (x3 - 0.5) - 1
        y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(np.int64)
        table = pa.table({"x1": x1, "x2": x2, "x3": x3, "group": group, "y": y})
        if writer is None:
            writer = pq.ParquetWriter(path, table.schema)
        writer.write_table(table, row_group_size=256_000)
    assert writer is not None
    writer.close()


def prepare(folder: Path, rows: int) -> None:
    import numpy as np
    import pandas as pd
    import skops.io as sio
    from sklearn.tree import DecisionTreeClassifier

    generate(folder / "holdout.parquet", rows, 1, 0.0)
    generate(folder / "live.parquet", rows, 2, 0.2)
    rng = np.random.default_rng(0)
    train = pd.DataFrame({"x1": rng.normal(0, 1, 50_000).round(2),
                          "x2": rng.integers(0, 100, 50_000),
                          "x3": rng.uniform(0, 1, 50_000).round(3)})
    train["y"] = (rng.random(50_000) < 1 / (1 + np.exp(-(1.2 * train.x1 - 1)))).astype(int)
    model = DecisionTreeClassifier(max_depth=6, random_state=0).fit(train[FEATURES], train["y"])
    sio.dump(model, folder / "model.skops")


def fetched(path: Path) -> Any:
    import hashlib

    from charter.evidence.files import Fetched

    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return Fetched(path.name, path, digest.hexdigest(), path.stat().st_size)


def child(mode: str, folder: Path) -> None:
    """One backend on one dataset: the figures, wall time and peak memory, as JSON."""
    from charter.evidence.artifacts import load_artifact
    from charter.evidence.backends import Backend
    from charter.evidence.compute import _drift
    from charter.evidence.evaluation import EvaluationSpec, evaluate
    from charter.evidence.frames import read_frame

    backend = {"whole": Backend("pandas", stream_above_mb=1e12),
               "streamed": Backend("pandas", stream_above_mb=0),
               "spark": Backend("spark", "local[2]", trusted_types=TRUSTED)}[mode]
    if mode == "spark":
        from pyspark.sql import SparkSession

        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        (SparkSession.builder.master("local[2]").config("spark.ui.enabled", "false")
         .config("spark.ui.showConsoleProgress", "false")
         .config("spark.driver.memory", "2g").config("spark.sql.shuffle.partitions", "8")
         .getOrCreate().sparkContext.setLogLevel("ERROR"))
    holdout, live, artifact = (fetched(folder / n) for n in ("holdout.parquet",
                                                             "live.parquet", "model.skops"))
    spec = EvaluationSpec(artifact=artifact, artifact_format="skops", data=holdout,
                          data_format="parquet", features=tuple(FEATURES), target="y",
                          task=None, sensitive_features=("group",))
    start = time.perf_counter()
    result = evaluate(spec, lambda f, fmt: load_artifact(f, fmt, folder, TRUSTED, ()),
                      read_frame, True, backend)
    drift = _drift(holdout, live, ["parquet", "parquet"], [*FEATURES, "group"], 0.25,
                   read_frame, backend)
    seconds = time.perf_counter() - start
    jvm = _children_peak_kb()
    figures = {"metrics": result.get("metrics"), "fairness": result.get("fairness"),
               "drift": drift.get("features"), "error": result.get("error")}
    print(json.dumps({"seconds": seconds, "figures": figures, "jvm_peak_mb": jvm / 1024,
                      "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


def _children_peak_kb() -> float:
    """Peak RSS (VmHWM) of this process's living children: the JVM of a Spark session."""
    peak = 0.0
    for task in Path(f"/proc/{os.getpid()}/task").iterdir():
        for pid in (task / "children").read_text().split():
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            for line in status.splitlines():
                if line.startswith("VmHWM:"):
                    peak = max(peak, float(line.split()[1]))
    return peak


def measure(mode: str, folder: Path) -> dict[str, Any]:
    run = subprocess.run([sys.executable, __file__, "--child", mode, str(folder)],
                         capture_output=True, text=True, check=False)
    if run.returncode:
        raise SystemExit(f"{mode} failed:\n{run.stderr[-3000:]}")
    found: dict[str, Any] = json.loads(run.stdout.strip().splitlines()[-1])
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rows", default="200000",
                        help="comma-separated sizes (default 200000)")
    parser.add_argument("--modes", default="whole,streamed,spark")
    parser.add_argument("--child", nargs=2, metavar=("MODE", "DIR"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], Path(args.child[1]))
        return 0
    sizes = [int(s) for s in args.rows.split(",")]
    modes = args.modes.split(",")
    table: dict[int, dict[str, dict[str, Any]]] = {}
    for rows in sizes:
        with tempfile.TemporaryDirectory(prefix="charter-scale-") as scratch:
            folder = Path(scratch)
            print(f"generating {rows:,} evaluation rows and {rows:,} monitoring rows ...",
                  flush=True)
            prepare(folder, rows)
            table[rows] = {}
            for mode in modes:
                table[rows][mode] = found = measure(mode, folder)
                jvm = f", JVM peak {found['jvm_peak_mb']:,.0f} MB" if mode == "spark" else ""
                print(f"  {mode:<9} {found['seconds']:8.1f} s   peak RSS "
                      f"{found['peak_mb']:8,.0f} MB{jvm}", flush=True)
            reference = table[rows][modes[0]]["figures"]
            for mode in modes[1:]:
                same = _close(table[rows][mode]["figures"], reference)
                print(f"  figures of {mode} equal {modes[0]}'s: {same}")
    _growth(sizes, modes, table)
    return 0


def _growth(sizes: list[int], modes: list[str], table: dict[int, dict[str, Any]]) -> None:
    print("\ngrowth between sizes (ratio of the larger size's figure to the smaller's)")
    for small, large in itertools.pairwise(sizes):
        print(f"  {small:,} -> {large:,} rows (x{large / small:g}):")
        for mode in modes:
            a, b = table[small][mode], table[large][mode]
            jvm = (f", JVM peak x{b['jvm_peak_mb'] / a['jvm_peak_mb']:.2f}"
                   if mode == "spark" and a["jvm_peak_mb"] else "")
            print(f"    {mode:<9} time x{b['seconds'] / a['seconds']:.2f}, "
                  f"peak RSS x{b['peak_mb'] / a['peak_mb']:.2f}{jvm}")


def _close(a: Any, b: Any) -> bool:
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_close(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_close(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and isinstance(b, float):
        return abs(a - b) <= 1e-9
    return bool(a == b)


if __name__ == "__main__":
    sys.exit(main())
