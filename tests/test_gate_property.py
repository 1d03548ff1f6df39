"""The gate's invariants as properties, over random inventories and random edits.

Edits touch any field at any level (teams, settings, datasets and their versions, models and
their versions) and, sometimes, the head's policies (which never judge the change).

- Soundness of scope: every blocking finding of a full check of the head that a full check
  of the base does not already have appears in the default, scoped check of the change.
- No escape by edit: a change that only lowers risk classifications keeps every blocking
  finding the base had, and is reported as needing an approval (CHARTER-C001).
- Only clear outcomes: a result or a CharterError (exit 2), never another exception.

CI runs a bounded, derandomized profile; `CHARTER_PROPERTY_EXAMPLES=10000` runs a long one.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from charter.errors import CharterError
from charter.gate import CheckOptions, judge_revisions
from charter.vcs.revisions import Revision

EXAMPLES = int(os.environ.get("CHARTER_PROPERTY_EXAMPLES", "60"))
PROFILE = settings(max_examples=EXAMPLES, deadline=None, derandomize=EXAMPLES <= 1000,
                   suppress_health_check=list(HealthCheck), database=None,
                   phases=(Phase.explicit, Phase.reuse, Phase.generate))
TODAY = dt.date(2026, 11, 27)

TEAMS = ("risk", "data", "mr")
PEOPLE = ("ana", "ben", "cy", "dee", "eve")
TIERS = ("low", "medium", "high")
STAGES = ("development", "staging", "production", "retired")
DATES = ("2024-01-10", "2025-03-01", "2025-09-30", "2026-06-01", "2026-11-01")
COLUMNS = ("id", "income", "age", "postcode", "y")
REGULATION = ("eu-ai-act-high-risk", "sr-11-7")

POLICIES = """\
charter: 1
extends: [charter:sr-11-7, charter:responsible-ai, charter:eu-ai-act-high-risk]
rules:
  P-MODEL-LIVE:
    title: Models with a released version state their limitations
    severity: error
    applies_to: model
    match: {field: "values(versions)[?stage == 'staging' || stage == 'production']",
            count: {gte: 1}}
    require: {field: limitations, exists: true}
  P-PII-TIER:
    title: Versions trained on personal data belong to high-risk models
    severity: error
    applies_to: version
    match: {field: "training_datasets[?contains_pii]", count: {gte: 1}}
    require: {field: model.risk_tier, equals: high}
  P-HIGH-AUC:
    title: High-risk versions reach an AUC of 0.75
    severity: error
    applies_to: version
    match: {model.risk_tier: high}
    require: {field: evaluation.metrics.roc_auc, gte: 0.75}
  P-SOURCE:
    title: Personal data names its source
    severity: error
    applies_to: dataset
    match: {contains_pii: true}
    require: {field: source_system, exists: true}
  P-SIBLINGS:
    title: At most one version of a model is in production
    severity: error
    applies_to: version
    match: {stage: production}
    require: {field: "values(model.versions)[?stage == 'production']", count: {lte: 1}}
  P-OWNER-TEAM:
    title: The owning team has two members
    severity: error
    applies_to: model
    require: {field: owner_team.members, count: {gte: 2}}
  P-TASK:
    title: Classifiers state an AUC
    severity: error
    applies_to: version
    match: {model.task: classification}
    require: {field: evaluation.metrics.roc_auc, exists: true}
