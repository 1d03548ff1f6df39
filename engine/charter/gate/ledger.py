"""The monitoring ledger in the gate: what a change did to `monitoring/`, and the recorded
runs and KPI observations that rules see.

The ledger is append-only. Between the base and the head, a recorded run may only be added,
sound (its name carries its digest, it follows the schema, its path matches its content),
for a version the head declares, with input hashes that match the inputs at the head; a
KPI file may only gain observations, recorded by a current member of the KPI's owning team
(and by the pull request's author when it is known). Anything else under `monitoring/` is
not part of the ledger: it is blocked, and the change is judged in full. The facts are
exposed to the rules (`ledger.problems`, `ledger.unverified`); the rules decide.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from charter.errors import CharterError
from charter.inventory.diff import EntityKey
from charter.inventory.entities import (
    dataset_record,
    find_entity,
    iter_entities,
    models,
    split_ref,
    teams,
)
from charter.inventory.membership import current_members
from charter.layout import ENTITY_FOLDERS
from charter.monitoring.bands import LOWER_IS_BETTER
from charter.monitoring.kpi import KpiFile, edited_observations, kpi_problems, read_kpi
from charter.monitoring.ledger import (
    BANDS,
    LEDGER_FOLDER,
    RunPath,
    in_ledger_folder,
    kpi_model,
    kpi_path,
    parse_run_path,
    run_problems,
    worst,
)
from charter.vcs import git
from charter.vcs.revisions import INVENTORY_FILE, POLICY_DIR, Revision

if TYPE_CHECKING:
    from charter.gate.recompute import Recomputer


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _problem(path: str, message: str) -> dict[str, str]:
    return {"path": path, "message": f"{path}: {message}"}


@dataclass
class LedgerFacts:
    """What the change did to the ledger, by the entity that accounts for it."""

    versions: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    unverified: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    models: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    unattributed: list[dict[str, str]] = field(default_factory=list)
    touched: set[EntityKey] = field(default_factory=set)

    def add(self, table: dict[str, list[dict[str, str]]], key: str, path: str,
            message: str) -> None:
        table.setdefault(key, []).append(_problem(path, message))


@dataclass
class LedgerView:
    """The ledger at the revision judged, read lazily: only the runs of versions judged."""

    revision: Revision
    facts: LedgerFacts = field(default_factory=LedgerFacts)
    _runs: dict[str, tuple[list[dict[str, Any]], list[dict[str, str]]]] = field(
        default_factory=dict)
    _kpi: dict[str, KpiFile | None] = field(default_factory=dict)
    _folders: dict[str, list[str]] | None = None  # version folder -> its files, when listed
    _kpi_files: set[str] | None = None  # the KPI files, when listed

    def list_all(self) -> None:
        """List the whole ledger in one pass: when every entity is judged, one listing costs
        less than one per version."""
        folders: dict[str, list[str]] = {}
        kpi_files = set()
        for path in self.revision.files_under(LEDGER_FOLDER):
            parts = path.split("/")
            if len(parts) >= 4:
                folders.setdefault("/".join(parts[:3]), []).append(path)
            elif kpi_model(path) is not None:
                kpi_files.add(path)
        self._folders, self._kpi_files = folders, kpi_files

    def version(self, version_id: str) -> dict[str, Any]:
        runs, problems = self._version_runs(version_id)
        return {"runs": runs, "problems": [*self.facts.versions.get(version_id, []), *problems],
                "unverified": list(self.facts.unverified.get(version_id, []))}

    def model(self, model_id: str) -> dict[str, Any]:
        found = self._kpi_file(model_id)
        return {"observations": list(found.observations) if found else [],
                "problems": list(self.facts.models.get(model_id, []))}

    def change(self) -> dict[str, Any]:
        return {"problems": list(self.facts.unattributed)}

    def _version_runs(self, version_id: str
                      ) -> tuple[list[dict[str, Any]], list[dict[str, str]]]:
        if version_id not in self._runs:
            model, version = split_ref(version_id)
            folder = f"{LEDGER_FOLDER}/{model}/{version}"
            paths = self.revision.files_under(folder) if self._folders is None else (
                self._folders.get(folder, []))
            runs: list[tuple[RunPath, dict[str, Any]]] = []
            problems = []
            contents = _read_many(self.revision, paths)
            for path in paths:
                where = parse_run_path(path)
                data = contents.get(path)
                if where is None or data is None:
                    problems.append(_problem(path, "not a monitoring run: the ledger folder of "
                                             "a version holds only runs"))
                    continue
                wrong = run_problems(path, data)
                if wrong:
                    problems += [_problem(path, p.message) for p in wrong]
                    continue
                runs.append((where, {**json.loads(data.decode("utf-8")), "path": path}))
            self._runs[version_id] = ([r for _, r in sorted(runs, key=lambda r: r[0])],
                                      problems)
        return self._runs[version_id]

    def _kpi_file(self, model_id: str) -> KpiFile | None:
        if model_id not in self._kpi:
            path = kpi_path(model_id)
            there = path in self._kpi_files if self._kpi_files is not None else bool(
                self.revision.files_under(path))
            data = self.revision.read(path) if there else None
            self._kpi[model_id] = None if data is None else read_kpi(path, data)
        return self._kpi[model_id]


def _read_many(revision: Revision, paths: list[str]) -> dict[str, bytes]:
    try:
        return revision.read_many(paths)
    except CharterError:
        return {p: data for p in paths if (data := _read_or_none(revision, p)) is not None}


def _read_or_none(revision: Revision, path: str) -> bytes | None:
    try:
        return revision.read(path)
    except CharterError:
        return None


def ledger_changes(root: Path, base: Revision | None, head: Revision
                   ) -> list[tuple[str, str, bool]]:
    """(status A|M|D, path, is a symbolic link at the head) of each file under monitoring/
    that differs between base and head; renames are a deletion and an addition."""
    if base is None or base.commit is None:
        return [("A", p, _is_link(head, p)) for p in head.files_under(LEDGER_FOLDER)]
    out: list[tuple[str, str, bool]] = []
    # the whole tree's diff, which the gate has asked of git already: its ledger part
    for path, meta in head.changed_entries(base.commit).items():
        parts = meta.decode().split()
        if len(parts) < 5 or not in_ledger_folder(path):
            continue
        status = "D" if parts[4].startswith("D") else "A" if parts[4].startswith("A") else "M"
        link = parts[1] == "120000" if head.commit else os.path.islink(root / path)
        out.append((status, path, link))
    if head.commit is None:  # files git does not track yet are part of the change too,
        # ignored ones included: the working tree's ledger is read with them
        out += [("A", p, os.path.islink(root / p)) for p in sorted(
            head.untracked(LEDGER_FOLDER))]
    changed = [c[1] for c in out]
    base.files_under(*changed)  # readable at the commits: only the changed files are listed
    head.files_under(*changed)
    return sorted(out, key=lambda c: c[1])


def _is_link(revision: Revision, path: str) -> bool:
    if revision.commit is None:
        return os.path.islink(revision.root / path)
    entry = git.tree_entry(revision.root, revision.commit, path)
    return entry is not None and entry.is_symlink


@dataclass
class _Judge:
    root: Path
    base: Revision | None
    head: Revision
    head_inventory: Mapping[str, Any]
    base_inventory: Mapping[str, Any] | None
    trust: Mapping[str, Any]
    today: dt.date
    author: str | None
    facts: LedgerFacts = field(default_factory=LedgerFacts)
    _hashes: dict[str, str | None] = field(default_factory=dict)
    _recomputer: Recomputer | None = None

    def run(self, changes: Iterable[tuple[str, str, bool]]) -> LedgerFacts:
        for status, path, link in changes:
            self._one(status, path, link)
        return self.facts

    def _version_of(self, path: str) -> str | None:
        parts = path.split("/")
        return f"{parts[1]}@{parts[2]}" if len(parts) >= 4 else None

    def _blame(self, path: str, message: str) -> None:
        """A problem of `path`, given to the version or model it belongs to if the head
        declares it, else to the change as a whole."""
        version = self._version_of(path)
        model = kpi_model(path)
        if version is not None and find_entity(self.head_inventory, "version", version):
            self.facts.touched.add(("version", version))
            self.facts.add(self.facts.versions, version, path, message)
        elif model is not None and model in models(self.head_inventory):
            self.facts.touched.add(("model", model))
            self.facts.add(self.facts.models, model, path, message)
        else:
            self.facts.unattributed.append(_problem(path, message))

    def _one(self, status: str, path: str, link: bool) -> None:
        version = self._version_of(path)
        if version is not None and find_entity(self.head_inventory, "version", version):
            self.facts.touched.add(("version", version))
        model = kpi_model(path)
        if model is not None and model in models(self.head_inventory):
            self.facts.touched.add(("model", model))
        if status != "A" and parse_run_path(path) is not None:
            what = "deleted (or renamed)" if status == "D" else "edited in place"
            self._blame(path, f"a recorded monitoring run was {what}: the ledger is "
                        "append-only")
        elif link and status != "D":
            self._blame(path, "a symbolic link: the ledger holds regular files only")
        elif model is not None:
            self._kpi(status, path, model)
        elif status == "A" and parse_run_path(path) is not None:
            self._added_run(path)
        elif status != "D":
            self._blame(path, "neither a monitoring run nor a kpi.yaml: the monitoring "
                        "ledger holds nothing else")

    def _kpi(self, status: str, path: str, model: str) -> None:
        if status == "D":
            self._blame(path, "the KPI observations were deleted: they are append-only")
            return
        data = self.head.read(path) or b""
        found, problems = kpi_problems(path, data)
        if problems or found is None:
            raise CharterError(problems, summary=f"{path} is not a sound KPI observations file")
        old: tuple[dict[str, Any], ...] = ()
        if status == "M" and self.base is not None:
            previous, _ = kpi_problems(path, _read_or_none(self.base, path) or b"")
            if previous is None:
                self._blame(path, "the base's KPI file cannot be read, so what this change "
                            "does to its observations cannot be told")
            old = previous.observations if previous is not None else ()
            for message in edited_observations(old, found.observations):
                self._blame(path, f"{message}: KPI observations are append-only")
        recorded = {str(o.get("period")) for o in old}
        owner, members = _kpi_owner_members(self.head_inventory, model, self.today)
        # a pull request cannot add the recorder that signs it (as LC-032 for validators)
        earlier = _kpi_owner_members(self.base_inventory, model, self.today)[1] if (
            self.base_inventory is not None) else members
        for i, observation in enumerate(found.observations):
            if str(observation.get("period")) in recorded:
                continue
            by = str(observation.get("recorded_by"))
            line = found.line_of(i)
            period = str(observation.get("period"))
            if period[:7] > self.today.isoformat()[:7] or period > self.today.isoformat():
                self._blame(path, f"line {line}: {period} is after today "
                            f"({self.today.isoformat()}): a period is recorded once observed")
            if owner is None:
                self._blame(path, f"line {line}: an observation of {observation['period']}, but "
                            f"{model} declares no kpi (with its owning team)")
            elif by not in members:
                self._blame(path, f"line {line}: {observation['period']} was recorded by {by}, "
                            f"who is not a current member of {owner}, the KPI's owner")
            elif by not in earlier:
                self._blame(path, f"line {line}: {observation['period']} was recorded by "
                            f"{by}, who was not a member of {owner} on the base revision: add "
                            "a recorder to the team in a pull request of its own")
            elif self.author is not None and by.casefold() != self.author.casefold():
                self._blame(path, f"line {line}: {observation['period']} names {by} as its "
                            f"recorder, but the pull request is {self.author}'s")

    def _added_run(self, path: str) -> None:
        data = self.head.read(path) or b""
        wrong = run_problems(path, data)
        if wrong:
            for problem in wrong:
                self._blame(path, problem.message)
            return
        where = parse_run_path(path)
        assert where is not None
        entity = find_entity(self.head_inventory, "version", where.version_id)
        if entity is None:
            self._blame(path, f"a run of {where.version_id}, which models.yaml does not "
                        "declare")
            return
        record = json.loads(data.decode("utf-8"))
        future = [f"dated {where.as_of}, after today ({self.today.isoformat()}): a run "
                  "cannot vouch for a day that has not come"] if (
            where.as_of > self.today.isoformat()) else []
        problems = [*future, *self._input_problems(entity.record, record.get("inputs") or {}),
                    *result_problems(entity.record, record)]
        for message in problems:
            self._blame(path, message)
        if not problems and not self._remote_inputs(record):
            self._recompute(path, where, entity.record, record)

    def _remote_inputs(self, record: Mapping[str, Any]) -> bool:
        """Inputs in storage the base does not let Charter read (LC-041 tells those apart)."""
        return bool(unreadable_inputs(record, self.trust))

    def _recompute(self, path: str, where: RunPath, version: Mapping[str, Any],
                   record: Mapping[str, Any]) -> None:
        """The run computed again from the head's files must be the recorded one."""
        if self._recomputer is None:
            from charter.gate.recompute import Recomputer

            self._recomputer = Recomputer(self.root, self.head, self.head_inventory,
                                          self.trust)
        verdict = self._recomputer.check(where.model, where.version, version, where.as_of,
                                         record)
        for problem in verdict.problems:
            self._blame(path, problem)
        if verdict.unverified:
            self.facts.add(self.facts.unverified, where.version_id, path, verdict.unverified)

    def close(self) -> None:
        if self._recomputer is not None:
            self._recomputer.close()

    def _input_problems(self, version: Mapping[str, Any], inputs: Mapping[str, Any]
                        ) -> list[str]:
        problems: list[str] = []
        artifact = inputs.get("artifact")
        declared = _mapping(version.get("artifact"))
        if isinstance(artifact, Mapping):
            if artifact.get("sha256") != declared.get("sha256"):
                problems.append(f"inputs.artifact.sha256 {artifact.get('sha256')} is not the "
                                f"version's declared artifact.sha256 ({declared.get('sha256')})")
            problems += self._file_problems("artifact", artifact)
        monitoring = _mapping(version.get("monitoring"))
        reference = inputs.get("reference")
        if isinstance(reference, Mapping):
            ref = monitoring.get("reference")
            if reference.get("dataset") != ref:
                problems.append(f"inputs.reference is {reference.get('dataset')!r}, not the "
                                f"version's monitoring.reference ({ref!r})")
            problems += self._dataset_problems("reference", reference)
        live = _mapping(monitoring.get("live"))
        pattern = live.get("path")
        for role in ("live", "labelled"):
            for i, item in enumerate(inputs.get(role) or []):
                if not isinstance(item, Mapping):
                    continue
                name = f"inputs.{role}[{i}]"
                if isinstance(pattern, str) and isinstance(item.get("period"), str):
                    expected = pattern.replace("{period}", item["period"])
                    if item.get("location") != expected:
                        problems.append(f"{name}.location {item.get('location')!r} is not "
                                        f"the version's live data for {item['period']} "
                                        f"({expected!r})")
                if item.get("dataset"):
                    problems += self._dataset_problems(name, item)
                problems += self._file_problems(name, item)
        return problems

    def _dataset_problems(self, name: str, item: Mapping[str, Any]) -> list[str]:
        ref = item.get("dataset")
        if not isinstance(ref, str):
            return []
        record = dataset_record(self.head_inventory, ref)
        if record is None:
            return [f"{name}.dataset {ref} is not a dataset version models.yaml declares"]
        out = []
        location = record.get("path") or record.get("uri")
        if location and item.get("location") != location:
            out.append(f"{name}.location {item.get('location')!r} is not where {ref} is "
                       f"({location!r})")
        if record.get("sha256") and item.get("sha256") != record["sha256"]:
            out.append(f"{name}.sha256 is not {ref}'s declared sha256")
        return out

    def _file_problems(self, name: str, item: Mapping[str, Any]) -> list[str]:
        location = str(item.get("location"))
        if "://" in location:
            scheme = location.split("://", 1)[0].lower()
            allowed = (self.trust.get("settings") or {}).get("allowed_uri_schemes") or []
            if scheme not in allowed:
                return []  # told apart: `unverified`, see _unverified
        actual = self._sha256(location)
        if actual is None:
            return [f"{name}: {location} does not exist at the head, so its hash cannot match"]
        if actual != item.get("sha256"):
            return [f"{name}.sha256 does not match {location} at the head (its sha256 is "
                    f"{actual[:16]}…, the run says {str(item.get('sha256'))[:16]}…): the run "
                    "was not computed from these inputs"]
        return []

    def _sha256(self, location: str) -> str | None:
        if location not in self._hashes:
            self._hashes[location] = _hash_input(self.root, self.head, location, self.trust)
        return self._hashes[location]


