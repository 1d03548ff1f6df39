"""The Spark backend: evidence counted by Apache Spark, figures by figures.py.

What runs where:
- executors read the Parquet data, load the hash-verified artifact once per Python worker
  with `artifacts.load_artifact` (the artifact's bytes are broadcast once, with the trust
  settings of the run: nothing is loaded that the driver would refuse), predict each Arrow
  batch in one pass (`mapInPandas`: predict_proba, and predict only where it is not the
  argmax), and reduce each batch to partial statistics: confusion counts, log-loss and Brier
  sums, rows per distinct score, grouped confusion counts, regression sums;
- Spark adds the partial statistics up. ROC AUC is exact: rows per distinct score are summed
  by score, and each positive's correctly ordered pairs come from a running sum of negatives
  in score order (a window over the distinct scores, on an executor);
- drift: order statistics at the ranks numpy's deciles read, rows per bin, the largest gaps
  between the two empirical distribution functions (a running sum over the distinct values),
  and category counts, all aggregated by Spark;
- the driver gathers only counts and sums (and, for permutation importance, the seeded
  sample of figures.importance_sample, read from the verified local copy of the data).
"""

from __future__ import annotations

import hashlib
import os
import sys
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from charter.evidence import figures
from charter.evidence.files import Fetched
from charter.evidence.frames import (
    _bounded_parquet_footer,
    _require,
    _within_columns,
)
from charter.evidence.problems import InputError

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd
    from pyspark.sql import Column, DataFrame, SparkSession

    from charter.evidence.artifacts import LoadedModel
    from charter.evidence.spec import EvaluationSpec

# Hadoop's names for the object stores fsspec calls otherwise.
HADOOP_SCHEMES = {"s3": "s3a", "gcs": "gs", "az": "abfs"}
PARTIALS = ("kind string, feature int, key_num double, key_str string, missing int, "
            "c0 long, c1 long, c2 long, c3 long, c4 long, s0 double, s1 double, s2 double, "
            "s3 double, error string")
_MODELS: dict[str, Any] = {}  # per Python worker: sha256 -> estimator


def session(master: str) -> SparkSession:
    """The running session, or a new one on `master`."""
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    builder = SparkSession.builder.master(master).appName("charter evidence")
    if master.startswith("local"):  # workers run this Python, which has Charter installed
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    return (builder.config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.sql.execution.arrow.pyspark.enabled", "true")
            .getOrCreate())


def location(fetched: Fetched) -> str:
    """Where Spark reads a dataset: the URI itself on a Hadoop file system, else the
    verified local copy."""
    if "://" in fetched.name:
        scheme, rest = fetched.name.split("://", 1)
        if scheme.lower() != "file" and scheme.lower() not in ("http", "https", "memory"):
            return f"{HADOOP_SCHEMES.get(scheme.lower(), scheme)}://{rest}"
    return str(fetched.path)


def _checked_schema(fetched: Fetched, columns: dict[str, str]) -> pd.DataFrame:
    """The columns as pandas reads them (an empty frame: its dtypes), after the same checks
    as a whole read."""
    import pyarrow.parquet as pq

    try:
        _bounded_parquet_footer(fetched)
        schema = pq.read_schema(fetched.path)
    except InputError:
        raise
    except Exception as exc:
        raise InputError("unreadable", f"{fetched.name}: cannot read as parquet: "
                         f"{type(exc).__name__}: {str(exc)[:200]}") from None
    _within_columns(fetched, len(schema.names))
    _require(fetched, schema.names, columns)
    empty: pd.DataFrame = schema.empty_table().to_pandas()
    return empty[list(dict.fromkeys(columns))]


def _read(spark: SparkSession, fetched: Fetched, columns: Sequence[str]) -> DataFrame:
    frame = spark.read.parquet(location(fetched)).select(*[_col(c) for c in columns])
    return frame


def _col(name: str) -> Column:
    from pyspark.sql import functions as F

    return F.col(f"`{name.replace('`', '``')}`")


# --- evaluation -----------------------------------------------------------------------------

