"""Evidence benchmark on a generated evaluation set (1,000,000 rows by default).

First `charter evidence --no-cache` end to end, in a git repository holding one production
model whose evaluation set has `--rows` rows and whose monitoring compares two CSVs of as many
rows, against the floor measured in the same run: a process that reads the same CSVs with
pandas, loads the model with skops and calls `predict_proba` once. Both are separate processes
(imports included); the figure is the best of `--repeats` runs of each, wall and CPU time.

With `--stages`, then the time of each stage (load, predict, metrics, fairness, drift), and
our fairness and PSI computations against baselines measured in the same run, as ratios:
- fairness: fairlearn's MetricFrame (selection rate, TPR, FPR, accuracy by group) plus its
  demographic parity and equalized odds functions, on the same predictions and groups;
- PSI: a textbook pandas implementation (pd.cut on the reference deciles, value_counts).
A ratio above 1 means the baseline takes longer than we do.

    python bench/evidence.py [--rows N] [--repeats 3] [--stages]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "engine"))

from charter.evidence.drift import EMPTY_BIN_SHARE, drift_report
from charter.evidence.fairness import fairness_table
from charter.evidence.files import FileStore
from charter.evidence.frames import read_frame
from charter.evidence.measure import compute_metrics, measurable, predict

T = TypeVar("T")
NUMERIC = ["income", "debt_ratio", "utilization", "history_years", "open_accounts", "amount"]
CATEGORICAL = ["employment", "purpose"]
FEATURES = NUMERIC + CATEGORICAL
SENSITIVE = ["sex", "age_band"]


def generate(n: int, seed: int, shift: float = 0.0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({
        "income": rng.lognormal(10.8, 0.4, n).round(2),
        "debt_ratio": (rng.beta(2, 5, n) + shift).round(4),
        "utilization": rng.uniform(0, 1, n).round(4),
        "history_years": rng.gamma(3, 3, n).round(1),
        "open_accounts": rng.poisson(4, n),
        "amount": rng.lognormal(9, 0.6, n).round(2),
        "employment": rng.choice(["salaried", "self", "none"], n, p=[0.7, 0.2, 0.1]),
        "purpose": rng.choice(["car", "home", "debt", "other"], n),
        "sex": rng.choice(["F", "M"], n),
        "age_band": rng.choice(["18-30", "31-50", "51+"], n, p=[0.3, 0.5, 0.2]),
    })
    logit = (4 * frame["debt_ratio"] + 1.5 * frame["utilization"] - 0.1 * frame["history_years"]
             + np.where(frame["employment"] == "none", 1.0, 0.0) - 2.5)
    frame["defaulted"] = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    return frame


def timed(label: str, timings: dict[str, float], function: Callable[[], T]) -> T:
    start = time.perf_counter()
    value = function()
    timings[label] = time.perf_counter() - start
    return value


def best_of(repeats: int, function: Callable[[], Any]) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def train_model(folder: Path) -> Path:
    import skops.io as sio
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    data = generate(50_000, 1)
    model = Pipeline([("prep", ColumnTransformer([
        ("num", StandardScaler(), NUMERIC),
        ("cat", OneHotEncoder(handle_unknown="ignore"), CATEGORICAL)])),
        ("model", LogisticRegression(max_iter=500))])
    model.fit(data[FEATURES], data["defaulted"])
    path = folder / "model.skops"
    sio.dump(model, path)
    return path


def fairlearn_baseline(truth: np.ndarray, predicted: np.ndarray, groups: np.ndarray
                       ) -> pd.DataFrame:
    from fairlearn.metrics import (
        MetricFrame,
        demographic_parity_difference,
        demographic_parity_ratio,
        equalized_odds_difference,
        false_positive_rate,
        selection_rate,
        true_positive_rate,
    )
    from sklearn.metrics import accuracy_score

    table = MetricFrame(metrics={"selection_rate": selection_rate, "tpr": true_positive_rate,
                                 "fpr": false_positive_rate, "accuracy": accuracy_score},
                        y_true=truth, y_pred=predicted, sensitive_features=groups).by_group
    demographic_parity_difference(truth, predicted, sensitive_features=groups)
    demographic_parity_ratio(truth, predicted, sensitive_features=groups)
    equalized_odds_difference(truth, predicted, sensitive_features=groups)
    return table


def pandas_psi(reference: pd.Series, current: pd.Series) -> float:
    edges = np.unique(reference.quantile(np.linspace(0, 1, 11)).to_numpy())
    edges[0], edges[-1] = -np.inf, np.inf
    # right=False: a value equal to a cut point falls in the upper bin, as in ours
    r = pd.cut(reference, edges, right=False).value_counts(normalize=True, sort=False)
    c = pd.cut(current, edges, right=False).value_counts(normalize=True, sort=False)
    r, c = r.clip(lower=EMPTY_BIN_SHARE), c.clip(lower=EMPTY_BIN_SHARE)
    return float(((c - r) * np.log(c / r)).sum())


ENGINE = Path(__file__).resolve().parents[1] / "engine"
FLOOR = """
import sys
import pandas as pd
import skops.io as sio
frames = [pd.read_csv(path) for path in sys.argv[2:]]
model = sio.load(sys.argv[1], trusted=sio.get_untrusted_types(file=sys.argv[1]))
model.predict_proba(frames[0][{features!r}])
"""


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def repository(root: Path, rows: int) -> list[Path]:
    """A repository whose production model is measured on `rows` rows; the CSVs it reads."""
    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)

    (root / "data").mkdir(parents=True)
    csvs = [root / "data" / f"{name}.csv" for name in ("holdout", "reference", "live")]
    generate(rows, 2).to_csv(csvs[0], index=False)
    generate(rows, 4).to_csv(csvs[1], index=False)
    generate(rows, 3, shift=0.05).to_csv(csvs[2], index=False)
    model = train_model(root)
    datasets = "".join(f"""\
  {path.stem}:
    owner: ds
    contains_pii: true
    versions:
      "1": {{path: data/{path.name}, sha256: {sha256(path)}}}
