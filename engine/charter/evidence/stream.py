"""The streamed pandas backend: evidence from data read batch by batch, in bounded memory.

Each batch is predicted and folded into counts and sums (figures.py says what they mean);
nothing grows with the rows except the distinct values where exactness needs them (the
model's distinct scores for ROC AUC, a numeric feature's distinct values for its deciles and
KS). Permutation importance runs on the seeded sample of figures.importance_sample, read in
a second pass.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from charter.evidence import batches as batching
from charter.evidence import figures
from charter.evidence.batches import read_batches, read_rows
from charter.evidence.files import Fetched
from charter.evidence.problems import InputError

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from charter.evidence.artifacts import LoadedModel
    from charter.evidence.measure import Predictions
    from charter.evidence.spec import EvaluationSpec


class Tally:
    """Counts per distinct value (one or more count columns), merged lazily: parts wait
    until they outnumber what is held, so merging costs O(n log n) in all."""

    def __init__(self, columns: int) -> None:
        import numpy as np

        self.values = np.empty(0)
        self.counts = np.empty((0, columns), dtype=np.int64)
        self._parts: list[tuple[np.ndarray, np.ndarray]] = []
        self._pending = 0

    def add(self, values: np.ndarray, counts: np.ndarray) -> None:
        self._parts.append((values, counts))
        self._pending += len(values)
        if self._pending > max(len(self.values), 1 << 16):
            self._merge()

    def _merge(self) -> None:
        import numpy as np

        if not self._parts:
            return
        values = np.concatenate([self.values, *(v for v, _ in self._parts)])
        counts = np.concatenate([self.counts, *(c for _, c in self._parts)])
        self.values, inverse = np.unique(values, return_inverse=True)
        self.counts = np.zeros((len(self.values), counts.shape[1]), dtype=np.int64)
        np.add.at(self.counts, inverse, counts)
        self._parts, self._pending = [], 0

    def merged(self) -> tuple[np.ndarray, np.ndarray]:
        self._merge()
        return self.values, self.counts


@dataclass
class BinaryTally:
    confusion: list[int] = field(default_factory=lambda: [0, 0, 0, 0])  # tn fp fn tp
    scores: Tally = field(default_factory=lambda: Tally(2))  # positives, negatives
    log_loss: float = 0.0
    brier: float = 0.0
    scored: bool = False
    probabilities: bool = True
    finite: bool = True

    def add(self, p: Predictions) -> None:
        import numpy as np

        codes = 2 * np.asarray(p.truth, dtype=np.int64) + np.asarray(p.predicted,
                                                                     dtype=np.int64)
        for i, c in enumerate(np.bincount(codes, minlength=4)[:4]):
            self.confusion[i] += int(c)
        if p.score is None:
            return
        score = np.asarray(p.score, dtype=float)
        self.scored = True
        self.finite = self.finite and bool(np.all(np.isfinite(score)))
        inside = bool(np.all(score >= 0.0) and np.all(score <= 1.0))
        self.probabilities = self.probabilities and inside
        if self.finite:
            values, positives, negatives = figures.score_counts(p.truth, score)
            self.scores.add(values, np.column_stack([positives, negatives]))
        if self.probabilities:
            self.log_loss += figures.log_loss_sum(p.truth, score)
            self.brier += float(np.sum((p.truth - score) ** 2))

    def stats(self) -> figures.BinaryStats:
        tn, fp, fn, tp = self.confusion
        if not self.scored:
            return figures.BinaryStats(tp, fp, fn, tn)
        values, counts = self.scores.merged()
        pairs = figures.score_pairs_twice(values, counts[:, 0], counts[:, 1]) \
            if self.finite else None
        return figures.BinaryStats(tp, fp, fn, tn, pairs,
                                   self.log_loss if self.probabilities else None,
                                   self.brier if self.probabilities else None)


@dataclass
class GroupTally:
    """Per value of a sensitive feature: rows, positives, selected, true positives,
    correct. Keys are the values themselves (1 and 1.0 are one key, as in one column)."""
    rows: dict[Any, list[int]] = field(default_factory=dict)
    float_valued: bool = False

    def add(self, truth: np.ndarray, predicted: np.ndarray, column: pd.Series) -> None:
        import numpy as np
        import pandas as pd

        self.float_valued = self.float_valued or column.dtype.kind == "f"
        codes, uniques = pd.factorize(column)
        k = len(uniques)
        codes = np.where(codes < 0, k, codes)
        truth = np.asarray(truth, dtype=np.int64)
        predicted = np.asarray(predicted, dtype=np.int64)
        weights = (None, truth, predicted, truth * predicted, (truth == predicted))
        sums = [np.bincount(codes, weights=w, minlength=k + 1) for w in weights]
        for i, key in enumerate([*uniques.tolist(), None]):
            counts = [int(s[i]) for s in sums]
            if counts[0]:
                held = self.rows.setdefault(key, [0] * 5)
                for j, c in enumerate(counts):
                    held[j] += c

    def counts(self) -> figures.GroupCounts:
        keys = sorted(k for k in self.rows if k is not None)
        names = figures.group_names(keys, self.float_valued)
        if None in self.rows:
            keys.append(None)
            names.append(figures.MISSING_GROUP)
        table = [self.rows[k] for k in keys]
        return figures.GroupCounts(tuple(names), *(tuple(r[j] for r in table)
                                                   for j in range(5)))


def measure_streamed(spec: EvaluationSpec, loaded: LoadedModel, features: Sequence[str],
                     task: str, one_pass: bool) -> dict[str, Any]:
    from charter.evidence.importance import MAX_ROWS
    from charter.evidence.measure import predict
    from charter.evidence.spec import evaluation_result

    columns = _columns(spec, features)
    binary = BinaryTally()
    regression: list[tuple[int, float, float, float, float]] = []
    groups = {name: GroupTally() for name in spec.sensitive_features}
    rows, missing_target = 0, 0
    for batch in read_batches(spec.data, spec.data_format, columns, batching.BATCH_ROWS):
        rows += len(batch)
        missing_target += int(batch[spec.target].isna().sum())
        if missing_target:
            continue  # counted to the end, for the message
        p = predict(loaded.estimator, batch, features, spec.target, task, spec.threshold,
                    spec.positive_label, one_pass)
        if task == "regression":
            one = figures.regression_stats(p.truth, p.predicted)
            regression.append((one.rows, float(p.truth.mean()), one.truth_centred_squares,
                               one.absolute_error_sum, one.squared_error_sum))
            continue
        binary.add(p)
        for name, tally in groups.items():
            tally.add(p.truth, p.predicted, batch[name])
    if missing_target:
        raise InputError("wrong-dtype", f"target column {spec.target!r} has "
                         f"{missing_target} missing values")
    stats: figures.BinaryStats | figures.RegressionStats = (
        figures.merge_regression(regression) if task == "regression" else binary.stats())
    sample = figures.importance_sample(rows, MAX_ROWS)
    frame = read_rows(spec.data, spec.data_format, columns, sample,
                                           batching.BATCH_ROWS) if spec.importance \
        else None
    return evaluation_result(
        spec, loaded, features, task, rows, stats,
        {name: figures.fairness_figures(t.counts()) for name, t in groups.items()},
        binary.scored, frame, sample_note(rows, len(sample)))


def sample_note(rows: int, size: int) -> dict[str, Any]:
    how = ("every row" if size == rows else "the rows whose seeded splitmix64 hash of their "
           "position is smallest")
    return {"rows": size, "of": rows, "seed": figures.IMPORTANCE_SAMPLE_SEED, "rule": how}


def _columns(spec: EvaluationSpec, features: Sequence[str]) -> dict[str, str]:
    columns = {name: "feature" for name in features}
    columns.update({name: "sensitive" for name in spec.sensitive_features})
    columns[spec.target] = "target"
    return columns


# --- drift ----------------------------------------------------------------------------------

class ColumnTally:
    """One drift feature over the batches: distinct values with counts if numeric,
    category counts if not."""

    def __init__(self, first: pd.Series) -> None:
        from charter.evidence.drift import is_numeric

        self.numeric = is_numeric(first)
        self.dtype = first.dtype
        self.values = Tally(1)
        self.missing = 0
        self.categories: dict[str, int] = {}

    def add(self, series: pd.Series) -> None:
        import numpy as np

        from charter.evidence.drift import is_numeric

        if is_numeric(series) != self.numeric:
            raise Restart(f"column {series.name!r} changes type between batches")
        if self.numeric:
            one = figures.DistinctCounts.of(series.to_numpy(dtype=float))
            self.values.add(one.distinct, one.counts[:, None])
            self.missing += one.missing
            return
        counted = series.astype("string").fillna("<missing>").value_counts()
        for name, count in zip(counted.index, counted.to_numpy(dtype=np.int64), strict=True):
            self.categories[str(name)] = self.categories.get(str(name), 0) + int(count)

    def distinct(self) -> figures.DistinctCounts:
        values, counts = self.values.merged()
        return figures.DistinctCounts(values, counts[:, 0], self.missing)


class Restart(Exception):
    """The streamed read cannot give the whole read's answer (a CSV column whose type
    differs between chunks): the caller reads the file whole instead."""


def tally_columns(batches: Iterable[pd.DataFrame], features: Sequence[str]
                  ) -> dict[str, ColumnTally]:
    tallies: dict[str, ColumnTally] = {}
    for batch in batches:
        for name in features:
            if name not in tallies:
                tallies[name] = ColumnTally(batch[name])
            tallies[name].add(batch[name])
    return tallies


def drift_streamed(reference: Fetched, current: Fetched, formats: Sequence[str],
                   features: Sequence[str], threshold: float) -> dict[str, Any]:
    """Raises InputError (with the dataset's role in `.role`) or Restart."""
    columns = {name: "feature" for name in features}
    tallies = []
    for role, fetched, fmt in (("reference", reference, formats[0]),
                               ("current", current, formats[1])):
        try:
            tallies.append(tally_columns(read_batches(fetched, fmt, columns,
                                                            batching.BATCH_ROWS), features))
        except InputError as exc:
            raise RoleError(role, exc) from None
    table = {}
    for name in features:
        ref, cur = tallies[0][name], tallies[1][name]
        table[name] = _feature(name, ref, cur)
    return figures.drift_summary(table, threshold)


def _feature(name: str, ref: ColumnTally, cur: ColumnTally) -> dict[str, Any]:
    import numpy as np

    if ref.numeric != cur.numeric:
        kinds = ["numeric" if t.numeric else f"text ({t.dtype})" for t in (ref, cur)]
        raise RoleError("current", InputError(
            "wrong-dtype", f"column {name!r} is {kinds[0]} in the reference data but "
            f"{kinds[1]} in the current data"))
    if ref.numeric:
        return figures.numeric_drift_figures(ref.distinct(), cur.distinct(),
                                             figures.distinct_gaps)
    index = sorted(set(ref.categories) | set(cur.categories))
    return figures.categorical_drift_figures(
        np.array([ref.categories.get(k, 0) for k in index], dtype=float),
        np.array([cur.categories.get(k, 0) for k in index], dtype=float))


class RoleError(Exception):
    def __init__(self, role: str, error: InputError) -> None:
        super().__init__(error.message)
        self.role, self.error = role, error

