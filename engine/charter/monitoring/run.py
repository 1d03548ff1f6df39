"""One monitoring run of one model version, computed with the evidence engine's own code.

Drift per feature is `evidence.drift.drift_report` on the reference dataset and the newest
complete live partition; performance is `evidence.measure.predict` and `compute_metrics` on
the newest partition whose labels have arrived. Every file is read through the evidence
`FileStore`, so what is measured is exactly what was hashed into the record's `inputs`.
Partitions are read one at a time and only the last one read stays in memory: a run measures
performance first, on an older partition, then drift on the newest, which the next period's
run usually measures performance on; so each partition is read once in a backfill.
"""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from charter import __version__
from charter.evidence.artifacts import LoadedModel, artifact_format, load_artifact
from charter.evidence.backends import Backend
from charter.evidence.files import Fetched, FileStore, declared_location
from charter.evidence.frames import dataset_format, read_frame
from charter.evidence.problems import InputError
from charter.evidence.settings import EvidenceSettings
from charter.inventory.entities import dataset_record, models
from charter.monitoring.bands import band_of, decay_of, drift_bands, feature_band
from charter.monitoring.ledger import RUN_FORMAT, worst
from charter.monitoring.periods import Partition, newest_ended, partitions
from charter.source.yamlsource import KeyPath

if TYPE_CHECKING:
    import pandas as pd

    from charter.evidence.drift import ReferenceSummaries

KEPT_PARTITIONS = 1


@dataclass(frozen=True)
class Target:
    """A version to monitor, as the inventory declares it."""

    model: str
    version: str
    record: Mapping[str, Any]
    path: KeyPath  # where the version sits in models.yaml

    @property
    def id(self) -> str:
        return f"{self.model}@{self.version}"

    @property
    def monitoring(self) -> Mapping[str, Any]:
        found = self.record.get("monitoring")
        return found if isinstance(found, Mapping) else {}


class MonitorError(Exception):
    """A run that cannot be made: what is wrong and the models.yaml key to fix."""

    def __init__(self, message: str, key: KeyPath) -> None:
        super().__init__(message)
        self.message = message
        self.key = key


class Monitor:
    """Runs versions of one inventory; holds the loaded models and recent partitions."""

    def __init__(self, root: Path, inventory: Mapping[str, Any], files: FileStore,
                 settings: EvidenceSettings, backend: Backend | None = None) -> None:
        self.root = root
        self.inventory = inventory
        self.files = files
        self.settings = settings
        # how each file is read: whole, streamed in bounded memory, or by Spark (as evidence)
        self.backend = backend or Backend()
        self._models: dict[str, LoadedModel] = {}
        # the reference read and its per-feature counts, kept for the next run comparing it
        self._references: OrderedDict[tuple[str, tuple[str, ...]],
                                      tuple[pd.DataFrame, ReferenceSummaries]] = OrderedDict()
        self._partitions: OrderedDict[str, pd.DataFrame] = OrderedDict()
        # (version, partition sha256, label column, metric) -> the metric and rows measured, or
        # None when labels are missing: a backfill's runs measure one partition once
        self.measured: dict[tuple[str, str, str, str], tuple[float | None, int] | None] = {}

    def run(self, target: Target, as_of: dt.date) -> dict[str, Any]:
        """The ledger record of `target` as of `as_of`; raises MonitorError."""
        try:
            return _Run(self, target, as_of).record()
        except InputError as exc:
            raise MonitorError(exc.message, (*target.path, "monitoring")) from None

    def fetch(self, location: str) -> Fetched:
        return self.files.fetch(location)

    def reference(self, fetched: Fetched, fmt: str, features: Sequence[str]
                  ) -> tuple[pd.DataFrame, ReferenceSummaries]:
        """The reference's feature columns, and the counts drift has taken of them so far."""
        key = (fetched.sha256, tuple(features))
        if key not in self._references:
            self._references[key] = (read_frame(fetched, fmt, {f: "feature" for f in features}),
                                     {})
            while len(self._references) > 1:
                self._references.popitem(last=False)
        return self._references[key]

    def partition(self, fetched: Fetched, fmt: str, columns: Mapping[str, str]
                  ) -> pd.DataFrame:
        """The `columns` of a partition; one read serves drift and performance."""
        held = self._partitions.get(fetched.sha256)
        if held is not None and set(columns) <= set(held.columns):
            self._partitions.move_to_end(fetched.sha256)
            return held
        self._partitions.pop(fetched.sha256, None)
        while len(self._partitions) >= KEPT_PARTITIONS:
            self._partitions.popitem(last=False)
        frame = read_frame(fetched, fmt, columns)
        self._partitions[fetched.sha256] = frame
        return frame

    def model(self, fetched: Fetched, fmt: str) -> LoadedModel:
        if fetched.sha256 not in self._models:
            self._models[fetched.sha256] = load_artifact(
                fetched, fmt, self.root, self.settings.trusted_types,
                self.settings.trusted_pickles)
        return self._models[fetched.sha256]