""" for path in csvs)
    (root / "models.yaml").write_text(f"""\
charter: 1
teams:
  ds: {{members: [ana]}}
  mrm: {{members: [val], validates: true}}
datasets:
{datasets}models:
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
        evaluation:
          dataset: holdout@1
          target: defaulted
          metrics: {{roc_auc: 0.7}}
          sensitive_features: [{", ".join(SENSITIVE)}]
        monitoring: {{reference: reference@1, current: live@1}}
""")
    git("init", "-q", "-b", "main")
    git("add", "-A")
    git("-c", "user.name=bench", "-c", "user.email=bench@example.com", "commit", "-qm", "model")
    return [root / model.name, *csvs]


def measured(command: list[str], cwd: Path) -> tuple[float, float]:
    """Wall and CPU seconds of one child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, check=False, capture_output=True,
                   env={**os.environ, "PYTHONPATH": str(ENGINE)})
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def end_to_end(rows: int, repeats: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "repo"
        print(f"generating a repository with {rows:,} evaluation rows and two monitoring "
              f"CSVs of {rows:,} rows ...")
        model, *csvs = repository(root, rows)
        floor_script = FLOOR.format(features=FEATURES)
        floor_command = [sys.executable, "-c", floor_script, str(model),
                         *(str(c) for c in csvs)]
        charter_command = [sys.executable, "-m", "charter", "evidence", "--no-cache",
                           "--format", "json"]
        floors, ours = [], []
        for _ in range(repeats):
            floors.append(measured(floor_command, root))
            ours.append(measured(charter_command, root))
        check = subprocess.run(charter_command, cwd=root, capture_output=True, text=True,
                               env={**os.environ, "PYTHONPATH": str(ENGINE)})
    if check.returncode not in (0, 1):
        raise SystemExit(f"charter evidence failed:\n{check.stderr}")
    floor_wall, floor_cpu = min(w for w, _ in floors), min(c for _, c in floors)
    our_wall, our_cpu = min(w for w, _ in ours), min(c for _, c in ours)
    print(f"\n`charter evidence --no-cache` on {rows:,} rows (best of {repeats}, processes "
          "with their imports)")
    print(f"  floor (pandas.read_csv x{len(csvs)}, skops load, one predict_proba): "
          f"wall {floor_wall:.2f} s, CPU {floor_cpu:.2f} s")
    print(f"  charter evidence: wall {our_wall:.2f} s, CPU {our_cpu:.2f} s")
    print(f"  ratio to the floor: wall {our_wall / floor_wall:.2f}x, "
          f"CPU {our_cpu / floor_cpu:.2f}x")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--stages", action="store_true",
                        help="also time each stage and compare with fairlearn and pandas")
    args = parser.parse_args()
    rows = args.rows
    end_to_end(rows, args.repeats)
    if not args.stages:
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        print(f"generating {rows:,} evaluation rows and {rows:,} live rows ...")
        generate(rows, 2).to_parquet(folder / "holdout.parquet", index=False)
        generate(rows, 2).to_csv(folder / "holdout.csv", index=False)
        generate(rows, 3, shift=0.05).to_parquet(folder / "live.parquet", index=False)
        model_path = train_model(folder)
        run(folder, model_path, rows)
    return 0


