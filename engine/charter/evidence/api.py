"""The evidence API other parts of Charter call (reports, `charter evidence`, the gate)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from charter.errors import CharterError
from charter.evidence.backends import Backend, spark_unavailable
from charter.evidence.compute import EvidenceEngine
from charter.evidence.files import FileStore
from charter.evidence.progress import progress
from charter.evidence.settings import EvidenceSettings
from charter.inventory.entities import iter_entities
from charter.vcs.cache import Cache
from charter.wording import plural


@dataclass(frozen=True)
class EvidenceRun:
    evidence: dict[str, dict[str, Any]]
    computed: int  # steps computed
    reused: int  # steps read from the cache that an earlier run wrote
    shared: int = 0  # steps computed once in this run and used for several versions

    def summary(self) -> str:
        """`evidence for 2 versions: 4 steps computed, 4 shared, none from the cache`."""
        shared = f", {self.shared} shared between versions" if self.shared else ""
        cached = str(self.reused) if self.reused else "none"
        return (f"evidence for {plural(len(self.evidence), 'version')}: "
                f"{plural(self.computed, 'step')} computed{shared}, {cached} from the cache")


def version_ids(inventory: Mapping[str, Any]) -> list[str]:
    return [e.id for e in iter_entities(inventory) if e.kind == "version"]


def compute_evidence(root: Path, inventory: Mapping[str, Any],
                     version_ids: list[str] | None = None,
                     base_inventory: Mapping[str, Any] | None = None,
                     use_cache: bool = True, commit: str | None = None,
                     one_pass: bool = True) -> dict[str, dict[str, Any]]:
    """Evidence per version id (every version when `version_ids` is None).

    Files are read from the work tree at `root`, or from git `commit` when given (the
    inventory's own commit, for a report of that commit). Trust settings (trusted types and
    pickles, URI schemes, metric tolerance) come from `base_inventory` when given, else from
    `inventory` itself; the champion is the production version in `base_inventory`.
    """
    return run_evidence(root, inventory, version_ids, base_inventory,
                        trust=base_inventory if base_inventory is not None else inventory,
                        use_cache=use_cache, head_commit=commit,
                        base_commit=commit, one_pass=one_pass).evidence


def chosen_backend(settings: EvidenceSettings, engine: str | None = None,
                   spark_master: str | None = None) -> Backend:
    """The backend settings.evidence names, with the command line's choice over it; asking
    for Spark where it cannot run is bad configuration (exit 2), never a silent fallback."""
    backend = replace(settings.backend, engine=engine or settings.backend.engine,
                      spark_master=spark_master or settings.backend.spark_master,
                      trusted_types=settings.trusted_types,
                      trusted_pickles=settings.trusted_pickles)
    if backend.engine == "spark":
        unavailable = spark_unavailable()
        if unavailable:
            raise CharterError.at(f"evidence cannot be computed with the Spark engine: "
                                  f"{unavailable}")
    return backend


def run_evidence(root: Path, inventory: Mapping[str, Any], ids: list[str] | None,
                 base_inventory: Mapping[str, Any] | None, trust: Mapping[str, Any] | None,
                 use_cache: bool = True, head_commit: str | None = None,
                 base_commit: str | None = None, trust_pickles: bool = True,
                 one_pass: bool = True, engine: str | None = None,
                 spark_master: str | None = None) -> EvidenceRun:
    """`engine`, `spark_master`: the command line's choice over settings.evidence."""
    settings = EvidenceSettings.of(trust, pickles=trust_pickles)
    backend = chosen_backend(settings, engine, spark_master)
    cache = Cache.for_repo(root, use_cache)
    wanted = version_ids(inventory) if ids is None else list(ids)
    schemes = settings.allowed_uri_schemes
    with FileStore(root, head_commit, schemes, cache) as files, \
            FileStore(root, base_commit, schemes, cache) as base_files:
        runner = EvidenceEngine(root, inventory, files, settings, base_inventory, base_files,
                                cache, one_pass=one_pass, backend=backend)
        out = {vid: runner.version(vid) for vid in progress(wanted, len(wanted), "evidence")}
    return EvidenceRun(out, runner.computed, runner.reused, runner.shared)