def _input(fetched: Fetched, rows: int | None = None, **extra: str) -> dict[str, Any]:
    entry: dict[str, Any] = {"location": fetched.name, "sha256": fetched.sha256, **extra}
    if rows is not None:
        entry["rows"] = rows
    return entry


class _Run:
    def __init__(self, monitor: Monitor, target: Target, as_of: dt.date) -> None:
        self.monitor = monitor
        self.target = target
        self.as_of = as_of
        self.record_ = target.record
        self.monitoring = target.monitoring
        live = self.monitoring.get("live")
        if not isinstance(live, Mapping):
            raise self.error("declares no monitoring.live", ("monitoring",))
        self.live: Mapping[str, Any] = live
        checks = self.monitoring.get("checks")
        self.checks: Mapping[str, Any] = checks if isinstance(checks, Mapping) else {}
        self.inputs: dict[str, Any] = {}
        self._artifact: tuple[Fetched, LoadedModel] | None = None
        self._found: list[Partition] | None = None

    def error(self, message: str, key: KeyPath) -> MonitorError:
        return MonitorError(f"{self.target.id}: {message}", (*self.target.path, *key))

    def record(self) -> dict[str, Any]:
        performance = self._performance()  # first: its partition is older (see above)
        drift = self._drift()
        bands = [drift["band"]] + ([performance["band"]] if performance else [])
        return {"charter_monitoring_run": RUN_FORMAT, "model": self.target.model,
                "version": self.target.version, "as_of": self.as_of.isoformat(),
                "engine_version": __version__, "inputs": self.inputs,
                "results": {"drift": drift, "performance": performance},
                "verdict": worst(bands)}

    # --- inputs ---------------------------------------------------------------------------

    def _partitions(self) -> list[Partition]:
        if self._found is None:
            pattern = self.live.get("path")
            if not isinstance(pattern, str):
                raise self.error("monitoring.live declares no path", ("monitoring", "live"))
            try:
                self._found = partitions(pattern, self.monitor.root,
                                         self.monitor.settings.allowed_uri_schemes,
                                         self.monitor.files.commit)
            except InputError as exc:
                raise self.error(exc.message, ("monitoring", "live", "path")) from None
        return self._found

    def _format(self, location: str) -> str:
        return dataset_format(self.live, location)

    def _artifact_model(self) -> tuple[Fetched, LoadedModel]:
        if self._artifact is None:
            record = self.record_.get("artifact")
            location = declared_location(record) if isinstance(record, Mapping) else None
            if location is None or not isinstance(record, Mapping):
                raise self.error("declares no artifact to measure", ("artifact",))
            key = ("artifact", "path" if "path" in record else "uri")
            fetched = self._fetch(location, key)
            declared = record.get("sha256")
            if declared and declared != fetched.sha256:
                raise self.error(f"{location}: sha256 is {fetched.sha256}, not the declared "
                                 f"{declared}", ("artifact", "sha256"))
            try:
                loaded = self.monitor.model(fetched, artifact_format(record, location))
            except InputError as exc:
                raise self.error(exc.message, key) from None
            self._artifact = (fetched, loaded)
            self.inputs["artifact"] = _input(fetched)
        return self._artifact

    def _fetch(self, location: str, key: KeyPath) -> Fetched:
        try:
            return self.monitor.fetch(location)
        except InputError as exc:
            raise self.error(exc.message, key) from None

    def _model_features(self) -> list[str]:
        declared = self.record_.get("features")
        if isinstance(declared, list) and declared:
            return [str(f) for f in declared]
        names = getattr(self._artifact_model()[1].estimator, "feature_names_in_", None)
        if names is None:
            raise self.error("declare the model's input columns in `features` (the model "
                             "does not record them)", ())
        return [str(n) for n in names]

    # --- drift ----------------------------------------------------------------------------

    def _drift(self) -> dict[str, Any]:
        from charter.evidence.drift import drift_report

        check = self.checks.get("drift")
        check = check if isinstance(check, Mapping) else {}
        features = [str(f) for f in check.get("features") or self._model_features()]
        bands = drift_bands(check)
        partition = newest_ended(self._partitions(), self.as_of)
        if partition is None:
            raise self.error(f"no live partition of a period ended by {self.as_of} matches "
                             f"{self.live.get('path')}", ("monitoring", "live", "path"))
        fetched = self._fetch(partition.location, ("monitoring", "live", "path"))
        apart = self._drift_apart(partition, fetched, features)
        if apart is not None:
            report, rows = apart
            table = {name: self._feature(row, bands) for name, row in report["features"].items()}
            return {"band": worst(row["band"] for row in table.values()), "features": table,
                    "bands": bands, "period": partition.period, "rows": rows}
        columns = {name: "feature" for name in features}
        label = self._label_column()
        if label and label not in columns and label in _header(fetched,
                                                              self._format(fetched.name)):
            columns[label] = "target"  # kept with the frame for the next period's run
        reference, summaries = self._reference(features)
        current = self._read(fetched, columns, ("monitoring", "live", "path"))
        self.inputs["live"] = [_input(fetched, len(current), period=partition.period)]
        try:
            report = drift_report(reference, current, features, summaries=summaries)
        except InputError as exc:
            raise self.error(f"{fetched.name}: {exc.message}", ("monitoring", "live")) from None
        table = {name: self._feature(row, bands) for name, row in report["features"].items()}
        return {"band": worst(row["band"] for row in table.values()), "features": table,
                "bands": bands, "period": partition.period, "rows": len(current)}

    @staticmethod
    def _feature(row: Mapping[str, Any], bands: Mapping[str, Mapping[str, float]]
                 ) -> dict[str, Any]:
        out = {"kind": row["kind"], "psi": row["psi"], "ks": row.get("ks"),
               "ks_pvalue": row.get("ks_pvalue"), "chi2": row.get("chi2"),
               "chi2_p": row.get("chi2_pvalue")}
        out["band"] = feature_band(out, bands)
        return out

    def _drift_apart(self, partition: Partition, current: Fetched, features: Sequence[str]
                     ) -> tuple[dict[str, Any], int] | None:
        """Drift computed by the streamed or the Spark path, as `charter evidence` chooses it
        for these files (None: both are read whole, below)."""
        from charter.evidence.drift import DEFAULT_PSI_THRESHOLD
        from charter.evidence.stream import Restart, RoleError

        ref, reference, ref_format = self._reference_file()
        formats = [ref_format, self._format(current.name)]
        backend = self.monitor.backend
        modes = {backend.mode(reference, formats[0]), backend.mode(current, formats[1])}
        if modes == {"whole"}:
            return None
        try:
            if modes == {"spark"}:
                from charter.evidence.backends.spark import drift_spark

                report = drift_spark(reference, current, features, DEFAULT_PSI_THRESHOLD,
                                     backend.spark_master)
            else:
                from charter.evidence.stream import drift_streamed

                report = drift_streamed(reference, current, formats, features,
                                        DEFAULT_PSI_THRESHOLD)
        except Restart:
            return None  # the streamed path hands over to the whole read
        except RoleError as exc:
            where: KeyPath = ("monitoring", "reference") if exc.role == "reference" else (
                "monitoring", "live", "path")
            raise self.error(exc.error.message, where) from None
        self.inputs["reference"] = _input(reference, _rows(reference, formats[0]), dataset=ref)
        rows = _rows(current, formats[1])
        self.inputs["live"] = [_input(current, rows, period=partition.period)]
        return report, rows

    def _reference_file(self) -> tuple[str, Fetched, str]:
        """The reference dataset's id, its verified file and its format."""
        ref = self.monitoring.get("reference")
        key: KeyPath = ("monitoring", "reference")
        if not isinstance(ref, str):
            raise self.error("declares no monitoring.reference to compare the live data with",
                             ("monitoring",))
        record = dataset_record(self.monitor.inventory, ref)
        location = declared_location(record) if record else None
        if record is None or location is None:
            raise self.error(f"reference dataset {ref} is not declared with a path or uri", key)
        fetched = self._fetch(location, key)
        declared = record.get("sha256")
        if declared and declared != fetched.sha256:
            raise self.error(f"{location}: sha256 is {fetched.sha256}, not the declared "
                             f"{declared} of {ref}", key)
        return ref, fetched, dataset_format(record, location)

    def _reference(self, features: Sequence[str]) -> tuple[pd.DataFrame, ReferenceSummaries]:
        ref, fetched, fmt = self._reference_file()
        try:
            frame, summaries = self.monitor.reference(fetched, fmt, features)
        except InputError as exc:
            raise self.error(exc.message, ("monitoring", "reference")) from None
        self.inputs["reference"] = _input(fetched, len(frame), dataset=ref)
        return frame, summaries

    def _read(self, fetched: Fetched, columns: Mapping[str, str], key: KeyPath
              ) -> pd.DataFrame:
        try:
            return self.monitor.partition(fetched, self._format(fetched.name), columns)
        except InputError as exc:
            raise self.error(exc.message, key) from None

    # --- performance ----------------------------------------------------------------------

    def _label_column(self) -> str | None:
        check = self.checks.get("performance")
        if not isinstance(check, Mapping):
            return None
        target = check.get("target") or self._evaluation().get("target")
        return target if isinstance(target, str) else None

    def _performance(self) -> dict[str, Any] | None:
        check = self.checks.get("performance")
        if not isinstance(check, Mapping):
            return None
        from charter.evidence.measure import canonical_metric

        where: KeyPath = ("monitoring", "checks", "performance")
        named = str(check.get("metric"))
        metric = canonical_metric(named)
        validated = self._validated(named, metric)
        target = self._label_column()
        if target is None:
            raise self.error("no label column: declare monitoring.checks.performance.target "
                             "or evaluation.target", where)
        delay = int(self.live.get("label_delay_days") or 0)
        labelled = self._labelled(target, self.as_of - dt.timedelta(days=delay), metric)
        out: dict[str, Any] = {"metric": metric, "validated": validated,
                               "label_delay_days": delay}
        if labelled is None:
            return {**out, "live": None, "decay": None, "band": "green",
                    "pending": f"no period with labels ended {delay} days before {self.as_of}"}
        partition, fetched, live, rows = labelled
        self.inputs["labelled"] = [_input(fetched, rows, period=partition.period)]
        decay = decay_of(metric, validated, live) if live is not None else None
        band = band_of(decay, check["decay"]) if decay is not None else "red"
        found = {**out, "live": live, "decay": decay, "band": band,
                 "period": partition.period, "rows": rows}
        if live is None:  # fails closed: a period the metric says nothing about is no pass
            found["note"] = (f"{metric} is not defined on {fetched.name} (a single class, or "
                             "a model without probability scores?)")
        return found

    def _evaluation(self) -> Mapping[str, Any]:
        found = self.record_.get("evaluation")
        return found if isinstance(found, Mapping) else {}

    def _validated(self, named: str, metric: str) -> float:
        from charter.evidence.measure import canonical_metric

        claimed = self._evaluation().get("metrics")
        claimed = claimed if isinstance(claimed, Mapping) else {}
        for name, value in claimed.items():
            if canonical_metric(str(name)) == metric and isinstance(value, int | float) \
                    and not isinstance(value, bool):
                return float(value)
        raise self.error(f"evaluation.metrics declares no {named} to compare the live "
                         "performance with", ("monitoring", "checks", "performance", "metric"))

    def _labelled(self, target: str, by: dt.date, metric: str
                  ) -> tuple[Partition, Fetched, float | None, int] | None:
        """The newest partition ended by `by` whose labels are all there, with `metric`
        measured on it and its rows."""
        features = self._model_features()
        columns = {name: "feature" for name in features}
        columns[target] = "target"
        key: KeyPath = ("monitoring", "live", "path")
        for partition in reversed([p for p in self._partitions() if p.ends <= by]):
            fetched = self._fetch(partition.location, key)
            fmt = self._format(fetched.name)
            if target not in _header(fetched, fmt):
                continue
            done = (self.target.id, fetched.sha256, target, metric)
            if done not in self.monitor.measured:
                self.monitor.measured[done] = self._measure_partition(fetched, fmt, columns,
                                                                      target, metric)
            measured = self.monitor.measured[done]
            if measured is not None:
                self._artifact_model()  # measured by an earlier run: its input still recorded
                return partition, fetched, *measured
        return None

    def _measure_partition(self, fetched: Fetched, fmt: str, columns: Mapping[str, str],
                           target: str, metric: str) -> tuple[float | None, int] | None:
        """`metric` and the rows of one partition (None: some labels are missing)."""
        if self.monitor.backend.mode(fetched, fmt) != "whole":
            return self._measure_apart(fetched, fmt, target, metric)
        frame = self._read(fetched, columns, ("monitoring", "live", "path"))
        if frame[target].isna().any():
            return None
        return self._measure(frame, target, metric, fetched), len(frame)

    def _measure_apart(self, fetched: Fetched, fmt: str, target: str, metric: str
                       ) -> tuple[float | None, int] | None:
        """`metric` and the rows of a partition measured by the streamed or the Spark path,
        as `charter evidence` measures it (None: some labels are missing)."""
        from charter.evidence.evaluation import measure_with
        from charter.evidence.spec import EvaluationSpec

        artifact, loaded = self._artifact_model()
        record = self.record_.get("artifact")
        model = models(self.monitor.inventory).get(self.target.model) or {}
        evaluation = self._evaluation()
        threshold = evaluation.get("threshold")
        features = self._model_features()
        spec = EvaluationSpec(
            artifact=artifact, artifact_format=artifact_format(
                record if isinstance(record, Mapping) else {}, artifact.name),
            data=fetched, data_format=fmt, features=tuple(features), target=target,
            task=model.get("task") if isinstance(model, Mapping) else None,
            threshold=float(threshold) if isinstance(threshold, int | float) else None,
            positive_label=evaluation.get("positive_label"), importance=False)
        try:
            result = measure_with(spec, loaded, features, self.monitor.backend)
        except InputError as exc:
            if exc.code == "wrong-dtype" and exc.message.endswith("missing values"):
                return None  # labels not all arrived: an older period is measured
            raise self.error(f"{fetched.name}: {exc.message}", ("monitoring", "live")) from None
        value = result["metrics"].get(metric)
        return (None if value is None else float(value)), int(result["rows"])

    def _measure(self, frame: pd.DataFrame, target: str, metric: str, fetched: Fetched
                 ) -> float | None:
        from charter.evidence.measure import compute_metrics, predict, task_of

        _, loaded = self._artifact_model()
        model = models(self.monitor.inventory).get(self.target.model) or {}
        evaluation = self._evaluation()
        threshold = evaluation.get("threshold")
        task = task_of(loaded.estimator, model.get("task") if isinstance(model, Mapping)
                       else None)
        try:
            predictions = predict(loaded.estimator, frame, self._model_features(), target, task,
                                  float(threshold) if isinstance(threshold, int | float)
                                  else None, evaluation.get("positive_label"))
        except InputError as exc:
            raise self.error(f"{fetched.name}: {exc.message}", ("monitoring", "live")) from None
        return compute_metrics(predictions, [metric]).get(metric)