"""


@st.composite
def inventories(draw: st.DrawFn) -> dict[str, Any]:
    teams: dict[str, Any] = {
        "risk": {"members": draw(st.lists(st.sampled_from(PEOPLE[:3]), min_size=1, max_size=3,
                                          unique=True))},
        "data": {"members": ["dee"]},
        "mr": {"members": draw(st.lists(st.sampled_from(PEOPLE[2:]), min_size=1, max_size=2,
                                        unique=True)), "validates": True},
    }
    datasets = {}
    for name in draw(st.lists(st.sampled_from(("apps", "live", "raw")), min_size=1,
                              max_size=3, unique=True)):
        record: dict[str, Any] = {"owner": draw(st.sampled_from(TEAMS[:2])),
                                  "contains_pii": draw(st.booleans())}
        if draw(st.booleans()):
            record["source_system"] = "core"
        if record["contains_pii"] and draw(st.booleans()):
            record["pii_columns"] = ["id"]
        versions = {}
        for label in draw(st.lists(st.sampled_from(("2024-06", "2025-03")), min_size=1,
                                   max_size=2, unique=True)):
            versions[label] = {"path": f"data/{name}-{label}.csv", "sha256": draw(
                st.sampled_from("ab")) * 64, "columns": list(COLUMNS),
                "created": draw(st.sampled_from(DATES[:2]))}
        record["versions"] = versions
        datasets[name] = record
    refs = [f"{n}@{v}" for n, d in datasets.items() for v in d["versions"]]
    models = {}
    for name in draw(st.lists(st.sampled_from(("credit", "churn")), min_size=1, max_size=2,
                              unique=True)):
        model: dict[str, Any] = {
            "title": name.title(), "owner": "risk", "risk_tier": draw(st.sampled_from(TIERS)),
            "task": draw(st.sampled_from(("classification", "regression"))),
            "regulation": draw(st.lists(st.sampled_from(REGULATION), max_size=2, unique=True)),
        }
        for key in ("limitations", "intended_use", "purpose"):
            if draw(st.booleans()):
                model[key] = f"{key} of {name}"
        versions = {}
        for label in draw(st.lists(st.sampled_from(("1.0.0", "1.1.0", "2.0.0")), min_size=1,
                                   max_size=3, unique=True)):
            versions[label] = draw(version_records(refs))
        model["versions"] = versions
        models[name] = model
    inventory: dict[str, Any] = {"charter": 1, "teams": teams, "datasets": datasets,
                                 "models": models}
    if draw(st.booleans()):
        inventory["settings"] = {"metric_tolerance": 0.01}
    return inventory


@st.composite
def version_records(draw: st.DrawFn, refs: list[str]) -> dict[str, Any]:
    record: dict[str, Any] = {
        "stage": draw(st.sampled_from(STAGES)),
        "author": draw(st.sampled_from(PEOPLE[:2])),
        "created": DATES[0],
        "training_data": draw(st.lists(st.sampled_from(refs), min_size=1, max_size=2,
                                       unique=True)),
        "evaluation": {"dataset": draw(st.sampled_from(refs)), "target": "y",
                       "metrics": {"roc_auc": draw(st.sampled_from((0.6, 0.8)))}},
    }
    if draw(st.booleans()):
        record["validation"] = {"by": draw(st.sampled_from(PEOPLE[2:])), "date": DATES[2],
                                "outcome": "approved"}
    if record["stage"] in ("production", "retired") and draw(st.booleans()):
        record["deployments"] = [{"target": "api", "since": DATES[3], "traffic": 100}]
    return record


# Edits: any field at any level, to a plausible value or an odd one, or gone.

def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, value in node.items():
            out += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            out += _paths(value, (*prefix, i))
    return out


def _value_for(key: Any) -> st.SearchStrategy[Any]:
    pools: dict[str, st.SearchStrategy[Any]] = {
        "risk_tier": st.sampled_from(TIERS), "stage": st.sampled_from(STAGES),
        "task": st.sampled_from(("classification", "regression")),
        "contains_pii": st.booleans(), "owner": st.sampled_from((*TEAMS, "ghost")),
        "regulation": st.lists(st.sampled_from(REGULATION), max_size=2, unique=True),
        "members": st.lists(st.sampled_from(PEOPLE), min_size=1, max_size=3, unique=True),
        "validates": st.booleans(), "roc_auc": st.sampled_from((0.5, 0.76, 0.9)),
        "sha256": st.sampled_from(("c" * 64, "d" * 64)), "by": st.sampled_from(PEOPLE),
        "columns": st.lists(st.sampled_from(COLUMNS), min_size=1, max_size=5, unique=True),
        "source_system": st.just("crm"), "limitations": st.just("none known"),
        "metric_tolerance": st.sampled_from((0.0, 0.05)),
        "date": st.sampled_from(DATES), "since": st.sampled_from(DATES),
    }
    odd = st.one_of(st.none(), st.integers(-1, 3), st.text("ab", max_size=2), st.booleans())
    return pools.get(str(key), odd) if str(key) in pools else odd


@st.composite
def edited(draw: st.DrawFn, base: dict[str, Any]) -> dict[str, Any]:
    head = yaml.safe_load(yaml.safe_dump(base))
    for _ in range(draw(st.integers(1, 3))):
        paths = _paths(head)
        path = draw(st.sampled_from(paths))
        parent = head
        for key in path[:-1]:
            parent = parent[key]
        action = draw(st.sampled_from(("set", "set", "set", "delete", "add-version",
                                       "add-key")))
        if action == "delete":
            del parent[path[-1]]
        elif action == "add-key" and isinstance(parent, dict):
            key = draw(st.sampled_from(("stale", "x-note", "owner", "extra")))
            parent[key] = draw(_value_for(key))
        elif action == "add-version":
            models = head.get("models") if isinstance(head.get("models"), dict) else {}
            model = draw(st.sampled_from(sorted(models or {"": None}, key=str)))
            target = models.get(model)
            if isinstance(target, dict) and isinstance(target.get("versions"), dict):
                target["versions"]["3.0.0"] = draw(version_records(_refs(head) or ["x@1"]))
        else:
            parent[path[-1]] = draw(_value_for(path[-1]))
    return head


def _refs(inventory: dict[str, Any]) -> list[str]:
    datasets = inventory.get("datasets")
    return [f"{name}@{version}" for name, record in (
        datasets.items() if isinstance(datasets, dict) else ())
        if isinstance(record, dict) and isinstance(record.get("versions"), dict)
        for version in record["versions"]]


Outcome = tuple[str, frozenset[tuple[str, str]]]  # "ok" | "invalid", blocking (rule, entity)


POLICY_EDITS = (
    POLICIES,
    POLICIES.replace("gte: 0.75", "gte: 0.95"),
    POLICIES.replace("severity: error", "severity: warning"),
    POLICIES.split("  P-SOURCE:")[0],
)


def _judge(base: dict[str, Any] | None, head: dict[str, Any], scope_all: bool,
           head_policies: str = POLICIES) -> Outcome:
    """The gate on base and head; the base's rules judge, whatever the head's say."""
    with tempfile.TemporaryDirectory() as tmp:
        revisions = []
        for name, inventory in (("base", base), ("head", head)):
            if inventory is None:
                revisions.append(None)
                continue
            root = Path(tmp) / name
            (root / "policies").mkdir(parents=True)
            (root / "models.yaml").write_text(yaml.safe_dump(inventory, sort_keys=False))
            (root / "policies" / "rules.yaml").write_text(
                head_policies if name == "head" else POLICIES)
            revisions.append(Revision.worktree(root))
        options = CheckOptions(root=Path(tmp) / "head", today=TODAY, scope_all=scope_all,
                               use_cache=False, evidence="none")
        try:
            result = judge_revisions(options, revisions[0], revisions[1], [])
        except CharterError:
            return "invalid", frozenset()
    return "ok", frozenset((f.rule, f.entity) for f in result.findings if f.blocking)


def _is_valid(inventory: dict[str, Any]) -> bool:
    return _judge(None, inventory, True)[0] == "ok"


@PROFILE
@given(st.data())
def test_the_scoped_check_reports_every_new_blocking_finding(data: st.DataObject) -> None:
    base = data.draw(inventories())
    if not _is_valid(base):
        return  # the generator aims at valid inventories; an invalid one proves nothing here
    head = data.draw(edited(base))
    policies = data.draw(st.sampled_from(POLICY_EDITS))
    before = _judge(base, base, True)
    full = _judge(base, head, True, policies)
    scoped = _judge(base, head, False, policies)
    if full[0] == "invalid":
        assert scoped[0] == "invalid", "the full check finds the head invalid, the scoped not"
        return
    assert scoped[0] == "ok", "the scoped check finds the head invalid, the full check not"
    new = full[1] - before[1]
    assert new <= scoped[1], f"missed by the scoped check: {sorted(new - scoped[1])}"


LOWERINGS: dict[str, Callable[[dict[str, Any], str], None]] = {
    "risk_tier": lambda m, _: m.update(risk_tier=TIERS[max(0, TIERS.index(m["risk_tier"]) - 1)]),
    "regulation": lambda m, _: m.update(regulation=m["regulation"][1:]),
    "task": lambda m, _: m.update(task="regression" if m["task"] == "classification"
                                  else "classification"),
}


@PROFILE
@given(st.data())
def test_lowering_a_classification_never_lets_a_failing_rule_escape(data: st.DataObject
                                                                   ) -> None:
    base = data.draw(inventories())
    if not _is_valid(base):
        return
    head = yaml.safe_load(yaml.safe_dump(base))
    changed = False
    for name, model in head["models"].items():
        for field in data.draw(st.lists(st.sampled_from(sorted(LOWERINGS)), max_size=3,
                                        unique=True)):
            before = dict(model)
            LOWERINGS[field](model, name)
            changed |= before != model
    for dataset in head["datasets"].values():
        if data.draw(st.booleans()) and dataset["contains_pii"]:
            dataset["contains_pii"] = False
            dataset.pop("pii_columns", None)
            changed = True
    if not changed:
        return
    before = _judge(base, base, True)
    after = _judge(base, head, True)
    assert after[0] == "ok"
    lost = {key for key in before[1] if key not in after[1]}
    assert not lost, f"a lowered classification let these escape: {sorted(lost)}"
    assert any(rule == "CHARTER-C001" for rule, _ in after[1])
