"""Predict on the evaluation data and compute metrics by their scikit-learn names."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from charter.evidence.problems import InputError

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

CLASSIFICATION_METRICS = ("roc_auc", "accuracy", "precision", "recall", "f1", "log_loss",
                          "brier")
REGRESSION_METRICS = ("r2", "mae", "rmse")
SCORE_METRICS = ("roc_auc", "log_loss", "brier")
ALIASES = {"auc": "roc_auc", "brier_score": "brier", "brier_score_loss": "brier",
           "f1_score": "f1", "accuracy_score": "accuracy", "r2_score": "r2",
           "mean_absolute_error": "mae", "root_mean_squared_error": "rmse"}
# Metrics on the target's own scale are compared with a relative tolerance.
SCALED_METRICS = ("mae", "rmse")
# scikit-learn classifiers whose predict() is the class of highest predict_proba (their
# probabilities are a monotone map of the scores predict() compares): their labels come from
# the one predict_proba call. Rows where the highest probability is tied, which rounding can
# produce at the decision boundary, still ask predict(). Any other classifier (SVC with
# Platt scaling, for one) is asked both.
ARGMAX_CLASSIFIERS = frozenset({
    "sklearn.linear_model._logistic.LogisticRegression",
    "sklearn.ensemble._gb.GradientBoostingClassifier",
    "sklearn.ensemble._hist_gradient_boosting.gradient_boosting."
    "HistGradientBoostingClassifier",
    "sklearn.ensemble._forest.RandomForestClassifier",
    "sklearn.ensemble._forest.ExtraTreesClassifier",
    "sklearn.tree._classes.DecisionTreeClassifier",
    "sklearn.tree._classes.ExtraTreeClassifier",
    "sklearn.naive_bayes.GaussianNB",
})


@dataclass(frozen=True)
class Predictions:
    task: str  # classification | regression
    truth: np.ndarray  # regression: values; classification: 1 for the positive class, else 0
    predicted: np.ndarray  # regression: values; classification: 0/1 labels
    score: np.ndarray | None  # probability of the positive class
    positive: Any = None
    # More than two classes: truth and predicted are the labels themselves, `proba` has a
    # column per class in `classes`.
    classes: tuple[Any, ...] = ()
    proba: np.ndarray | None = None
    counts: tuple[int, int, int, int] | None = field(default=None, compare=False, repr=False)

    @property
    def multiclass(self) -> bool:
        return len(self.classes) > 2


def task_of(estimator: Any, declared: str | None) -> str:
    from sklearn.base import is_classifier, is_regressor

    if is_classifier(estimator):
        return "classification"
    if is_regressor(estimator):
        return "regression"
    return declared or ("classification" if hasattr(estimator, "predict_proba") else
                        "regression")


def predict(estimator: Any, frame: pd.DataFrame, features: Sequence[str], target: str,
            task: str, threshold: float | None = None, positive: Any = None,
            one_pass: bool = True) -> Predictions:
    """`one_pass` False: labels always from predict(), the plain twin tests compare with."""
    import numpy as np

    inputs = frame[list(features)]
    truth = frame[target]
    if truth.isna().any():
        raise InputError("wrong-dtype", f"target column {target!r} has "
                         f"{int(truth.isna().sum())} missing values")
    if task == "regression":
        if not _numeric(truth):
            raise InputError("wrong-dtype", f"target column {target!r} is not numeric "
                             f"(dtype {truth.dtype}) but the model is a regressor")
        predicted = _call(estimator.predict, inputs, frame, features)
        return Predictions(task, truth.to_numpy(dtype=float),
                           np.asarray(predicted, dtype=float), None)
    classes = list(getattr(estimator, "classes_", []))
    positive = _positive_class(classes, positive, target)
    unknown = sorted({str(v) for v in truth.unique()} - {str(c) for c in classes})
    if classes and unknown:
        raise InputError("wrong-dtype", f"target column {target!r} has values "
                         f"{', '.join(unknown[:5])} that are not among the model's classes "
                         f"({', '.join(str(c) for c in classes)})")
    if len(classes) > 2:
        return _multiclass(estimator, inputs, frame, features, truth, classes, one_pass)
    score = None
    proba = None
    if hasattr(estimator, "predict_proba") and len(classes) == 2:
        proba = np.asarray(_call(estimator.predict_proba, inputs, frame, features))
        score = proba[:, classes.index(positive)].astype(float)
    if threshold is not None and score is not None:
        labels = (score >= threshold).astype(int)
    else:
        raw = _labels(estimator, proba, classes, inputs, frame, features, one_pass)
        labels = _is(np.asarray(raw), positive)
    truth_labels = _is(truth.to_numpy(), positive)
    return Predictions(task, truth_labels, labels, score, positive)


def _multiclass(estimator: Any, inputs: pd.DataFrame, frame: pd.DataFrame,
                features: Sequence[str], truth: pd.Series, classes: list[Any],
                one_pass: bool) -> Predictions:
    import numpy as np

    by_name = {str(c): c for c in classes}
    labels = np.asarray([by_name[str(v)] for v in truth.to_numpy()])
    proba = (np.asarray(_call(estimator.predict_proba, inputs, frame, features), dtype=float)
             if hasattr(estimator, "predict_proba") else None)
    predicted = np.asarray(_labels(estimator, proba, classes, inputs, frame, features,
                                   one_pass))
    return Predictions("classification", labels, predicted, None, None, tuple(classes), proba)


def argmax_predicts(estimator: Any) -> bool:
    """Whether predict() of `estimator` (a Pipeline: its final step) is argmax predict_proba."""
    from charter.evidence.facts import final_estimator

    final, _ = final_estimator(estimator)
    kind = type(final)
    # A subclass of a listed classifier keeps the argmax only if it changes neither method.
    for base in kind.__mro__:
        if f"{base.__module__}.{base.__qualname__}" in ARGMAX_CLASSIFIERS:
            return all(getattr(kind, m) is getattr(base, m) for m in ("predict",
                                                                       "predict_proba"))
    return False


def _labels(estimator: Any, proba: np.ndarray | None, classes: list[Any],
            inputs: pd.DataFrame, frame: pd.DataFrame, features: Sequence[str],
            one_pass: bool) -> np.ndarray:
    """The labels predict() gives, taken from `proba` where that is the same thing."""
    import numpy as np

    if not one_pass or proba is None or not classes or not argmax_predicts(estimator):
        return np.asarray(_call(estimator.predict, inputs, frame, features))
    top = np.argmax(proba, axis=1)
    labels: np.ndarray = np.asarray(estimator.classes_)[top]
    highest = proba[np.arange(len(proba)), top]
    ties = np.flatnonzero((proba == highest[:, None]).sum(axis=1) > 1)
    if len(ties):
        labels[ties] = np.asarray(_call(estimator.predict, inputs.iloc[ties], frame, features))
    return labels


def _positive_class(classes: list[Any], declared: Any, target: str) -> Any:
    if declared is None:
        return classes[-1] if classes else 1
    for candidate in classes:
        if str(candidate) == str(declared):
            return candidate
    raise InputError("wrong-dtype", f"evaluation.positive_label {declared!r} is not a class "
                     f"of the model ({', '.join(str(c) for c in classes)}) for {target!r}")


def _is(values: np.ndarray, positive: Any) -> np.ndarray:
    import numpy as np

    if values.dtype.kind in "biuf":
        equal: np.ndarray = values == positive
        return equal.astype(int)
    return np.asarray([str(v) == str(positive) for v in values], dtype=int)


def _numeric(series: pd.Series) -> bool:
    import pandas as pd

    return bool(pd.api.types.is_numeric_dtype(series) and not
                pd.api.types.is_bool_dtype(series))


def _call(method: Callable[[Any], Any], inputs: pd.DataFrame, frame: pd.DataFrame,
          features: Sequence[str]) -> Any:
    try:
        return method(inputs)
    except Exception as exc:
        raise InputError("wrong-dtype", f"the model cannot predict on this data: "
                         f"{_diagnose(frame, features) or _short(exc)}") from None


def _diagnose(frame: pd.DataFrame, features: Sequence[str]) -> str:
    """Name a text column that is mostly numbers: the usual cause of a failed predict()."""
    import pandas as pd

    for column in features:
        series = frame[column]
        if series.isna().any():
            return (f"column {column!r} has {int(series.isna().sum())} missing values, which "
                    "the model cannot handle")
        if pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series):
            continue
        numbers = pd.to_numeric(series, errors="coerce")
        bad = series[numbers.isna() & series.notna()]
        if numbers.notna().mean() >= 0.5 and len(bad):
            return (f"column {column!r} should be numeric but has text values "
                    f"(e.g. {str(bad.iloc[0])!r} in {len(bad)} rows)")
    return ""


def _short(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {lines[0][:200] if lines else ''}"


def canonical_metric(name: str) -> str:
    return ALIASES.get(name, name)


def compute_metrics(predictions: Predictions, names: Sequence[str]) -> dict[str, float]:
    """The metrics among `names` that apply to the task (canonical names, 6 decimals)."""
    from charter.evidence import figures

    wanted = list(dict.fromkeys(canonical_metric(n) for n in names))
    if predictions.multiclass:
        values: dict[str, float | None] = {name: _MULTICLASS[name](predictions) for name in
                                           wanted if name in _MULTICLASS and (
                                               name not in SCORE_METRICS or
                                               predictions.proba is not None)}
    elif predictions.task == "regression":
        values = figures.regression_figures(figures.regression_stats(predictions.truth,
                                                                     predictions.predicted))
    else:
        values = figures.binary_figures(figures.binary_stats(
            predictions.truth, predictions.predicted, predictions.score))
        if predictions.score is not None and not _probabilities(predictions.score):
            # Not probabilities: scikit-learn decides (and raises) as it always has.
            values.update({name: _SCORE_FALLBACK[name](predictions) for name in SCORE_METRICS
                           if name in wanted})
    return figures.selected_metrics(values, [n for n in wanted if n in measurable(
        predictions.task)])


def measurable(task: str) -> tuple[str, ...]:
    return CLASSIFICATION_METRICS if task == "classification" else REGRESSION_METRICS


def _roc_auc(p: Predictions) -> float | None:
    from sklearn.metrics import roc_auc_score  # scikit-learn's checks and errors

    if len(set(p.truth.tolist())) < 2:
        return None
    return float(roc_auc_score(p.truth, p.score))


def _probabilities(score: np.ndarray) -> bool:
    """Scores in [0, 1]: figures come from their statistics; other scores go to
    scikit-learn, which decides (and raises)."""
    import numpy as np

    return score.size > 0 and bool(np.all(score >= 0.0) and np.all(score <= 1.0))


def _log_loss(p: Predictions) -> float:
    from sklearn.metrics import log_loss

    return float(log_loss(p.truth, p.score, labels=[0, 1]))


def _brier(p: Predictions) -> float:
    from sklearn.metrics import brier_score_loss

    return float(brier_score_loss(p.truth, p.score))


_SCORE_FALLBACK: Mapping[str, Callable[[Predictions], float | None]] = {
    "roc_auc": _roc_auc, "log_loss": _log_loss, "brier": _brier}


def _multi(name: str, **kwargs: Any) -> Callable[[Predictions], float]:
    def compute(p: Predictions) -> float:
        import sklearn.metrics as skm

        if name in ("roc_auc_score", "log_loss"):
            return float(getattr(skm, name)(p.truth, p.proba, labels=list(p.classes), **kwargs))
        return float(getattr(skm, name)(p.truth, p.predicted, **kwargs))

    return compute


# More than two classes: macro averages, one-vs-rest AUC; no Brier score.
_MULTICLASS: Mapping[str, Callable[[Predictions], float | None]] = {
    "roc_auc": _multi("roc_auc_score", multi_class="ovr"),
    "accuracy": _multi("accuracy_score"),
    "precision": _multi("precision_score", average="macro", zero_division=0),
    "recall": _multi("recall_score", average="macro", zero_division=0),
    "f1": _multi("f1_score", average="macro", zero_division=0),
    "log_loss": _multi("log_loss"),
}