def _rows(fetched: Fetched, fmt: str) -> int:
    """The rows of a file, counted without holding it: Parquet's footer, CSV in chunks."""
    try:
        if fmt == "parquet":
            import pyarrow.parquet as pq

            return int(pq.ParquetFile(fetched.path).metadata.num_rows)
        from charter.evidence.batches import read_batches

        first = _header(fetched, fmt)[:1]
        return sum(len(batch) for batch in read_batches(
            fetched, fmt, dict.fromkeys(first, "feature")))
    except InputError:
        raise
    except Exception as exc:  # pandas and pyarrow raise their own types for damaged files
        raise InputError("unreadable", f"{fetched.name}: cannot count its rows as {fmt}: "
                         f"{type(exc).__name__}") from None


def _header(fetched: Fetched, fmt: str) -> list[str]:
    """The column names of a partition, read without its rows."""
    try:
        if fmt == "parquet":
            import pyarrow.parquet as pq

            return list(pq.read_schema(fetched.path).names)
        import pandas as pd

        return [str(c) for c in pd.read_csv(fetched.path, nrows=0).columns]
    except Exception as exc:  # pandas and pyarrow raise their own types for damaged files
        raise InputError("unreadable", f"{fetched.name}: cannot read the header as {fmt}: "
                         f"{type(exc).__name__}") from None
