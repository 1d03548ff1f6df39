"""What an artifact really holds: its estimator class, hyperparameters and saving libraries.

A record's `algorithm`, `parameters` and `requirements` are claims; these facts are read from
the loaded model so that they can be compared with the claims (rule EV-101). For a Pipeline
the estimator is its final step: the preprocessing steps are not what `algorithm` names.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from charter.evidence.artifacts import LoadedModel, ModelLoader
from charter.evidence.files import Fetched
from charter.evidence.problems import InputError, failure

MAX_DEPTH = 4  # nested parameter values deeper than this are shown by their type
MAX_ITEMS = 100


def read_facts(fetched: Fetched, fmt: str, load: ModelLoader) -> dict[str, Any]:
    """The facts of the artifact, or an `error` (the artifact cannot be loaded or read)."""
    try:
        loaded = load(fetched, fmt)
        return {**artifact_facts(loaded, fetched.name), "error": None}
    except InputError as exc:
        return failure("artifact", exc, ("artifact", "path"))


def artifact_facts(loaded: LoadedModel, name: str) -> dict[str, Any]:
    final, container = final_estimator(loaded.estimator)
    estimator = "passthrough" if final is None or isinstance(final, str) else \
        type(final).__name__
    return {
        "estimator": estimator,
        "module": type(final).__module__ if estimator != "passthrough" else None,
        "final_estimator_of": container,
        "parameters": _parameters(final, name) if estimator != "passthrough" else {},
        "saved_with": {k: v for k, v in loaded.saved_with.items() if v is not None},
        "format": loaded.format,
    }


def final_estimator(estimator: Any) -> tuple[Any, str | None]:
    """The estimator that predicts, and the class of the Pipeline around it, if any."""
    from sklearn.pipeline import Pipeline

    container = None
    while isinstance(estimator, Pipeline) and estimator.steps:
        container = container or type(estimator).__name__
        estimator = estimator.steps[-1][1]
    return estimator, container


def _parameters(estimator: Any, name: str) -> dict[str, Any]:
    get_params = getattr(estimator, "get_params", None)
    if not callable(get_params):
        return {}
    try:
        params = get_params(deep=False)
    except Exception as exc:  # a damaged or foreign estimator: say so, do not guess
        raise InputError("unreadable-parameters", f"{name}: cannot read the hyperparameters "
                         f"of its {type(estimator).__name__} ({type(exc).__name__}: "
                         f"{exc})") from None
    if not isinstance(params, Mapping):
        raise InputError("unreadable-parameters", f"{name}: get_params() of its "
                         f"{type(estimator).__name__} returned no mapping")
    return {str(k): json_safe(v) for k, v in params.items()}


def json_safe(value: Any, depth: int = 0) -> Any:
    """A JSON value that shows `value`: estimators by class name, numpy scalars as numbers."""
    if value is None or isinstance(value, bool | str | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if depth >= MAX_DEPTH:
        return type(value).__name__
    if callable(getattr(value, "get_params", None)):
        return type(value).__name__
    if type(value).__module__ == "numpy" and callable(getattr(value, "tolist", None)):
        size = getattr(value, "size", 1)
        return json_safe(value.tolist(), depth + 1) if size <= MAX_ITEMS else \
            f"array of shape {getattr(value, 'shape', '?')}"
    if isinstance(value, list | tuple):
        return [json_safe(v, depth + 1) for v in value[:MAX_ITEMS]]
    if isinstance(value, Mapping):
        return {str(k): json_safe(v, depth + 1) for k, v in list(value.items())[:MAX_ITEMS]}
    if isinstance(value, type) or callable(value):
        return str(getattr(value, "__name__", type(value).__name__))
    return repr(value)[:200]
