"""The model dossier: one PDF per model covering all its versions, in the order auditors read."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from charter.inventory.entities import dataset_record, dataset_refs, split_ref
from charter.inventory.membership import member_labels
from charter.report.charts import declared_metric_charts
from charter.report.common import (
    as_date,
    common_attachment,
    cover,
    open_findings,
    result_row,
    sha256_json,
    slug,
    stage_of,
    verdict_of_results,
)
from charter.report.drawing import draw_svg, family_of, graph_from_inventory, graph_from_plain
from charter.report.facts import ReportFacts, plain
from charter.report.pdf import RenderJob
from charter.report.requirements import requirement_map

SECTIONS = [
    ("control", "1. Control block"), ("summary", "2. Summary"),
    ("inventory", "3. Inventory record"), ("use", "4. Intended use and limitations"),
    ("methodology", "5. Methodology"), ("data", "6. Data and lineage"),
    ("performance", "7. Performance"), ("fairness", "8. Fairness and explainability"),
    ("implementation", "9. Implementation"), ("monitoring", "10. Monitoring"),
    ("lifecycle", "11. Lifecycle history"), ("policy", "12. Policy results"),
    ("signoff", "13. Sign-off"),
]
ROLES = (("training_data", "training"), ("evaluation", "evaluation"), ("monitoring", "monitoring"))


def dossier_job(facts: ReportFacts, model_id: str, page_size: str = "a4") -> RenderJob:
    model = dict((facts.inventory.get("models") or {})[model_id])
    versions = dict(model.get("versions") or {})
    version_ids = [f"{model_id}@{v}" for v in versions]
    datasets = _datasets(facts, versions)
    evidence = _evidence(facts, version_ids)
    entities = {("model", model_id), *(("version", v) for v in version_ids),
                *(("dataset", d["id"]) for d in datasets)}
    results = sorted(facts.results_for(entities), key=lambda r: (r.entity, r.rule))
    charts: dict[str, dict[str, Any]] = {}
    versions_view = [_version_view(facts, model_id, v, r, evidence.get(f"{model_id}@{v}"),
                                   charts) for v, r in versions.items()]
    _metric_charts(versions_view, charts)
    graph = (graph_from_plain(facts.lineage.value) if facts.lineage.available
             else graph_from_inventory(facts.inventory))
    family = family_of(graph, model_id)
    history = _history(facts, model_id)
    verdict = verdict_of_results(results)
    findings = open_findings(results)
    hashes = _input_hashes(facts, model, versions_view, datasets, evidence, history)
    context = {
        "cover": cover("Model dossier", str(model.get("title") or model_id), model_id,
                       [("Model", model_id), ("Versions", list(versions)),
                        ("Risk tier", model.get("risk_tier")), ("Stage", stage_of(model)),
                        ("Owner", model.get("owner")),
                        ("Policy set (sha256)", facts.policies.digest)], verdict),
        "toc": [{"id": i, "title": t, "sub": False} for i, t in SECTIONS],
        "model_id": model_id,
        "model": plain(model),
        "owner": _team(facts, model.get("owner")),
        "versions": versions_view,
        "policy_digest": facts.policies.digest,
        "today": facts.today.isoformat(),
        "input_hashes": hashes,
        "verdict": verdict,
        "findings": findings,
        "counts": _counts(results),
        "stage": stage_of(model),
        "review": _review(model, facts.today),
        "datasets": datasets,
        "lineage_note": facts.lineage.note,
        "lineage_nodes": len(family.nodes),
        "evidence_note": facts.evidence.note,
        "evidence_available": facts.evidence.available,
        "history": history,
        "history_note": facts.timeline.note,
        "history_unreadable": list(facts.timeline.value["unreadable"])
        if facts.timeline.available else [],
        "results": [result_row(r, facts.policies) for r in results if r.status != "skip"],
        "not_applicable": sorted({r.rule for r in results if r.status == "skip"}),
        "rules_in_force": len(facts.policies.rules),
        "requirement_map": requirement_map(facts.policies, results),
        "waivers": [plain(w) for w in facts.policies.waivers
                    if any(w.covers(w.rule, e) for _, e in entities)],
    }
    attachments = {
        "findings.json": {**common_attachment(facts), "model": model_id, "verdict": verdict,
                          "results": context["results"], "findings": findings},
        "evidence.json": {"model": model_id, "available": facts.evidence.available,
                          "note": facts.evidence.note, "evidence": evidence},
        "inventory-record.json": {"model": model_id, "record": plain(model),
                                  "datasets": datasets},
    }
    return RenderJob(
        filename=f"dossier-{slug(model_id)}.pdf", template="dossier.html",
        title=f"Model dossier: {model_id}", doc_id=f"Model dossier · {model_id}",
        commit=facts.commit, committed=facts.committed.isoformat(), page_size=page_size,
        context=context, charts=charts, drawings={"lineage": draw_svg(family).decode()},
        attachments=attachments)


def _team(facts: ReportFacts, name: Any) -> dict[str, Any]:
    team = (facts.inventory.get("teams") or {}).get(name) or {}
    return {"id": name, "title": team.get("title"), "contact": team.get("contact"),
            "members": member_labels(team)}


def _evidence(facts: ReportFacts, version_ids: list[str]) -> dict[str, Any]:
    found = facts.evidence.value or {}
    return {v: plain(found[v]) for v in version_ids if found.get(v) is not None}


def _datasets(facts: ReportFacts, versions: Mapping[str, Any]) -> list[dict[str, Any]]:
    roles: dict[str, set[str]] = {}
    for version, record in versions.items():
        for ref, path in dataset_refs(record or {}):
            role = next((r for key, r in ROLES if path[0] == key), "other")
            roles.setdefault(ref, set()).add(f"{role} ({version})")
    rows = []
    for ref in sorted(roles):
        record = dataset_record(facts.inventory, ref) or {"id": ref}
        rows.append({
            "id": ref, "name": split_ref(ref)[0], "version": split_ref(ref)[1],
            "title": record.get("title"), "owner": record.get("owner"),
            "roles": sorted(roles[ref]), "rows": record.get("rows"),
            "sha256": record.get("sha256"), "path": record.get("path"),
            "contains_pii": record.get("contains_pii"),
            "pii_columns": list(record.get("pii_columns") or []),
            "derived_from": list(record.get("derived_from") or []),
            "created": plain(record.get("created")),
        })
    return rows


def _version_view(facts: ReportFacts, model_id: str, version: str, record: Mapping[str, Any],
                  evidence: Mapping[str, Any] | None, charts: dict[str, Any]
                  ) -> dict[str, Any]:
    record = plain(record or {})
    evaluation = record.get("evaluation") or {}
    key = slug(f"{model_id}-{version}")
    view: dict[str, Any] = {
        "version": version, "id": f"{model_id}@{version}", "record": record,
        "stage": record.get("stage"), "evaluation": evaluation,
        "declared": dict(evaluation.get("metrics") or {}),
        "parameters": dict(record.get("parameters") or {}),
        "requirements": dict(record.get("requirements") or {}),
        "artifact": dict(record.get("artifact") or {}),
        "validation": dict(record.get("validation") or {}),
        "approvals": list(record.get("approvals") or []),
        "deployments": list(record.get("deployments") or []),
        "monitoring": dict(record.get("monitoring") or {}),
        "evidence": evidence is not None,
        "chart_keys": {},
    }
    if evidence is not None:
        view.update(_evidence_view(evidence, key, charts, view["chart_keys"]))
    view["monitored"] = bool(view["monitoring"] or view.get("drift_features"))
    return view


def _evidence_view(evidence: Mapping[str, Any], key: str, charts: dict[str, Any],
                   keys: dict[str, str]) -> dict[str, Any]:
    diffs = evidence.get("metric_diffs") or {}
    metrics = [{"name": n, **(d if isinstance(d, Mapping) else {"measured": d})}
               for n, d in sorted(diffs.items())]
    # Declared against measured is a table with the tolerance: within tolerance, two bars
    # would look the same by construction.
    fairness = _fairness(evidence.get("fairness") or {})
    if fairness["groups"]:
        keys["fairness"] = f"fairness-{key}"
        charts[keys["fairness"]] = {
            "title": "Selection rate and true positive rate by group", "axis": "rate",
            "horizontal": True, "limits": [0, 1],
            "categories": [f"{g['feature']} = {g['group']}" for g in fairness["groups"]],
            "series": [{"name": "selection rate",
                        "values": [g.get("selection_rate") for g in fairness["groups"]]},
                       {"name": "true positive rate",
                        "values": [g.get("tpr") for g in fairness["groups"]]}]}
    importance = [dict(i) for i in (evidence.get("importance") or [])][:12]
    if importance:
        keys["importance"] = f"importance-{key}"
        charts[keys["importance"]] = {
            "title": "Permutation importance (top features)", "axis": "mean score drop",
            "horizontal": True, "categories": [i.get("feature") for i in importance],
            "series": [{"name": "importance", "values": [i.get("mean") for i in importance],
                        "errors": [i.get("std") or 0 for i in importance]}]}
    drift = dict(evidence.get("drift") or {})
    features = [{"feature": f, **(d or {})} for f, d in sorted((drift.get("features") or {})
                                                                .items())]
    if features:
        keys["drift"] = f"drift-{key}"
        # The line the evidence itself used to call a feature drifted (settings, 0.25 default).
        line = float(drift.get("psi_threshold") or 0.25)
        charts[keys["drift"]] = {
            "title": "Population stability index by feature", "axis": "PSI",
            "horizontal": True, "threshold": {"value": line, "label": f"PSI {line:g}: drift"},
            "categories": [f["feature"] for f in features],
            "series": [{"name": "PSI", "values": [f.get("psi") for f in features]}]}
    return {"measured": metrics, "measured_values": dict(evidence.get("metrics") or {}),
            "champion": evidence.get("champion"), "fairness": fairness,
            "importance": importance, "drift": drift, "drift_features": features,
            "environment": evidence.get("environment"),
            "integrity": _integrity_rows(evidence.get("integrity")),
            "drift_error": drift.get("error"),
            "problems": [p if isinstance(p, Mapping) else {"message": str(p)}
                         for p in [*(evidence.get("problems") or []),
                                   *(evidence.get("notes") or [])]]}


def _integrity_rows(integrity: Any) -> list[dict[str, Any]]:
    """Each checked file: what was declared, what was found; nested groups flattened."""
    rows: list[dict[str, Any]] = []
    if not isinstance(integrity, Mapping):
        return [{"item": "integrity", "detail": integrity}] if integrity else []
    for key, value in sorted(integrity.items()):
        if isinstance(value, Mapping) and "ok" in value:
            rows.append({"item": key, **value})
        elif isinstance(value, Mapping) and all(isinstance(v, Mapping) for v in value.values()):
            rows += [{"item": name, **v} for name, v in sorted(value.items())]
        else:
            rows.append({"item": key, "detail": value})
    return rows


def _fairness(fairness: Mapping[str, Any]) -> dict[str, Any]:
    groups, summary = [], []
    for feature, data in sorted(fairness.items()):
        data = data or {}
        for group, values in sorted((data.get("groups") or {}).items()):
            groups.append({"feature": feature, "group": group, **(values or {})})
        summary.append({"feature": feature,
                        "dp_difference": data.get("demographic_parity_difference"),
                        "dp_ratio": data.get("demographic_parity_ratio"),
                        "eo_difference": data.get("equalized_odds_difference")})
    return {"groups": groups, "summary": summary}


def _metric_charts(versions: list[dict[str, Any]], charts: dict[str, Any]) -> None:
    """Declared metrics of every version side by side: champion against challengers."""
    charts.update(declared_metric_charts(versions))


def _history(facts: ReportFacts, model_id: str) -> list[dict[str, Any]]:
    if not facts.timeline.available:
        return []
    return [e for e in facts.timeline.value["events"] if e.get("model") == model_id]


def _review(model: Mapping[str, Any], today: dt.date) -> dict[str, Any]:
    last = as_date(model.get("last_review"))
    every = model.get("review_every_days")
    due = last + dt.timedelta(days=int(every)) if last and isinstance(every, int) else None
    return {"last": last.isoformat() if last else None, "every_days": every,
            "due": due.isoformat() if due else None, "overdue": bool(due and due < today)}


def _counts(results: list[Any]) -> dict[str, int]:
    counts = {"pass": 0, "fail": 0, "waived": 0, "skip": 0}
    for r in results:
        counts[r.status] = counts.get(r.status, 0) + 1
    return counts


def _input_hashes(facts: ReportFacts, model: Mapping[str, Any], versions: list[dict[str, Any]],
                  datasets: list[dict[str, Any]], evidence: Mapping[str, Any],
                  history: list[dict[str, Any]]) -> list[dict[str, str]]:
    rows = [{"input": "model record in models.yaml (canonical JSON)", "sha256":
             sha256_json(model)},
            {"input": "policy set (rules and waivers in force)", "sha256":
             facts.policies.digest}]
    rows += [{"input": f"artifact {v['id']}", "sha256": str(v["artifact"].get("sha256"))}
             for v in versions if v["artifact"].get("sha256")]
    rows += [{"input": f"dataset {d['id']}", "sha256": str(d["sha256"])}
             for d in datasets if d.get("sha256")]
    if evidence:
        rows.append({"input": "evidence (canonical JSON)", "sha256": sha256_json(evidence)})
    if history:
        rows.append({"input": "history events (canonical JSON)", "sha256":
                     sha256_json(history)})
    return rows