_DRIFT_STATISTICS = {"psi": False, "ks": False, "chi2_p": True}  # name -> small values are bad


def result_problems(version: Mapping[str, Any], record: Mapping[str, Any]) -> list[str]:
    """Results that contradict their own figures or the version's declarations: a band
    milder than its statistic under the declared thresholds, a verdict milder than its
    bands, a validated figure that is not the version's, a decay that is not the difference.
    Only what the figures prove is refused: bands may be stricter than the thresholds say."""
    results = _mapping(record.get("results"))
    checks = _mapping(_mapping(version.get("monitoring")).get("checks"))
    problems = _drift_problems(results.get("drift"), checks.get("drift"))
    problems += _performance_problems(results.get("performance"), checks.get("performance"),
                                      version.get("evaluation"))
    bands = [str(part["band"]) for part in results.values() if isinstance(part, Mapping)
             and part.get("band") in BANDS]
    if record.get("verdict") in BANDS and _milder(record["verdict"], worst(bands)):
        problems.append(f"verdict {record['verdict']} is milder than its worst band "
                        f"({worst(bands)})")
    return problems


def _milder(band: Any, than: str) -> bool:
    return band in BANDS and BANDS.index(band) < BANDS.index(than)


def _band(value: Any, spec: Any, small_is_bad: bool) -> str:
    if not isinstance(value, int | float) or not isinstance(spec, Mapping):
        return "green"
    red, amber = spec.get("red"), spec.get("amber")
    if not isinstance(red, int | float) or not isinstance(amber, int | float):
        return "green"
    if small_is_bad:
        return "red" if value <= red else "amber" if value <= amber else "green"
    return "red" if value >= red else "amber" if value >= amber else "green"


