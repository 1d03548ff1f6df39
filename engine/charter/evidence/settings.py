"""The repository settings evidence depends on, read from the trusted revision."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from charter.evidence.backends import DEFAULT_SPARK_MASTER, DEFAULT_STREAM_ABOVE_MB, Backend
from charter.evidence.champion import DEFAULT_CHAMPION_TOLERANCE
from charter.evidence.drift import DEFAULT_PSI_THRESHOLD

DEFAULT_METRIC_TOLERANCE = 0.005


@dataclass(frozen=True)
class EvidenceSettings:
    metric_tolerance: float = DEFAULT_METRIC_TOLERANCE
    drift_psi_threshold: float = DEFAULT_PSI_THRESHOLD
    trusted_types: tuple[str, ...] = ()
    trusted_pickles: tuple[str, ...] = ()
    allowed_uri_schemes: tuple[str, ...] = ()
    champion_tolerance: float = DEFAULT_CHAMPION_TOLERANCE
    # settings.evidence: engine, spark_master, stream_above_mb
    backend: Backend = field(default_factory=Backend)

    @classmethod
    def of(cls, inventory: Mapping[str, Any] | None, pickles: bool = True) -> EvidenceSettings:
        """`pickles=False`: trust no pickle (there is no base revision to vouch for one)."""
        raw = (inventory or {}).get("settings")
        raw = raw if isinstance(raw, Mapping) else {}
        return cls(
            metric_tolerance=_number(raw.get("metric_tolerance"), DEFAULT_METRIC_TOLERANCE),
            drift_psi_threshold=_number(raw.get("drift_psi_threshold"), DEFAULT_PSI_THRESHOLD),
            trusted_types=_strings(raw.get("trusted_types")),
            trusted_pickles=_strings(raw.get("trusted_pickles")) if pickles else (),
            allowed_uri_schemes=_strings(raw.get("allowed_uri_schemes")),
            champion_tolerance=_number(raw.get("champion_tolerance"),
                                       DEFAULT_CHAMPION_TOLERANCE),
            backend=_backend(raw.get("evidence")),
        )

    def as_dict(self) -> dict[str, Any]:
        return {"metric_tolerance": self.metric_tolerance,
                "drift_psi_threshold": self.drift_psi_threshold,
                "trusted_types": list(self.trusted_types),
                "trusted_pickles": list(self.trusted_pickles),
                "allowed_uri_schemes": list(self.allowed_uri_schemes),
                "champion_tolerance": self.champion_tolerance,
                "evidence": {"engine": self.backend.engine,
                             "spark_master": self.backend.spark_master,
                             "stream_above_mb": self.backend.stream_above_mb}}


def _number(value: Any, default: float) -> float:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) \
        else default


def _strings(value: Any) -> tuple[str, ...]:
    return tuple(sorted(str(v) for v in value)) if isinstance(value, list) else ()


def _backend(value: Any) -> Backend:
    raw = value if isinstance(value, Mapping) else {}
    engine = raw.get("engine")
    master = raw.get("spark_master")
    return Backend(engine if engine in ("pandas", "spark") else "pandas",
                   master if isinstance(master, str) and master else DEFAULT_SPARK_MASTER,
                   _number(raw.get("stream_above_mb"), DEFAULT_STREAM_ABOVE_MB))
