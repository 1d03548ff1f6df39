"""One model on one dataset: load, predict, metrics, fairness and importance, as plain data.

The result is a pure function of its inputs' content (artifact and data hashes, the declared
columns, the trust settings and the running scikit-learn), so it is cached under that key.
A problem with the inputs is part of the result (`error`), never an exception.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from charter.evidence.artifacts import LoadedModel, ModelLoader
from charter.evidence.backends import Backend
from charter.evidence.fairness import fairness_table
from charter.evidence.files import Fetched
from charter.evidence.frames import read_frame
from charter.evidence.importance import permutation_top
from charter.evidence.measure import compute_metrics, measurable, predict, task_of
from charter.evidence.problems import InputError, failure
from charter.evidence.spec import EvaluationSpec as EvaluationSpec

if TYPE_CHECKING:
    import pandas as pd

# How an evaluation gets its data: the engine shares it within a run (ModelLoader: its model).
FrameReader = Callable[[Fetched, str, Mapping[str, str]], "pd.DataFrame"]


def evaluate(spec: EvaluationSpec, load: ModelLoader, read: FrameReader = read_frame,
             one_pass: bool = True, backend: Backend | None = None) -> dict[str, Any]:
    """`one_pass` False: the plain twin that asks predict() and predict_proba() both and
    scores permutation importance with scikit-learn."""
    try:
        loaded = load(spec.artifact, spec.artifact_format)
    except InputError as exc:
        return failure("artifact", exc, ("artifact", "path"))
    features = spec.features or _model_features(loaded)
    if not features:
        return failure("evaluation", InputError("no-features", "declare the model's input "
                       "columns in `features` (the model does not record them)"), ())
    try:
        return _dispatch(spec, loaded, features, read, one_pass, backend or Backend())
    except InputError as exc:
        if not exc.message.startswith(spec.data.name):
            exc = InputError(exc.code, f"{spec.data.name}: {exc.message}")
        return failure("evaluation", exc, _key_for(exc, spec))


def _model_features(loaded: LoadedModel) -> tuple[str, ...]:
    names = getattr(loaded.estimator, "feature_names_in_", None)
    return tuple(str(n) for n in names) if names is not None else ()


def _key_for(exc: InputError, spec: EvaluationSpec) -> tuple[str, ...]:
    if exc.code == "missing-target":
        return ("evaluation", "target")
    if exc.code == "missing-column" and spec.features:
        return ("features",)
    return ("evaluation", "dataset")


def _dispatch(spec: EvaluationSpec, loaded: LoadedModel, features: Sequence[str],
              read: FrameReader, one_pass: bool, backend: Backend) -> dict[str, Any]:
    mode = backend.mode(spec.data, spec.data_format)
    task = task_of(loaded.estimator, spec.task)
    if mode == "whole" or len(getattr(loaded.estimator, "classes_", [])) > 2:
        # More than two classes: measured in memory by scikit-learn on every backend.
        return _measure(spec, loaded, features, read, one_pass)
    if mode == "spark":
        from charter.evidence.backends.spark import measure_spark

        return measure_spark(spec, loaded, features, task, backend.spark_master,
                             backend.trusted_types, backend.trusted_pickles)
    from charter.evidence.stream import measure_streamed

    return measure_streamed(spec, loaded, features, task, one_pass)


def measure_with(spec: EvaluationSpec, loaded: LoadedModel, features: Sequence[str],
                 backend: Backend) -> dict[str, Any]:
    """One evaluation on the backend's path for its data (whole, streamed or Spark); raises
    InputError (`charter monitor` measures live partitions this way)."""
    return _dispatch(spec, loaded, features, read_frame, True, backend)


def _measure(spec: EvaluationSpec, loaded: LoadedModel, features: Sequence[str],
             read: FrameReader, one_pass: bool) -> dict[str, Any]:
    columns = {name: "feature" for name in features}
    columns.update({name: "sensitive" for name in spec.sensitive_features})
    columns[spec.target] = "target"
    frame = read(spec.data, spec.data_format, columns)
    task = task_of(loaded.estimator, spec.task)
    predictions = predict(loaded.estimator, frame, features, spec.target, task, spec.threshold,
                          spec.positive_label, one_pass)
    result: dict[str, Any] = {
        "task": task,
        "rows": len(frame),
        "features": list(features),
        "recorded_sklearn": loaded.recorded_sklearn,
        "metrics": compute_metrics(predictions, measurable(task)),
        "scored": predictions.score is not None or predictions.proba is not None,
        "fairness": {},
        "importance": [],
        "error": None,
    }
    binary = task == "classification" and len(getattr(loaded.estimator, "classes_", [])) == 2
    if binary:
        # The column itself, not a copy as Python objects: its groups are found in place.
        result["fairness"] = {name: fairness_table(predictions.truth, predictions.predicted,
                                                   frame[name])
                              for name in spec.sensitive_features}
    if spec.importance:
        result["importance"] = permutation_top(loaded.estimator, frame, features, spec.target,
                                               task, predictions.score is not None,
                                               plain=not one_pass)
    return result
