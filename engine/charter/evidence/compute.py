"""Evidence for model versions: integrity, artifact facts, measured metrics, champion,
fairness, drift.

`EvidenceEngine.version(id)` returns the evidence dict rules see as `evidence.*`. Inputs are
read from the head revision; the champion's artifact from the base revision. Each costly step
is cached under `.charter/cache/` by the content hashes of its inputs and the engine version.

Within a run, each artifact is loaded once, each data file parsed once, and each (artifact,
data) pair predicted once: a champion that is the version itself, or that was measured on the
same data earlier in the run, reuses that evaluation.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from charter import __version__
from charter.evidence.artifacts import LoadedModel, artifact_format, load_artifact
from charter.evidence.backends import Backend
from charter.evidence.champion import cannot_compare, compare_with_champion
from charter.evidence.environment import compare_environment
from charter.evidence.evaluation import EvaluationSpec, FrameReader, evaluate
from charter.evidence.facts import read_facts
from charter.evidence.files import Fetched, FileStore, declared_location
from charter.evidence.frames import dataset_format, read_frame
from charter.evidence.measure import SCALED_METRICS, canonical_metric, measurable
from charter.evidence.problems import UNREACHABLE, EvidenceProblem, InputError, failure
from charter.evidence.record import record_mismatches
from charter.evidence.settings import EvidenceSettings
from charter.inventory.entities import (
    dataset_record,
    dataset_refs,
    find_entity,
    models,
    production_version,
    split_ref,
    versions_of,
)
from charter.source.yamlsource import KeyPath
from charter.vcs.cache import Cache

if TYPE_CHECKING:
    import pandas as pd

# Held for reuse within a run: enough for a version and its champion, bounded in memory.
KEPT_MODELS = 4
KEPT_FRAMES = 2


@dataclass
class EvidenceEngine:
    root: Path
    head: Mapping[str, Any]  # the inventory whose versions are judged
    files: FileStore  # reads the head revision's files
    settings: EvidenceSettings  # from the trusted revision
    base: Mapping[str, Any] | None = None  # where the champion is found
    base_files: FileStore | None = None  # reads the base revision's files
    cache: Cache = field(default_factory=lambda: Cache(None))
    computed: int = 0  # steps computed in this run
    reused: int = 0  # steps read from the cache that an earlier run wrote
    shared: int = 0  # steps computed earlier in this run for another version
    fresh: set[str] = field(default_factory=set)  # keys computed in this run
    # False: the plain twin (every step computed on its own, predict() asked separately),
    # which the tests compare with.
    one_pass: bool = True
    backend: Backend = field(default_factory=Backend)
    _results: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    _models: OrderedDict[tuple[str, str], LoadedModel | InputError] = field(
        default_factory=OrderedDict)
    _frames: OrderedDict[tuple[str, str], pd.DataFrame] = field(default_factory=OrderedDict)

    def version(self, version_id: str) -> dict[str, Any]:
        entity = find_entity(self.head, "version", version_id)
        if entity is None:
            raise KeyError(version_id)
        return _VersionEvidence(self, version_id, entity.path, entity.record).build()

    def cached(self, kind: str, inputs: Mapping[str, Any],
               compute: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        found = self.known(kind, inputs)
        if found is not None:
            return found
        value = compute()
        self.computed += 1
        key = _key(inputs)
        self.fresh.add(key)
        self.cache.put(kind, key, value)
        if self.one_pass:
            self._results[(kind, key)] = copy.deepcopy(value)
        return value

    def known(self, kind: str, inputs: Mapping[str, Any]) -> dict[str, Any] | None:
        """A step's result computed earlier in this run or in the cache; None if neither."""
        key = _key(inputs)
        if (kind, key) in self._results:
            self.shared += 1
            return copy.deepcopy(self._results[(kind, key)])
        found = self.cache.get(kind, key)
        if isinstance(found, dict):
            if key in self.fresh:
                self.shared += 1
            else:
                self.reused += 1
            return found
        return None

    def load_model(self, fetched: Fetched, fmt: str) -> LoadedModel:
        """The model `fetched` holds, loaded once per run; raises InputError."""
        settings = self.settings
        if not self.one_pass:
            return load_artifact(fetched, fmt, self.root, settings.trusted_types,
                                 settings.trusted_pickles)
        key = (fetched.sha256, fmt)
        if key not in self._models:
            try:
                self._models[key] = load_artifact(fetched, fmt, self.root,
                                                  settings.trusted_types,
                                                  settings.trusted_pickles)
            except InputError as exc:
                self._models[key] = exc
            _bound(self._models, KEPT_MODELS)
        self._models.move_to_end(key)
        found = self._models[key]
        if isinstance(found, InputError):
            raise found
        return found

    def read_data(self, fetched: Fetched, fmt: str, columns: Mapping[str, str]
                  ) -> pd.DataFrame:
        """The `columns` of a data file, parsed once per run for the columns asked first."""
        if not self.one_pass:
            return read_frame(fetched, fmt, columns)
        key = (fetched.sha256, fmt)
        wanted = list(dict.fromkeys(columns))
        held = self._frames.get(key)
        if held is not None and set(wanted) <= set(held.columns):
            self._frames.move_to_end(key)
            return held[wanted]
        frame = read_frame(fetched, fmt, columns)
        self._frames[key] = frame
        _bound(self._frames, KEPT_FRAMES)
        return frame