def _drift_problems(drift: Any, declared: Any) -> list[str]:
    if not isinstance(drift, Mapping):
        return []
    problems = []
    features = _mapping(drift.get("features"))
    for name, row in sorted(features.items()):
        if not isinstance(row, Mapping):
            continue
        for statistic, small_is_bad in _DRIFT_STATISTICS.items():
            spec = declared.get(statistic) if isinstance(declared, Mapping) else None
            floor = _band(row.get(statistic), spec, small_is_bad)
            if _milder(row.get("band"), floor):
                problems.append(f"results.drift.features.{name}: band {row.get('band')} is "
                                f"milder than its {statistic} of {row.get(statistic)} under "
                                f"the declared thresholds ({floor})")
    feature_bands = [str(r["band"]) for r in features.values() if isinstance(r, Mapping)
                     and r.get("band") in BANDS]
    if _milder(drift.get("band"), worst(feature_bands)):
        problems.append(f"results.drift.band {drift.get('band')} is milder than its worst "
                        f"feature ({worst(feature_bands)})")
    return problems


def _performance_problems(performance: Any, declared: Any, evaluation: Any) -> list[str]:
    if not isinstance(performance, Mapping):
        return []
    problems = []
    metric, validated, live = (performance.get(k) for k in ("metric", "validated", "live"))
    metrics = evaluation.get("metrics") if isinstance(evaluation, Mapping) else None
    claimed = metrics.get(metric) if isinstance(metrics, Mapping) and isinstance(
        metric, str) else None
    if isinstance(claimed, int | float) and isinstance(validated, int | float) and abs(
            claimed - validated) > 1e-9:
        problems.append(f"results.performance.validated is {validated}, but the version "
                        f"declares {metric} {claimed}")
    decay = performance.get("decay")
    if isinstance(validated, int | float) and isinstance(live, int | float) and isinstance(
            decay, int | float):
        expected = live - validated if metric in LOWER_IS_BETTER else validated - live
        if abs(expected - decay) > 1e-6:
            problems.append(f"results.performance.decay is {decay}, not the difference of "
                            f"{metric} validated and live ({round(expected, 6)})")
        spec = declared.get("decay") if isinstance(declared, Mapping) else None
        floor = _band(decay, spec, False)
        if _milder(performance.get("band"), floor):
            problems.append(f"results.performance.band {performance.get('band')} is milder "
                            f"than its decay of {decay} under the declared band ({floor})")
    return problems


