"""A real scikit-learn classifier that records each prediction call, loadable by skops."""

from __future__ import annotations

from typing import Any, ClassVar

from sklearn.linear_model import LogisticRegression

TYPE = "counting_model.CountingLogisticRegression"


class CountingLogisticRegression(LogisticRegression):
    """predict() and predict_proba() both score rows through decision_function()."""

    calls: ClassVar[list[int]] = []  # rows scored per call, in call order

    def decision_function(self, X: Any) -> Any:
        CountingLogisticRegression.calls.append(len(X))
        return super().decision_function(X)
