"""Everything a report states, gathered once from one commit: inventory, rules, results,
and the optional evidence, history and lineage, each with a plain note when unavailable."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from charter import __version__
from charter.errors import CharterError
from charter.gate.ledger import LedgerView, ledger_at
from charter.inventory.diff import Change
from charter.inventory.entities import dataset_record
from charter.inventory.snapshot import load_snapshot, validation_problems
from charter.policy.evaluate import RuleResult, Subject, evaluate_policies
from charter.policy.loader import PolicySet, load_policies
from charter.vcs import git
from charter.vcs.revisions import INVENTORY_FILE, Revision


@dataclass(frozen=True)
class Optional:
    """A piece that another module provides, or the reason it is not in this run."""

    value: Any = None
    note: str = ""

    @property
    def available(self) -> bool:
        return self.value is not None


@dataclass(frozen=True)
class ReportFacts:
    root: Path
    commit: str
    label: str
    committed: dt.datetime  # the commit's committer date: the only date a report states
    today: dt.date  # the evaluation date of date-based rules (the commit's date by default)
    inventory: Mapping[str, Any]
    policies: PolicySet
    results: tuple[RuleResult, ...]
    input_hashes: tuple[tuple[str, str], ...]  # (file, sha256)
    evidence: Optional = field(default_factory=Optional)
    timeline: Optional = field(default_factory=Optional)
    lineage: Optional = field(default_factory=Optional)
    quality: Optional = field(default_factory=lambda: Optional(
        None, "not measured in this run (--no-evidence)"))  # dataset ref -> figures
    # the monitoring ledger at the commit: {"runs": {version id: [run]}, "kpi": {model: ...}}
    ledger: Mapping[str, Any] = field(default_factory=lambda: {"runs": {}, "kpi": {}})
    engine_version: str = __version__

    def results_for(self, entities: set[tuple[str, str]]) -> list[RuleResult]:
        """Results of the (kind, id) entities given."""
        return [r for r in self.results if (r.kind, r.entity) in entities]


def gather_facts(root: Path, ref: str = "HEAD", today: dt.date | None = None,
                 evidence: bool = True, models: Sequence[str] | None = None) -> ReportFacts:
    """The facts of `ref` (a commit: reports are the record of one)."""
    if git.resolve_commit(root, ref) is None:
        raise CharterError.at(f"git revision {ref!r} does not exist: reports are the record of "
                              "a commit, so commit models.yaml and policies/ first")
    revision = Revision.at(root, ref)
    assert revision.commit is not None
    snapshot = load_snapshot(revision)
    if not snapshot.present:
        raise CharterError.at(f"models.yaml not found at {revision.label}", file=INVENTORY_FILE)
    problems = validation_problems(snapshot)
    if problems:
        raise CharterError(problems, summary=f"models.yaml ({revision.label}) is invalid")
    committed = dt.datetime.fromisoformat(git.commit_info(root, revision.commit)["committed"])
    committed = committed.astimezone(dt.UTC)
    day = today or committed.date()
    inventory = snapshot.inventory
    policies = load_policies(revision)
    evidence_part = _evidence(root, inventory, models, revision.commit) if evidence else Optional(
        None, "not computed in this run (--no-evidence)")
    quality = _quality(root, inventory, models, revision.commit) if evidence else Optional(
        None, "not measured in this run (--no-evidence)")
    subject = Subject(inventory, snapshot.source, inventory, Change())
    ledger = LedgerView(revision)  # the rules see the runs recorded at the reported commit
    ledger.list_all()
    results = evaluate_policies(subject, policies, day, None, evidence_part.value or {},
                                inventory, ledger=ledger).results
    return ReportFacts(
        root=root, commit=revision.commit, label=revision.label, committed=committed,
        today=day, inventory=inventory, policies=policies, results=results,
        input_hashes=_input_hashes(revision), evidence=evidence_part,
        timeline=_timeline(root, revision.commit), lineage=_lineage(inventory),
        quality=quality, ledger=_ledger(root, revision.commit),
    )


def _ledger(root: Path, commit: str) -> Mapping[str, Any]:
    from charter.report.ledger import read_ledger

    return read_ledger(root, commit)


def _input_hashes(revision: Revision) -> tuple[tuple[str, str], ...]:
    hashes = []
    for path in [*revision.inventory_files(), *revision.policy_files()]:
        data = revision.read(path)
        if data is not None:
            hashes.append((path, hashlib.sha256(data).hexdigest()))
    return tuple(hashes)


def versions_of_models(inventory: Mapping[str, Any], models: Sequence[str] | None) -> list[str]:
    chosen = inventory.get("models") or {}
    names = list(models) if models else list(chosen)
    return [f"{m}@{v}" for m in names for v in (chosen.get(m) or {}).get("versions") or {}]


def _evidence(root: Path, inventory: Mapping[str, Any], models: Sequence[str] | None,
              commit: str) -> Optional:
    try:
        from charter.evidence.api import compute_evidence
    except ImportError:
        return Optional(None, "not available in this run: the evidence engine is not installed")
    try:
        wanted = versions_of_models(inventory, models)
        try:  # files as of the reported commit, the champion from the same inventory
            found = compute_evidence(root, inventory, wanted, base_inventory=inventory,
                                     commit=commit)
        except TypeError:  # an evidence engine that reads the work tree only
            found = compute_evidence(root, inventory, wanted, base_inventory=inventory)
    except CharterError as exc:
        return Optional(None, f"not available in this run: {exc.render()}")
    except Exception as exc:  # evidence is optional; its failure must not lose the report
        return Optional(None, f"not available in this run: {type(exc).__name__}: {exc}")
    return Optional(dict(found), "")


def _quality(root: Path, inventory: Mapping[str, Any], models: Sequence[str] | None,
             commit: str) -> Optional:
    """Missing values and row counts of every dataset version, measured with the evidence."""
    try:
        from charter.evidence.quality import dataset_quality
    except ImportError:
        return Optional(None, "not measured in this run: the evidence engine is not installed")
    from charter.inventory.entities import dataset_refs

    chosen = inventory.get("models") or {}
    named = [ref for m in (models or list(chosen))
             for record in ((chosen.get(m) or {}).get("versions") or {}).values()
             for ref, _ in dataset_refs(record or {})]
    refs = list(upstream(inventory, named))
    try:
        return Optional(dataset_quality(root, inventory, refs, commit), "")
    except Exception as exc:  # quality figures are optional; their failure must not lose it
        return Optional(None, f"not measured in this run: {type(exc).__name__}: {exc}")


def upstream(inventory: Mapping[str, Any], refs: Iterable[str]) -> dict[str, set[str]]:
    """The given datasets and every dataset they derive from, transitively: ref -> the
    datasets of this lineage it feeds."""
    found: dict[str, set[str]] = {}
    todo = [(r, "") for r in refs]
    while todo:
        ref, child = todo.pop()
        seen = ref in found
        feeds = found.setdefault(ref, set())
        if child:
            feeds.add(child)
        if seen:
            continue
        record = dataset_record(inventory, ref) or {}
        todo += [(str(p), ref) for p in record.get("derived_from") or []]
    return found


def _timeline(root: Path, commit: str) -> Optional:
    try:
        from charter.history import build_timeline
    except ImportError:
        return Optional(None, "not available in this run: the history module is not installed")
    try:
        timeline = build_timeline(root, ref=commit, ledger_at=ledger_at(root))
    except CharterError as exc:
        return Optional(None, f"not available in this run: {exc.render()}")
    except Exception as exc:  # history is optional; its failure must not lose the report
        return Optional(None, f"not available in this run: {type(exc).__name__}: {exc}")
    events = [plain(e) for e in getattr(timeline, "events", [])]
    unreadable = [plain(u) for u in getattr(timeline, "unreadable", []) or []]
    production: list[str] = []
    ever = getattr(timeline, "ever_in_production", None)
    if callable(ever):
        try:
            production = sorted({_model_of(x) for x in ever()})
        except Exception:  # a partial timeline still has its events
            production = []
    return Optional({"events": events, "unreadable": unreadable,
                     "ever_in_production": production}, "")


def _model_of(item: Any) -> str:
    """A model name from whatever names a version: 'model@1.0', ('model', '1.0'), an object."""
    if isinstance(item, tuple | list) and item:
        return str(item[0])
    name = getattr(item, "model", None)
    return str(name) if isinstance(name, str) else str(item).partition("@")[0]


def _lineage(inventory: Mapping[str, Any]) -> Optional:
    try:
        from charter.lineage import build_lineage
    except ImportError:
        return Optional(None, "drawn from models.yaml (the lineage module is not installed)")
    try:
        graph = build_lineage(inventory)
    except Exception as exc:  # fall back to the drawing built from models.yaml
        return Optional(None, f"drawn from models.yaml (lineage failed: {exc})")
    nodes = {str(n): {"kind": str(d.get("kind", "")), "label": _label(str(n), d)}
             for n, d in graph.nodes(data=True)}
    # Drawn left to right as data flows; `supersedes` links versions to versions and would
    # fold a layer onto itself.
    edges = sorted({(str(a), str(b)) for a, b, d in graph.edges(data=True)
                    if set(str(d.get("relation", "")).split(",")) != {"supersedes"}
                    and not (nodes[str(a)]["kind"] == nodes[str(b)]["kind"] == "version")})
    return Optional({"nodes": nodes, "edges": edges}, "")


def _label(node: str, data: Mapping[str, Any]) -> str:
    label = str(data.get("label", node))
    if data.get("kind") != "deployment":
        return label
    version = node.split(":")[1].partition("@")[2] if node.count(":") >= 2 else ""
    ended = " (ended)" if data.get("until") else ""
    return f"{label} · {version}{ended}" if version else label


def plain(value: Any) -> Any:
    """A JSON-able copy of a dataclass, date, set or mapping (for templates and attachments)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [plain(v) for v in value]
        return sorted(items, key=str) if isinstance(value, set | frozenset) else items
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if hasattr(value, "item"):  # numpy scalars
        return plain(value.item())
    return str(value)