def _hash_input(root: Path, head: Revision, location: str,
                trust: Mapping[str, Any]) -> str | None:
    """The sha256 of the input at the head (a repository path or an allowed URI), streamed
    as evidence reads it; None when it cannot be read."""
    from charter.evidence.files import FileStore
    from charter.evidence.problems import InputError

    allowed = (trust.get("settings") or {}).get("allowed_uri_schemes") or []
    with FileStore(root, head.commit, allowed) as store:
        try:
            return store.fetch(location).sha256
        except InputError:
            return None


def _unverified(facts: LedgerFacts, head: Revision, trust: Mapping[str, Any],
                touched: Iterable[tuple[str, str, bool]]) -> None:
    """Inputs of added runs read from storage the settings do not let Charter read."""
    for status, path, _ in touched:
        where = parse_run_path(path)
        if status != "A" or where is None or where.version_id not in {
                v for k, v in facts.touched if k == "version"}:
            continue
        data = _read_or_none(head, path)
        try:
            record = json.loads((data or b"").decode("utf-8"))
        except ValueError:
            continue
        for name, location in unreadable_inputs(_mapping(record), trust):
            facts.add(facts.unverified, where.version_id, path,
                      f"{name} {location} cannot be verified: its scheme is not in "
                      "settings.allowed_uri_schemes")