def _key(inputs: Mapping[str, Any]) -> str:
    return hashlib.sha256(json.dumps(inputs, sort_keys=True, default=str).encode()).hexdigest()


def _bound(held: OrderedDict[Any, Any], size: int) -> None:
    while len(held) > size:
        held.popitem(last=False)


def running_sklearn() -> str:
    import sklearn

    return str(sklearn.__version__)


class _VersionEvidence:
    def __init__(self, engine: EvidenceEngine, version_id: str, path: KeyPath,
                 record: Mapping[str, Any]) -> None:
        self.engine = engine
        self.id = version_id
        self.path = path
        self.record = record
        self.model_name = split_ref(version_id)[0]
        self.model = models(engine.head).get(self.model_name) or {}
        self.problems: list[EvidenceProblem] = []
        self.notes: list[str] = []
        self.fetched: dict[str, Fetched] = {}
        self.integrity: dict[str, dict[str, Any]] = {}
        self.unreadable: dict[str, InputError] = {}  # dataset ref -> why it cannot be read

    def problem(self, area: str, error: InputError, key: KeyPath, file: str | None,
                absolute: bool = False) -> None:
        if error.code in UNREACHABLE:
            area = "unverified"
        path = tuple(key) if absolute else (*self.path, *key)
        shown = ".".join(str(k) for k in (key if not absolute else path))
        self.problems.append(EvidenceProblem(area, error.code, f"{self.id}: {error.message}",
                                             file, shown, path))

    def build(self) -> dict[str, Any]:
        evidence: dict[str, Any] = {
            "integrity": {"artifact": None, "datasets": self._datasets()},
            "artifact": None, "metrics": {}, "claimed": self._claimed(), "metric_diffs": {},
            "champion": None, "champion_comparison": [], "fairness": {}, "drift": None,
            "importance": [], "environment": None,
        }
        self._held_out()
        artifact = self._artifact()
        evidence["integrity"]["artifact"] = artifact[0] if artifact else None
        fetched = artifact[1] if artifact else None
        facts = self._facts(fetched) if fetched is not None else None
        evidence["artifact"] = facts
        if facts is not None:
            evidence["environment"] = self._environment(facts)
        result = self._evaluate(fetched) if fetched is not None and facts is not None else None
        measured = result is not None and result.get("error") is None
        if result is not None and measured:
            evidence.update(metrics=result["metrics"], fairness=result["fairness"],
                            importance=result["importance"], evaluated_rows=result["rows"])
            if "importance_sample" in result:
                evidence["importance_sample"] = result["importance_sample"]
            evidence["metric_diffs"] = self._diffs(result)
        champions = self._champions()
        evidence["champion"] = champions[0] if champions else None
        evidence["champion_comparison"] = self._compare(
            [c for c in champions if c["id"] != self.id], result if measured else None)
        evidence["drift"] = self._drift()
        evidence["problems"] = [p.as_dict() for p in self.problems]
        evidence["notes"] = self.notes
        evidence["computed_at_engine"] = __version__
        return evidence

    # --- integrity ---------------------------------------------------------------------

    def _datasets(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for ref, _ in dataset_refs(self.record):
            if not isinstance(ref, str) or ref in out:
                continue
            record = dataset_record(self.engine.head, ref) or {}
            name, version = split_ref(ref)
            where = ("datasets", name, "versions", version)
            declared = record.get("sha256")
            location = declared_location(record)
            entry: dict[str, Any] = {"location": location, "declared": declared,
                                     "actual": None, "ok": None}
            out[ref] = self.integrity[ref] = entry
            if location is None:
                self.unreadable[ref] = InputError("no-location", f"dataset {ref} declares no "
                                                  "path or uri")
                continue
            try:
                fetched = self.engine.files.fetch(location)
            except InputError as exc:
                self.unreadable[ref] = exc
                entry["error"] = exc.message
                if declared:  # a declared hash is a claim: the file must be there to back it
                    self.problem("data", exc, (*where, "path" if "path" in record else "uri"),
                                 location, absolute=True)
                continue
            self.fetched[ref] = fetched
            entry["actual"] = fetched.sha256
            entry["size"] = fetched.size
            if declared:
                entry["ok"] = declared == fetched.sha256
                if not entry["ok"]:
                    self.problem("data", InputError("hash-mismatch", f"{location}: sha256 is "
                                 f"{fetched.sha256}, not the declared {declared}"),
                                 (*where, "sha256"), location, absolute=True)
        return out

    def _held_out(self) -> None:
        """The evaluation file must not hold the bytes of a training file: the training data
        registered again under another name (or path) is no test of the model."""
        ref = self._evaluation().get("dataset")
        evaluated = self.fetched.get(ref) if isinstance(ref, str) else None
        training = self.record.get("training_data")
        if evaluated is None or not isinstance(training, list):
            return
        for trained_ref in training:
            trained = self.fetched.get(trained_ref) if isinstance(trained_ref, str) else None
            if trained_ref != ref and trained is not None and trained.sha256 == evaluated.sha256:
                self.problem("evaluation", InputError("not-held-out", f"the evaluation data "
                             f"{ref} ({evaluated.name}) holds the same bytes as the training "
                             f"data {trained_ref} ({trained.name}): metrics measured on it "
                             "test nothing"), ("evaluation", "dataset"), evaluated.name)
                return

    def _artifact(self) -> tuple[dict[str, Any], Fetched | None] | None:
        record = self.record.get("artifact")
        location = declared_location(record) if isinstance(record, Mapping) else None
        if not isinstance(record, Mapping) or location is None:
            self.notes.append("no artifact declared: metrics, fairness and importance are "
                              "not measured")
            self._unmeasurable_claims("no artifact is declared")
            return None
        declared = record.get("sha256")
        entry: dict[str, Any] = {"location": location, "declared": declared, "actual": None,
                                 "ok": None, "format": artifact_format(record, location)}
        key = ("artifact", "path" if "path" in record else "uri")
        try:
            fetched = self.engine.files.fetch(location)
        except InputError as exc:
            entry["ok"] = False
            entry["error"] = exc.message
            self.problem("artifact", exc, key, location)
            return entry, None
        entry.update(actual=fetched.sha256, size=fetched.size)
        if declared:
            entry["ok"] = declared == fetched.sha256
            if not entry["ok"]:
                self.problem("artifact", InputError("hash-mismatch", f"{location}: sha256 is "
                             f"{fetched.sha256}, not the declared {declared} (changed or "
                             "tampered with?)"), ("artifact", "sha256"), location)
        return entry, fetched

    def _facts(self, fetched: Fetched) -> dict[str, Any] | None:
        """The estimator the artifact holds, compared with the record; None if it won't load."""
        engine = self.engine
        settings = engine.settings
        fmt = artifact_format(self.record.get("artifact") or {}, fetched.name)
        inputs = {"artifact": fetched.sha256, "format": fmt,
                  "trusted_types": sorted(settings.trusted_types),
                  "pickle_trusted": fetched.sha256 in settings.trusted_pickles,
                  "sklearn": running_sklearn()}
        found = engine.cached("artifact", inputs, lambda: read_facts(
            fetched, fmt, engine.load_model))
        error = found.get("error")
        if error:
            self.problem("artifact", InputError(error["code"], error["message"]),
                         tuple(error["key"]), fetched.name)
            return None
        facts = {k: v for k, v in found.items() if k != "error"}
        for key, message in record_mismatches(self.record, facts):
            self.problem("record", InputError("record-mismatch", message), key, fetched.name)
        return facts

    # --- measured metrics ----------------------------------------------------------------

    def _evaluation(self) -> Mapping[str, Any]:
        evaluation = self.record.get("evaluation")
        return evaluation if isinstance(evaluation, Mapping) else {}

    def _claimed(self) -> dict[str, Any]:
        metrics = self._evaluation().get("metrics")
        return dict(metrics) if isinstance(metrics, Mapping) else {}

    def _spec(self, artifact: Fetched, artifact_fmt: str, features: Any,
              importance: bool) -> EvaluationSpec | None:
        """What to evaluate; None without an evaluation dataset; _Unusable for bad input."""
        evaluation = self._evaluation()
        ref = evaluation.get("dataset")
        if not isinstance(ref, str):
            return None
        data = self.fetched.get(ref)
        record = dataset_record(self.engine.head, ref) or {}
        location = declared_location(record)
        if data is None:
            raise _Unusable(self._unreadable(ref, "evaluation data"), ("evaluation", "dataset"),
                            location)
        target = evaluation.get("target") or record.get("target")
        if not isinstance(target, str):
            raise _Unusable(InputError("missing-target", "declare the target column in "
                                       "evaluation.target"), ("evaluation",), location)
        sensitive = evaluation.get("sensitive_features") or []
        threshold = evaluation.get("threshold")
        return EvaluationSpec(
            artifact=artifact, artifact_format=artifact_fmt, data=data,
            data_format=dataset_format(record, data.name),
            features=tuple(str(f) for f in features) if isinstance(features, list) else None,
            target=target, task=self.model.get("task") if isinstance(self.model, Mapping)
            else None, threshold=float(threshold) if isinstance(threshold, int | float) else None,
            positive_label=evaluation.get("positive_label"),
            sensitive_features=tuple(str(s) for s in sensitive), importance=importance)

    def _unreadable(self, ref: str, role: str) -> InputError:
        cause = self.unreadable.get(ref) or InputError("not-found", "not declared")
        return InputError(cause.code, f"{role} {ref} cannot be read ({cause.message})")

    def _run(self, spec: EvaluationSpec) -> dict[str, Any]:
        engine = self.engine
        settings = engine.settings
        trusted_pickle = spec.artifact.sha256 in settings.trusted_pickles

        def inputs_of(wanted: EvaluationSpec) -> dict[str, Any]:
            inputs = wanted.cache_inputs(settings.trusted_types, trusted_pickle,
                                         running_sklearn())
            mode = engine.backend.mode(wanted.data, wanted.data_format)
            if mode != "whole":  # the importance sample differs from the whole read's
                inputs["mode"] = mode
            return inputs

        if not spec.importance and engine.one_pass:
            # The same evaluation with importance (the version's own, when the champion is
            # the version itself) holds the same metrics.
            found = engine.known("evaluation", inputs_of(spec.with_importance()))
            if found is not None:
                return found
        return engine.cached("evaluation", inputs_of(spec), lambda: evaluate(
            spec, engine.load_model, engine.read_data, engine.one_pass, engine.backend))

    def _evaluate(self, artifact: Fetched) -> dict[str, Any] | None:
        record = self.record.get("artifact") or {}
        try:
            spec = self._spec(artifact, artifact_format(record, artifact.name),
                              self.record.get("features"), importance=True)
        except _Unusable as exc:
            self.problem("evaluation", exc.error, exc.key, exc.file)
            return None
        if spec is None:
            self.notes.append("no evaluation dataset declared: metrics are not measured")
            self._unmeasurable_claims("no evaluation.dataset is declared")
            return None
        result = self._run(spec)
        error = result.get("error")
        if error:
            self.problem(error["area"], InputError(error["code"], error["message"]),
                         tuple(error["key"]), spec.data.name if error["area"] != "artifact"
                         else artifact.name)
        return result

    def _unmeasurable_claims(self, reason: str) -> None:
        """Claims nothing can check: rules read them as facts, so say so (EV-103)."""
        claimed = self._claimed()
        if claimed:
            self.problem("unbacked", InputError("claim-unmeasured", f"metrics are claimed "
                         f"({', '.join(map(str, claimed))}) but cannot be measured: {reason}"),
                         ("evaluation", "metrics"), None)

    def _diffs(self, result: Mapping[str, Any]) -> dict[str, Any]:
        measured = result["metrics"]
        tolerance = self.engine.settings.metric_tolerance
        diffs: dict[str, Any] = {}
        for name, claimed in self._claimed().items():
            key = ("evaluation", "metrics", name)
            metric = canonical_metric(str(name))
            if metric not in measurable(result["task"]):
                self.problem("unmeasured", InputError("unknown-metric", f"claimed metric "
                             f"{name!r} cannot be measured for a {result['task']} model "
                             f"(measurable: {', '.join(measurable(result['task']))})"),
                             key, None)
                continue
            if metric not in measured:  # a metric we know, undefined here: not on trust
                self.problem("metrics", InputError("claim-unmeasured", f"{name} is claimed as "
                             f"{claimed} but cannot be measured: {_undefined(metric, result)}"),
                             key, None)
                continue
            if not isinstance(claimed, int | float) or isinstance(claimed, bool):
                continue
            value = measured[metric]
            diff = round(float(claimed) - value, 6)
            allowed = tolerance * max(1.0, abs(value)) if metric in SCALED_METRICS else tolerance
            ok = abs(diff) <= allowed + 1e-12
            message = (f"{self.id}: {name} is claimed as {claimed} but measures {value:.6g} "
                       f"on {self._evaluation().get('dataset')} (difference {diff:+.4g}, "
                       f"tolerance {allowed:.4g})")
            diffs[str(name)] = {"claimed": claimed, "measured": value, "diff": diff,
                                "tolerance": allowed, "ok": ok}
            if not ok:
                self.problem("metrics", InputError("claim-mismatch", message.split(": ", 1)[1]),
                             key, None)
        return diffs

    def _environment(self, facts: Mapping[str, Any]) -> dict[str, Any]:
        recorded = (facts.get("saved_with") or {}).get("scikit-learn")
        requirements = self.record.get("requirements")
        declared = requirements.get("scikit-learn") if isinstance(requirements,
                                                                  Mapping) else None
        environment = compare_environment(recorded, str(declared) if declared else None,
                                          running_sklearn())
        if not environment["ok"]:
            key = ("requirements", "scikit-learn") if declared else ("artifact",)
            self.problem("environment", InputError("sklearn-mismatch",
                         "; ".join(environment["mismatches"])), key, None)
        return environment

    # --- champion ------------------------------------------------------------------------

    def _champions(self) -> list[dict[str, Any]]:
        """Each version in production on the base, evaluated on this version's data.

        The first is the champion rules read as `champion` (the newest deployment)."""
        base = self.engine.base
        if base is None:
            return []
        model = models(base).get(self.model_name) or {}
        live = production_version(model)
        if live is None:
            return []
        others = [(v, r) for v, r in versions_of(model).items() if v != live[0] and
                  isinstance(r, Mapping) and r.get("stage") == "production"]
        return [self._champion(str(v), r) for v, r in [live, *others]]

    def _champion(self, version: str, record: Mapping[str, Any]) -> dict[str, Any]:
        champion_id = f"{self.model_name}@{version}"
        out: dict[str, Any] = {"id": champion_id, "metrics": {}, "problems": [],
                               "evaluated_on": self._evaluation().get("dataset")}
        artifact = record.get("artifact")
        location = declared_location(artifact) if isinstance(artifact, Mapping) else None
        if location is None or not isinstance(artifact, Mapping):
            out["problems"].append(f"{champion_id} declares no artifact on the base revision")
            return out
        store = self.engine.base_files or self.engine.files
        try:
            fetched = store.fetch(location)
        except InputError as exc:
            out["problems"].append(exc.message)
            return out
        if artifact.get("sha256") and artifact["sha256"] != fetched.sha256:
            out["problems"].append(f"{location}: sha256 {fetched.sha256} does not match the "
                                   f"declared {artifact['sha256']} on the base revision")
            return out
        try:
            spec = self._spec(fetched, artifact_format(artifact, location),
                              record.get("features"), importance=False)
        except _Unusable as exc:
            out["problems"].append(exc.error.message)
            return out
        if spec is None:
            out["problems"].append("the challenger declares no evaluation dataset")
            return out
        result = self._run(spec)
        if result.get("error"):
            out["problems"].append(result["error"]["message"])
            return out
        out["metrics"] = result["metrics"]
        return out

    def _compare(self, champions: list[dict[str, Any]], result: Mapping[str, Any] | None
                 ) -> list[dict[str, Any]]:
        where = (*self.path, "stage")
        if result is None:
            reason = ("its own metrics were not measured (see the other evidence findings)"
                      if self.problems or self.notes else "its own metrics were not measured")
            return [cannot_compare(self.id, c["id"], reason, where) for c in champions]
        tolerance = self.engine.settings.champion_tolerance
        return [compare_with_champion(self.id, result["metrics"], result["task"], c,
                                      tolerance, where) for c in champions]

    # --- drift ---------------------------------------------------------------------------

    def _drift(self) -> dict[str, Any] | None:
        monitoring = self.record.get("monitoring")
        if not isinstance(monitoring, Mapping):
            return None
        refs = {k: monitoring.get(k) for k in ("reference", "current")}
        if not all(isinstance(r, str) for r in refs.values()):
            return None
        fetched = {k: self.fetched.get(str(r)) for k, r in refs.items()}
        for key, data in fetched.items():
            if data is None:
                self.problem("monitoring", self._unreadable(str(refs[key]), f"{key} data"),
                             ("monitoring", key), None)
        if fetched["reference"] is None or fetched["current"] is None:
            return None
        features = self.record.get("features")
        if not isinstance(features, list) or not features:
            self.problem("monitoring", InputError("no-features", "drift cannot be measured: "
                         "the version declares no `features` to compare"), ("monitoring",),
                         None)
            return None
        reference, current = fetched["reference"], fetched["current"]
        threshold = self.engine.settings.drift_psi_threshold
        formats = [dataset_format(dataset_record(self.engine.head, str(refs[k])) or {}, f.name)
                   for k, f in (("reference", reference), ("current", current))]
        inputs = {"reference": reference.sha256, "current": current.sha256,
                  "features": list(features), "threshold": threshold, "formats": formats}
        result = self.engine.cached("drift", inputs, lambda: _drift(
            reference, current, formats, [str(f) for f in features], threshold,
            self.engine.read_data, self.engine.backend))
        if result.get("error"):
            error = result["error"]
            self.problem("monitoring", InputError(error["code"], error["message"]),
                         tuple(error["key"]), None)
            return None
        return {"reference": refs["reference"], "current": refs["current"], **result}


class _Unusable(Exception):
    def __init__(self, error: InputError, key: KeyPath, file: str | None) -> None:
        super().__init__(error.message)
        self.error, self.key, self.file = error, key, file


def _drift(reference: Fetched, current: Fetched, formats: list[str], features: list[str],
           threshold: float, read: FrameReader, backend: Backend) -> dict[str, Any]:
    from charter.evidence.drift import drift_report
    from charter.evidence.stream import Restart, RoleError

    modes = {backend.mode(reference, formats[0]), backend.mode(current, formats[1])}
    if modes != {"whole"}:
        try:
            if modes == {"spark"}:
                from charter.evidence.backends.spark import drift_spark

                report = drift_spark(reference, current, features, threshold,
                                     backend.spark_master)
            else:
                from charter.evidence.stream import drift_streamed

                report = drift_streamed(reference, current, formats, features, threshold)
            return {**report, "error": None}
        except RoleError as exc:
            return failure("monitoring", exc.error, ("monitoring", exc.role))
        except Restart:
            pass  # read whole below

    columns = {name: "feature" for name in features}
    frames = []
    for key, fetched, fmt in (("reference", reference, formats[0]),
                              ("current", current, formats[1])):
        try:
            frames.append(read(fetched, fmt, columns))
        except InputError as exc:
            return failure("monitoring", exc, ("monitoring", key))
    try:
        report = drift_report(frames[0], frames[1], features, threshold)
    except InputError as exc:
        return failure("monitoring", exc, ("monitoring", "current"))
    return {**report, "error": None}


def _undefined(metric: str, result: Mapping[str, Any]) -> str:
    if metric in ("roc_auc", "log_loss", "brier") and not result.get("scored", True):
        return "the model gives no probability scores (it has no predict_proba)"
    return "it is not defined for this model on this data (a single class, or more than two?)"