def run(folder: Path, model_path: Path, rows: int) -> None:
    from charter.evidence.artifacts import load_artifact

    timings: dict[str, float] = {}
    columns = {**{f: "feature" for f in FEATURES}, **{s: "sensitive" for s in SENSITIVE},
               "defaulted": "target"}
    with FileStore(folder) as files:
        parquet = timed("hash parquet (sha256)", timings, lambda: files.fetch("holdout.parquet"))
        csv = files.fetch("holdout.csv")
        timed("load csv", timings, lambda: read_frame(csv, "csv", columns))
        frame = timed("load parquet", timings, lambda: read_frame(parquet, "parquet", columns))
        model = files.fetch(model_path.name)
        loaded = timed("load model (skops)", timings,
                       lambda: load_artifact(model, "skops", folder, (), ()))
        predictions = timed("predict", timings, lambda: predict(
            loaded.estimator, frame, FEATURES, "defaulted", "classification"))
        timed("metrics (7)", timings, lambda: compute_metrics(predictions,
                                                              measurable("classification")))
        timed("fairness (2 features)", timings, lambda: [fairness_table(
            predictions.truth, predictions.predicted, frame[s]) for s in SENSITIVE])
        live = read_frame(files.fetch("live.parquet"), "parquet", columns)
        report = timed("drift (8 features)", timings,
                       lambda: drift_report(frame, live, FEATURES))
    print(f"\nevidence stages on {rows:,} rows")
    for label, seconds in timings.items():
        print(f"  {label:<24} {seconds:8.3f} s")
    print(f"  (drifted: {report['drifted_features']}, share {report['share_drifted']})")

    groups = frame["age_band"]
    ours = best_of(3, lambda: fairness_table(predictions.truth, predictions.predicted, groups))
    theirs = best_of(3, lambda: fairlearn_baseline(predictions.truth, predictions.predicted,
                                                   groups.to_numpy()))
    print("\nagainst baselines (best of 3, same data)")
    print(f"  fairness, one feature: ours {ours:.3f} s, fairlearn MetricFrame + metrics "
          f"{theirs:.3f} s: ratio {theirs / ours:.1f}x")
    from charter.evidence.drift import numeric_bins, psi_from_counts
    from charter.evidence.ordered import bin_counts, present_sorted

    reference = frame["debt_ratio"].to_numpy(dtype=float)
    current = live["debt_ratio"].to_numpy(dtype=float)

    def our_psi() -> float:
        ref, cur = present_sorted(reference), present_sorted(current)
        cuts = numeric_bins(ref[0])
        return psi_from_counts(bin_counts(*ref, cuts), bin_counts(*cur, cuts))

    ours = best_of(3, our_psi)
    theirs = best_of(3, lambda: pandas_psi(frame["debt_ratio"], live["debt_ratio"]))
    print(f"  PSI, one feature: ours {ours:.3f} s, pandas.cut + value_counts {theirs:.3f} s: "
          f"ratio {theirs / ours:.1f}x (values: ours {our_psi():.6f}, pandas "
          f"{pandas_psi(frame['debt_ratio'], live['debt_ratio']):.6f})")

if __name__ == "__main__":
    raise SystemExit(main())