def unreadable_inputs(record: Mapping[str, Any], trust: Mapping[str, Any]
                      ) -> list[tuple[str, str]]:
    """(inputs.ROLE, location) of a run's inputs in storage whose scheme the trusted
    settings' `allowed_uri_schemes` does not name."""
    allowed = (trust.get("settings") or {}).get("allowed_uri_schemes") or []
    out = []
    for role, value in _mapping(record.get("inputs")).items():
        for item in value if isinstance(value, list) else [value]:
            location = str(item.get("location")) if isinstance(item, Mapping) else ""
            if "://" in location and location.split("://", 1)[0].lower() not in allowed:
                out.append((f"inputs.{role}", location))
    return out


def ledger_facts(root: Path, base: Revision | None, head: Revision,
                 head_inventory: Mapping[str, Any], base_inventory: Mapping[str, Any] | None,
                 trust: Mapping[str, Any], today: dt.date, author: str | None = None
                 ) -> LedgerFacts:
    """What the change from `base` to `head` did to the ledger."""
    changes = ledger_changes(root, base, head)
    judge = _Judge(root, base, head, head_inventory, base_inventory, trust, today, author)
    try:
        facts = judge.run(changes)
    finally:
        judge.close()
    _unverified(facts, head, trust, changes)
    _altered_inputs(judge, root, base, head)
    return facts


