"""What a version's `monitoring.checks.drift` declares, with the bands it implies.

Shared by the monitor, which colours runs by these bands, and the policy layer, which
judges a pull request that changes them: both must read one declaration the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# The drift statistics a check may band; when a version declares none, PSI is judged with
# the usual bands.
DRIFT_STATISTICS = ("psi", "ks", "chi2_p")
DEFAULT_DRIFT_BANDS: dict[str, dict[str, float]] = {"psi": {"amber": 0.1, "red": 0.25}}


def drift_bands(drift_check: Mapping[str, Any]) -> dict[str, dict[str, float]]:
    """The amber and red bands of each drift statistic a run is judged by."""
    declared = {name: {"amber": float(spec["amber"]), "red": float(spec["red"])}
                for name, spec in drift_check.items()
                if name in DRIFT_STATISTICS and isinstance(spec, Mapping)}
    return declared or {k: dict(v) for k, v in DEFAULT_DRIFT_BANDS.items()}
