"""Green, amber or red: the bands a monitoring run is judged by, from `monitoring.checks`.

Drift: PSI per feature, the Kolmogorov-Smirnov statistic per numeric feature (amber at or
above `amber`, red at or above `red`) and the chi-square p-value per categorical feature
(amber at or below `amber`, red at or below `red`). When `checks.drift` declares none of
them, PSI is judged with the usual bands: amber from 0.1, red from 0.25.
Performance: the decay of the live metric below the validated one (above it, for a metric
where lower is better), amber and red from the declared `decay` band.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from charter.inventory.monitoring import DEFAULT_DRIFT_BANDS as DEFAULT_DRIFT_BANDS
from charter.inventory.monitoring import drift_bands as drift_bands
from charter.monitoring.ledger import worst

LOWER_IS_BETTER = ("log_loss", "brier", "mae", "rmse")
# Where each band's statistic is in a drift row, and whether small values are the bad ones.
_STATISTICS = {"psi": ("psi", False), "ks": ("ks", False), "chi2_p": ("chi2_p", True)}


def band_of(value: float | None, band: Mapping[str, float], low_is_bad: bool = False) -> str:
    if value is None:
        return "green"
    if low_is_bad:
        return "red" if value <= band["red"] else "amber" if value <= band["amber"] else "green"
    return "red" if value >= band["red"] else "amber" if value >= band["amber"] else "green"


def feature_band(row: Mapping[str, Any], bands: Mapping[str, Mapping[str, float]]) -> str:
    found = []
    for name, band in bands.items():
        key, low_is_bad = _STATISTICS[name]
        found.append(band_of(row.get(key), band, low_is_bad))
    return worst(found)


def decay_of(metric: str, validated: float, live: float) -> float:
    """How much worse the live metric is than the validated one (negative: better)."""
    change = live - validated if metric in LOWER_IS_BETTER else validated - live
    return round(change, 6)