_PERIOD = r"[0-9]{4}-[0-9]{2}(?:-[0-9]{2})?"


def _governed(path: str) -> bool:
    """models.yaml, the entity files and the policies: never live data, and judged already."""
    return path == INVENTORY_FILE or path.startswith((f"{POLICY_DIR}/", *(
        f"{folder}/" for folder in ENTITY_FOLDERS.values())))


def _altered_inputs(judge: _Judge, root: Path, base: Revision | None, head: Revision) -> None:
    """Live partitions that recorded runs read are records too: a change that alters or
    deletes one leaves runs that no longer match their inputs."""
    if base is None or base.commit is None:
        return
    changed = {p for p in head.changed_since(base.commit)
               if not in_ledger_folder(p) and not _governed(p)}
    if not changed:
        return
    view = LedgerView(head)
    declared: dict[str, set[str]] = {}  # the base's too: a head that moves the path hides none
    for inventory in (judge.head_inventory, judge.base_inventory or {}):
        for entity in iter_entities(inventory, only_datasets=()):
            live = _mapping(_mapping(entity.record.get("monitoring")).get("live"))
            pattern = live.get("path")
            if entity.kind == "version" and isinstance(pattern, str) and "{period}" in pattern:
                declared.setdefault(entity.id, set()).add(pattern)
    for version, patterns in sorted(declared.items()):
        shapes = [re.compile(re.escape(p).replace(re.escape("{period}"), _PERIOD))
                  for p in patterns]
        hits = {p for p in changed if any(shape.fullmatch(p) for shape in shapes)}
        if not hits:
            continue
        for run in view.version(version)["runs"]:
            for role in ("live", "labelled"):
                for item in run.get("inputs", {}).get(role) or []:
                    location = item.get("location") if isinstance(item, Mapping) else None
                    if location in hits and judge._sha256(location) != item.get("sha256"):
                        judge._blame(run["path"], f"read {location}, which this change "
                                     "alters or deletes: the inputs of recorded runs are "
                                     "records too")


def _kpi_owner_members(inventory: Mapping[str, Any], model: str, today: Any
                       ) -> tuple[str | None, list[str]]:
    record = models(inventory).get(model)
    kpi = record.get("kpi") if isinstance(record, Mapping) else None
    owner = kpi.get("owner") if isinstance(kpi, Mapping) else None
    if not isinstance(owner, str):
        return None, []
    return owner, current_members(teams(inventory).get(owner), today)


def ledger_at(root: Path) -> Callable[[str], LedgerView]:
    """The ledger as recorded at a commit, for the history's judgement of that commit."""
    return lambda commit: LedgerView(Revision.at(root, commit))
