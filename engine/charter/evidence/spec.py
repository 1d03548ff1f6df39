"""What one evaluation measures (the spec every backend is given), and the result a backend
that counted sufficient statistics reports."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from typing import TYPE_CHECKING, Any

from charter.evidence.artifacts import LoadedModel
from charter.evidence.figures import BinaryStats, RegressionStats
from charter.evidence.files import Fetched
from charter.evidence.importance import permutation_top
from charter.evidence.measure import measurable

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class EvaluationSpec:
    artifact: Fetched
    artifact_format: str
    data: Fetched
    data_format: str
    features: tuple[str, ...] | None  # None: the model's own feature_names_in_
    target: str
    task: str | None
    threshold: float | None = None
    positive_label: Any = None
    sensitive_features: tuple[str, ...] = ()
    importance: bool = True

    def cache_inputs(self, trusted_types: Sequence[str], pickle_trusted: bool,
                     sklearn_version: str) -> dict[str, Any]:
        inputs = asdict(self)
        inputs["artifact"] = self.artifact.sha256
        inputs["data"] = self.data.sha256
        inputs.update(trusted_types=sorted(trusted_types), pickle_trusted=pickle_trusted,
                      sklearn=sklearn_version)
        return inputs

    def with_importance(self) -> EvaluationSpec:
        return replace(self, importance=True)



def evaluation_result(spec: EvaluationSpec, loaded: LoadedModel, features: Sequence[str],
                      task: str, rows: int, stats: BinaryStats | RegressionStats,
                      fairness: dict[str, Any], scored: bool, sample: pd.DataFrame | None,
                      sample_note: dict[str, Any]) -> dict[str, Any]:
    """The evaluation of a backend that counted `stats` (figures.py gives the figures) and
    read `sample` for permutation importance."""
    from charter.evidence import figures

    values = (figures.regression_figures(stats) if isinstance(stats, RegressionStats)
              else figures.binary_figures(stats))
    result: dict[str, Any] = {
        "task": task, "rows": rows, "features": list(features),
        "recorded_sklearn": loaded.recorded_sklearn,
        "metrics": figures.selected_metrics(values, measurable(task)),
        "scored": scored, "fairness": fairness if task == "classification" else {},
        "importance": [], "error": None,
    }
    if sample is not None:
        result["importance"] = permutation_top(loaded.estimator, sample, features, spec.target,
                                               task, scored)
        result["importance_sample"] = sample_note
    return result