def measure_spark(spec: EvaluationSpec, loaded: LoadedModel, features: Sequence[str],
                  task: str, master: str, trusted_types: Sequence[str] = (),
                  trusted_pickles: Sequence[str] = ()) -> dict[str, Any]:
    from pyspark.sql import functions as F

    from charter.evidence.batches import read_rows
    from charter.evidence.importance import MAX_ROWS
    from charter.evidence.spec import evaluation_result
    from charter.evidence.stream import _columns, sample_note

    columns = _columns(spec, features)
    dtypes = _checked_schema(spec.data, columns)
    spark = session(master)
    data = _read(spark, spec.data, list(dict.fromkeys(columns)))
    missing_target = data.filter(_missing(spec.target, data)).count()
    if missing_target:
        raise InputError("wrong-dtype", f"target column {spec.target!r} has "
                         f"{missing_target} missing values")
    artifact = spark.sparkContext.broadcast(
        (spec.artifact.path.read_bytes(), spec.artifact.sha256, spec.artifact_format,
         tuple(trusted_types), tuple(trusted_pickles)))
    recipe = (tuple(features), spec.target, task, spec.threshold, spec.positive_label,
              tuple(spec.sensitive_features))

    def partials_of(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        return _partials(batches, artifact.value, recipe)

    partials = data.mapInPandas(partials_of, PARTIALS).persist()
    try:
        small = partials.filter(F.col("kind").isin("n", "g", "e")).groupBy(
            "kind", "feature", "key_num", "key_str", "missing").agg(
            *[F.sum(f"c{i}").alias(f"c{i}") for i in range(5)],
            *[F.sum(f"s{i}").alias(f"s{i}") for i in range(2)],
            F.min("s2").alias("s2"), F.min("s3").alias("s3"),
            F.min("error").alias("error")).collect()
        errors = sorted(str(r["error"]) for r in small if r["kind"] == "e")
        if errors:
            code, message = errors[0].split(":", 1)
            raise InputError(code, message)
        if task == "regression":
            regression = partials.filter(F.col("kind") == "r").select(
                "c0", "s0", "s1", "s2", "s3").collect()
            stats: figures.BinaryStats | figures.RegressionStats = figures.merge_regression(
                [(int(r["c0"]), float(r["s0"]), float(r["s1"]), float(r["s2"]),
                  float(r["s3"])) for r in regression])
            rows, scored = stats.rows, False
        else:
            totals = next((r for r in small if r["kind"] == "n"), None)
            stats, scored = _binary(partials, totals)
            rows = stats.rows
        fairness = {} if task == "regression" else {
            name: figures.fairness_figures(_groups(small, i, dtypes[name].dtype))
            for i, name in enumerate(spec.sensitive_features)}
    finally:
        partials.unpersist()
    if not rows:
        raise InputError("empty", f"{spec.data.name}: the dataset has no rows")
    sample = figures.importance_sample(rows, MAX_ROWS)
    frame = read_rows(spec.data, "parquet", columns, sample) if spec.importance else None
    return evaluation_result(spec, loaded, features, task, rows, stats, fairness, scored, frame,
                             sample_note(rows, len(sample)))


def _missing(name: str, data: DataFrame) -> Column:
    from pyspark.sql import functions as F
    from pyspark.sql.types import DoubleType, FloatType

    column = _col(name)
    kind = data.schema[name].dataType
    return column.isNull() | F.isnan(column) if isinstance(kind, DoubleType | FloatType) \
        else column.isNull()


def _binary(partials: DataFrame, totals: Any) -> tuple[figures.BinaryStats, bool]:
    """Confusion counts and sums from `totals`; ROC AUC's pairs from the distinct scores."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    tn, fp, fn, tp = (int(totals[f"c{i}"] or 0) for i in range(4)) if totals else (0,) * 4
    scored = bool(totals is not None and totals["c4"])
    if not scored:
        return figures.BinaryStats(tp, fp, fn, tn), False
    finite = totals["s2"] == 1.0
    probabilities = totals["s3"] == 1.0
    pairs = None
    if finite:
        per_score = partials.filter(F.col("kind") == "s").groupBy("key_num").agg(
            F.sum("c0").alias("pos"), F.sum("c1").alias("neg"))
        before = Window.orderBy("key_num").rowsBetween(Window.unboundedPreceding, -1)
        counted = per_score.withColumn("below", F.coalesce(F.sum("neg").over(before),
                                                           F.lit(0)))
        wide = "decimal(38,0)"
        found = counted.select(F.sum(F.col("pos").cast(wide) * (
            F.col("below").cast(wide) * 2 + F.col("neg").cast(wide))).alias("t")).first()
        pairs = int(found["t"]) if found and found["t"] is not None else 0
    return figures.BinaryStats(tp, fp, fn, tn, pairs,
                               float(totals["s0"]) if probabilities else None,
                               float(totals["s1"]) if probabilities else None), True


def _groups(small: list[Any], index: int, dtype: Any) -> figures.GroupCounts:
    rows = [r for r in small if r["kind"] == "g" and r["feature"] == index]
    missing = [r for r in rows if r["missing"]]
    present = [r for r in rows if not r["missing"]]
    numeric = present and present[0]["key_str"] is None
    keyed = sorted(present, key=lambda r: r["key_num"] if numeric else r["key_str"])
    import numpy as np

    integer = numeric and getattr(dtype, "kind", "") in "iub" and isinstance(dtype, np.dtype)
    float_valued = bool(numeric and (dtype.kind == "f" or (integer and missing)))
    keys = [r["key_num"] if numeric else r["key_str"] for r in keyed]
    if numeric and not float_valued:
        keys = [int(k) for k in keys]
    names = figures.group_names(keys, float_valued)
    if missing:
        keyed.append(missing[0])
        names.append(figures.MISSING_GROUP)
    return figures.GroupCounts(tuple(names), *(tuple(int(r[f"c{j}"]) for r in keyed)
                                               for j in range(5)))


def _estimator(payload: tuple[bytes, str, str, tuple[str, ...], tuple[str, ...]]) -> Any:
    """The artifact, loaded once per Python worker with the run's own loader and trust."""
    from charter.evidence.artifacts import load_artifact

    content, sha256, fmt, trusted_types, trusted_pickles = payload
    if sha256 not in _MODELS:
        if hashlib.sha256(content).hexdigest() != sha256:
            raise InputError("hash-mismatch", "the broadcast artifact is not the verified one")
        with tempfile.TemporaryDirectory(prefix="charter-spark-") as scratch:
            path = Path(scratch) / f"model.{fmt}"
            path.write_bytes(content)
            fetched = Fetched(path.name, path, sha256, len(content))
            _MODELS[sha256] = load_artifact(fetched, fmt, Path(scratch), trusted_types,
                                            trusted_pickles).estimator
    return _MODELS[sha256]


def _partials(batches: Iterator[pd.DataFrame], payload: Any, recipe: Any
              ) -> Iterator[pd.DataFrame]:
    from charter.evidence.measure import predict

    features, target, task, threshold, positive, sensitive = recipe
    try:
        estimator = _estimator(payload)
    except InputError as exc:
        yield _error(exc)
        return
    for batch in batches:
        try:
            p = predict(estimator, batch, features, target, task, threshold, positive)
        except InputError as exc:
            yield _error(exc)
            return
        if task == "regression":
            one = figures.regression_stats(p.truth, p.predicted)
            yield _rows("r", c0=[one.rows], s0=[float(p.truth.mean())],
                        s1=[one.truth_centred_squares], s2=[one.absolute_error_sum],
                        s3=[one.squared_error_sum])
            continue
        yield _classification(p)
        for index, name in enumerate(sensitive):
            yield _group_rows(index, p.truth, p.predicted, batch[name])


def _classification(p: Any) -> pd.DataFrame:
    import numpy as np
    import pandas as pd

    stats = figures.binary_stats(p.truth, p.predicted, p.score)
    totals = {"c0": [stats.tn], "c1": [stats.fp], "c2": [stats.fn], "c3": [stats.tp],
              "c4": [int(p.score is not None)]}
    if p.score is None:
        return _rows("n", **totals)
    score = np.asarray(p.score, dtype=float)
    finite = bool(np.all(np.isfinite(score)))
    frames = [_rows("n", **totals, s0=[stats.log_loss_sum], s1=[stats.brier_sum],
                    s2=[1.0 if finite else 0.0],
                    s3=[1.0 if stats.log_loss_sum is not None else 0.0])]
    if finite:
        values, positives, negatives = figures.score_counts(p.truth, score)
        frames.append(_rows("s", key_num=values, c0=positives, c1=negatives))
    return pd.concat(frames, ignore_index=True)


def _group_rows(index: int, truth: np.ndarray, predicted: np.ndarray, column: pd.Series
                ) -> pd.DataFrame:
    import numpy as np
    import pandas as pd

    codes, uniques = pd.factorize(column)
    k = len(uniques)
    codes = np.where(codes < 0, k, codes)
    truth = np.asarray(truth, dtype=np.int64)
    predicted = np.asarray(predicted, dtype=np.int64)
    sums = [np.bincount(codes, weights=w, minlength=k + 1).astype(np.int64) for w in (
        None, truth, predicted, truth * predicted, (truth == predicted))]
    numeric = column.dtype.kind in "iuf"
    values = [*uniques, None]
    present = sums[0] > 0
    return _rows("g", feature=[index] * (k + 1),
                 key_num=[float(v) if numeric and v is not None else None for v in values],
                 key_str=[None if numeric or v is None else str(v) for v in values],
                 missing=[0] * k + [1], **{f"c{j}": s for j, s in enumerate(sums)}
                 ).loc[present].reset_index(drop=True)


def _rows(kind: str, **columns: Any) -> pd.DataFrame:
    """Partial statistics as a frame of Python objects (pandas 3's Arrow-backed text columns
    do not convert to Spark's rows)."""
    import pandas as pd

    size = max((len(v) for v in columns.values()), default=1)
    names = [name.split()[0] for name in PARTIALS.split(", ")]
    values: dict[str, list[Any]] = {name: [None] * size for name in names}
    values["kind"] = [kind] * size
    for name, given in columns.items():
        values[name] = [v.item() if hasattr(v, "item") else v for v in given]
    return pd.DataFrame({name: pd.Series(values[name], dtype=object) for name in names})


def _error(exc: InputError) -> pd.DataFrame:
    return _rows("e", error=[f"{exc.code}:{exc.message}"])


# --- drift ----------------------------------------------------------------------------------

class SparkColumn:
    """figures.NumericColumn of one column, answered from a SparkDrift's batched jobs."""

    def __init__(self, drift: SparkDrift, side: int, index: int, present: int,
                 missing: int) -> None:
        self.drift, self.side, self.index = drift, side, index
        self.present, self.missing = present, missing

    def order_statistics(self, ranks: Sequence[int]) -> list[float]:
        found = self.drift.order_statistics()
        return [found[(self.index, int(r))] for r in ranks]

    def bin_counts(self, cuts: np.ndarray) -> np.ndarray:
        return self.drift.bin_counts(self.side, self.index, cuts)

    def values(self) -> np.ndarray:
        return self.drift.gathered(self.side)[self.index].values()


class SparkDrift:
    """The questions drift asks of every numeric feature, answered for all features at once:
    one Spark job for the order statistics, one per dataset for the bins, one for the gaps
    between the distribution functions (windows partitioned by feature, so features run in
    parallel); small columns are gathered to the driver in one job per dataset."""

    def __init__(self, frames: list[DataFrame], names: Sequence[str],
                 counts: list[dict[str, tuple[int, int]]]) -> None:
        self.frames, self.names = frames, list(names)
        self.columns = [[SparkColumn(self, side, i, *counts[side][name])
                         for i, name in enumerate(self.names)] for side in (0, 1)]
        self._order: dict[tuple[int, int], float] | None = None
        self._bins: dict[tuple[int, int], np.ndarray] = {}
        self._cuts: dict[int, np.ndarray] = {}
        self._gaps: dict[int, tuple[float, float]] | None = None
        self._gathered: dict[int, dict[int, figures.DistinctCounts]] = {}

    def long(self, side: int, indexes: Sequence[int] | None = None) -> DataFrame:
        """(f, v): feature index and present value, one row per value."""
        from pyspark.sql import functions as F

        chosen = range(len(self.names)) if indexes is None else indexes
        pairs = F.array(*[F.struct(F.lit(i).alias("f"),
                                   _col(self.names[i]).cast("double").alias("v"))
                          for i in chosen])
        return self.frames[side].select(F.explode(pairs).alias("p")).select(
            "p.f", "p.v").filter(F.col("v").isNotNull() & ~F.isnan("v"))

    def large(self) -> list[int]:
        return [i for i in range(len(self.names)) if max(
            self.columns[0][i].present, self.columns[1][i].present) > figures.KS_EXACT_LIMIT]

    def order_statistics(self) -> dict[tuple[int, int], float]:
        from functools import reduce

        from pyspark.sql import Window
        from pyspark.sql import functions as F

        if self._order is None:
            wanted = {i: figures.quantile_ranks(self.columns[0][i].present)
                      for i in self.large() if self.columns[0][i].present}
            self._order = {}
            if not wanted:
                return self._order
            counted = self.long(0, list(wanted)).groupBy("f", "v").count()
            upto = Window.partitionBy("f").orderBy("v").rowsBetween(
                Window.unboundedPreceding, 0)
            spans = counted.withColumn("end", F.sum("count").over(upto)).withColumn(
                "start", F.col("end") - F.col("count"))
            condition = reduce(lambda a, b: a | b, [
                (F.col("f") == i) & reduce(lambda a, b: a | b, [
                    (F.col("start") <= r) & (F.col("end") > r) for r in ranks])
                for i, ranks in wanted.items()])
            found = spans.filter(condition).select("f", "v", "start", "end").collect()
            for i, ranks in wanted.items():
                for r in ranks:
                    self._order[(i, r)] = float(next(
                        row["v"] for row in found if row["f"] == i and
                        row["start"] <= r < row["end"]))
        return self._order

    def bin_counts(self, side: int, index: int, cuts: np.ndarray) -> np.ndarray:
        import numpy as np
        from pyspark.sql import functions as F

        self._cuts[index] = cuts
        if (side, index) not in self._bins:
            large = self.large()
            for i in large:  # every large feature's cuts, so that one job serves all
                if i not in self._cuts:
                    self._cuts[i] = figures.decile_cuts(self.columns[0][i])
            bin_of = F.lit(0)
            for i in large:
                inside = sum((F.when(F.col("v") >= float(c), 1).otherwise(0)
                              for c in self._cuts[i]), F.lit(0))
                bin_of = F.when(F.col("f") == i, inside).otherwise(bin_of)
            found = self.long(side, large).groupBy("f", bin_of.alias("bin")).count().collect()
            for i in large:
                self._bins[(side, i)] = np.zeros(len(self._cuts[i]) + 1, dtype=np.int64)
            for row in found:
                self._bins[(side, int(row["f"]))][int(row["bin"])] = int(row["count"])
        return self._bins[(side, index)]

    def gaps(self, first: SparkColumn, second: SparkColumn) -> tuple[float, float]:
        from pyspark.sql import Window
        from pyspark.sql import functions as F

        if self._gaps is None:
            large = self.large()
            both = self.long(0, large).select("f", "v", F.lit(1).alias("a"),
                                              F.lit(0).alias("b")).unionByName(
                self.long(1, large).select("f", "v", F.lit(0).alias("a"), F.lit(1).alias("b")))
            counted = both.groupBy("f", "v").agg(F.sum("a").alias("a"), F.sum("b").alias("b"))
            upto = Window.partitionBy("f").orderBy("v").rowsBetween(
                Window.unboundedPreceding, 0)
            n1, n2 = F.lit(1.0), F.lit(1.0)
            for i in large:
                n1 = F.when(F.col("f") == i, float(self.columns[0][i].present)).otherwise(n1)
                n2 = F.when(F.col("f") == i, float(self.columns[1][i].present)).otherwise(n2)
            cumulative = counted.select(
                "f", (F.sum("a").over(upto).cast("double") / n1).alias("f1"),
                (F.sum("b").over(upto).cast("double") / n2).alias("f2"))
            found = cumulative.groupBy("f").agg(
                F.max(F.col("f1") - F.col("f2")).alias("rise"),
                F.max(F.col("f2") - F.col("f1")).alias("fall")).collect()
            self._gaps = {int(r["f"]): (float(r["rise"]), float(r["fall"])) for r in found}
        return self._gaps[first.index]

    def gathered(self, side: int) -> dict[int, figures.DistinctCounts]:
        """The small columns' values, counted on the driver (at most 10,000 per column)."""
        import numpy as np

        if side not in self._gathered:
            small = [i for i in range(len(self.names)) if i not in self.large()]
            found = self.long(side, small).collect() if small else []
            values: dict[int, list[float]] = {i: [] for i in small}
            for row in found:
                values[int(row["f"])].append(float(row["v"]))
            self._gathered[side] = {
                i: figures.DistinctCounts(*_distinct(np.array(v, dtype=float)),
                                          self.columns[side][i].missing)
                for i, v in values.items()}
        return self._gathered[side]

    def figures_of(self, index: int) -> dict[str, Any]:
        if index in self.large():
            ref, cur = self.columns[0][index], self.columns[1][index]
            return figures.numeric_drift_figures(ref, cur, self.gaps)
        return figures.numeric_drift_figures(self.gathered(0)[index], self.gathered(1)[index],
                                             figures.distinct_gaps)


def _distinct(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    import numpy as np

    distinct, counts = np.unique(values, return_counts=True)
    return distinct, counts.astype(np.int64)


def drift_spark(reference: Fetched, current: Fetched, features: Sequence[str],
                threshold: float, master: str) -> dict[str, Any]:
    """Raises stream.RoleError for a dataset that cannot be read."""
    from charter.evidence.drift import is_numeric
    from charter.evidence.stream import RoleError

    columns = {name: "feature" for name in features}
    spark = session(master)
    frames, dtypes, counts = [], [], []
    for role, fetched in (("reference", reference), ("current", current)):
        try:
            dtypes.append(_checked_schema(fetched, columns))
        except InputError as exc:
            raise RoleError(role, exc) from None
        data = _read(spark, fetched, list(features))
        frames.append(data)
        counts.append(_missing_counts(data, features))
    numeric = []
    for name in features:
        kinds = [is_numeric(d[name]) for d in dtypes]
        if kinds[0] != kinds[1]:
            shown = ["numeric" if k else f"text ({d[name].dtype})" for k, d in zip(
                kinds, dtypes, strict=True)]
            raise RoleError("current", InputError(
                "wrong-dtype", f"column {name!r} is {shown[0]} in the reference data but "
                f"{shown[1]} in the current data"))
        if kinds[0]:
            numeric.append(name)
    drift = SparkDrift(frames, numeric, counts)
    table = {name: drift.figures_of(numeric.index(name)) if name in numeric
             else _categorical(frames, name) for name in features}
    return figures.drift_summary(table, threshold)


def _missing_counts(data: DataFrame, features: Sequence[str]) -> dict[str, tuple[int, int]]:
    """Per feature: (present, missing) rows, in one pass."""
    from pyspark.sql import functions as F

    aggregates = [F.count(F.lit(1)).alias("rows")]
    aggregates += [F.sum(F.when(_missing(name, data), 1).otherwise(0)).alias(f"m{i}")
                   for i, name in enumerate(features)]
    found = data.agg(*aggregates).first()
    assert found is not None
    rows = int(found["rows"])
    return {name: (rows - int(found[f"m{i}"] or 0), int(found[f"m{i}"] or 0))
            for i, name in enumerate(features)}


def _categorical(frames: list[DataFrame], name: str) -> dict[str, Any]:
    import numpy as np
    from pyspark.sql import functions as F
    from pyspark.sql.types import BooleanType

    tallies = []
    for data in frames:
        column = _col(name)
        if isinstance(data.schema[name].dataType, BooleanType):
            text = F.when(column, "True").when(~column, "False")
        else:
            text = column.cast("string")
        found = data.groupBy(F.coalesce(text, F.lit("<missing>")).alias("k")).count().collect()
        tallies.append({str(r["k"]): int(r["count"]) for r in found})
    index = sorted(set(tallies[0]) | set(tallies[1]))
    return figures.categorical_drift_figures(
        np.array([tallies[0].get(k, 0) for k in index], dtype=float),
        np.array([tallies[1].get(k, 0) for k in index], dtype=float))
