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
from charter.report.dossier_parts import (
    NOT_RECORDED,
    OUTCOME_OF_STATUS,
    banner,
    days_left,
    grouped_results,
    independence,
    monitoring_status,
    ordered_results,
    register,
    rule_partition,
)
from charter.report.drawing import draw_svg, family_of, graph_from_inventory, graph_from_plain
from charter.report.facts import ReportFacts, plain, upstream
from charter.report.monitoring import NO_RUN, dossier_monitoring, ledger_note
from charter.report.pdf import RenderJob, format_number
from charter.report.requirements import requirement_map

SECTIONS = [
    ("summary", "1. Model summary"), ("findings", "2. Findings register"),
    ("control", "3. Control block"), ("inventory", "4. Inventory record"),
    ("use", "5. Intended use and limitations"), ("methodology", "6. Methodology"),
    ("data", "7. Data and lineage"), ("evidence", "8. Performance"),
    ("fairness", "9. Fairness and explainability"), ("implementation", "10. Implementation"),
    ("monitoring", "11. Monitoring"), ("validation", "12. Validation"),
    ("oversight", "13. Human oversight"), ("risk-management", "14. Risk management"),
    ("lifecycle", "15. Lifecycle history"), ("rules", "16. Policy results"),
    ("approvals", "17. Approvals and sign-off"),
    ("requirement-map", "Appendix. Requirement map"),
]
ROLES = (("training_data", "training"), ("evaluation", "evaluation"), ("monitoring", "monitoring"))


def dossier_job(facts: ReportFacts, model_id: str, page_size: str = "a4") -> RenderJob:
    model = dict((facts.inventory.get("models") or {})[model_id])
    versions = dict(model.get("versions") or {})
    version_ids = [f"{model_id}@{v}" for v in versions]
    datasets = _datasets(facts, versions)
    direct = [d for d in datasets if not d["upstream_only"]]
    evidence = _evidence(facts, version_ids)
    entities = {("model", model_id), *(("version", v) for v in version_ids),
                *(("dataset", d["id"]) for d in direct)}
    results = sorted(facts.results_for(entities), key=lambda r: (r.entity, r.rule))
    charts: dict[str, dict[str, Any]] = {}
    versions_view = [_version_view(facts, model_id, model, v, r, evidence.get(
        f"{model_id}@{v}"), charts) for v, r in versions.items()]
    _metric_charts(versions_view, charts)
    ledger, ledger_charts = dossier_monitoring(model_id, model, facts.ledger, facts.today)
    charts.update(ledger_charts)
    monitoring_facts = {"ongoing-monitoring": f"Monitoring ledger: {ledger_note(ledger)}."}
    monitoring_facts["9"] = monitoring_facts["ongoing-monitoring"]
    graph = (graph_from_plain(facts.lineage.value) if facts.lineage.available
             else graph_from_inventory(facts.inventory))
    family = family_of(graph, model_id)
    history = _history(facts, model_id)
    verdict = verdict_of_results(results)
    findings = open_findings(results)
    hashes = _input_hashes(facts, model, versions_view, datasets, evidence, history)
    runs = [r["name"] for v in ledger["versions"] for r in v["runs"]]
    if runs:
        hashes.append({"input": f"monitoring ledger: {len(runs)} run files (names, canonical "
                                "JSON)", "sha256": sha256_json(runs)})
    review = _review(model, facts.today)
    flag = banner(results)
    partition = rule_partition(results, facts.policies.rules)
    used = {r.finding.waived_by for r in results if r.finding is not None}
    waivers = [{**plain(w), "days_left": days_left(w.expires, facts.today),
                "covers_a_finding": w.id in used}
               for w in facts.policies.waivers
               if any(w.covers(w.rule, e) for _, e in entities)]
    rows = [result_row(r, facts.policies) for r in results if r.status != "skip"]
    events = facts.timeline.value["events"] if facts.timeline.available else None
    front = cover("Model dossier", str(model.get("title") or model_id), model_id,
                  [("Model", model_id), ("Versions", list(versions)),
                   ("Risk tier", model.get("risk_tier") or NOT_RECORDED),
                   ("Stage", stage_of(model)), ("Owner", model.get("owner") or NOT_RECORDED),
                   ("Policy set (sha256)", facts.policies.digest)], verdict)
    front.update(verdict=flag["label"], verdict_class=flag["class"])
    context = {
        "cover": front,
        "toc": [{"id": i, "title": t, "sub": False} for i, t in SECTIONS],
        "model_id": model_id,
        "model": plain(model),
        "owner": _team(facts, model.get("owner")),
        "versions": versions_view,
        "headline": _headline(versions_view),
        "policy_digest": facts.policies.digest,
        "today": facts.today.isoformat(),
        "input_hashes": hashes,
        "verdict": verdict,
        "banner": flag,
        "findings": findings,
        "register": register(results, facts.policies, facts.inventory, model,
                             review["due"], events),
        "counts": _counts(results),
        "partition": partition,
        "stage": stage_of(model),
        "review": review,
        "datasets": datasets,
        "quality_note": facts.quality.note,
        "lineage_note": facts.lineage.note,
        "lineage_nodes": len(family.nodes),
        "evidence_note": facts.evidence.note,
        "evidence_available": facts.evidence.available,
        "history": history,
        "history_note": facts.timeline.note,
        "history_unreadable": list(facts.timeline.value["unreadable"])
        if facts.timeline.available else [],
        "results": ordered_results(rows),
        "result_rows": grouped_results(rows),
        "not_applicable": partition["not applicable"],
        "rules_in_force": len(facts.policies.rules),
        "requirement_map": requirement_map(facts.policies, results,
                                           facts=monitoring_facts),
        "ledger": ledger,
        "no_run": NO_RUN,
        "waivers": waivers,
        "not_recorded": NOT_RECORDED,
    }
    attachments = {
        "findings.json": {**common_attachment(facts), "model": model_id, "verdict": verdict,
                          "verdict_label": flag["label"], "rules": partition,
                          "results": rows, "findings": findings,
                          "register": context["register"]},
        "evidence.json": {"model": model_id, "available": facts.evidence.available,
                          "note": facts.evidence.note, "evidence": evidence},
        "inventory-record.json": {"model": model_id, "record": plain(model),
                                  "datasets": datasets},
        "monitoring.json": {"model": model_id, "today": facts.today.isoformat(),
                            "versions": ledger["versions"], "kpi": ledger["kpi"]},
    }
    return RenderJob(
        filename=f"dossier-{slug(model_id)}.pdf", template="dossier.html",
        title=f"Model dossier: {model_id}", doc_id=f"Model dossier · {model_id}",
        commit=facts.commit, committed=facts.committed.isoformat(), page_size=page_size,
        context=context, charts=charts, drawings={"lineage": draw_svg(family).decode()},
        attachments=attachments)


def _headline(versions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The versions the summary speaks of: those in production, else the newest one."""
    live = [v for v in versions if v["stage"] == "production"]
    return live or versions[-1:]


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
    feeds = upstream(facts.inventory, roles)
    for ref, children in feeds.items():
        roles.setdefault(ref, set()).update(f"source of {c}" for c in children)
    quality = facts.quality.value or {}
    rows = []
    for ref in sorted(roles):
        record = dataset_record(facts.inventory, ref) or {"id": ref}
        rows.append({
            "id": ref, "name": split_ref(ref)[0], "version": split_ref(ref)[1],
            "title": record.get("title"), "owner": record.get("owner"),
            "roles": sorted(roles[ref]), "rows": record.get("rows"),
            "upstream_only": all(r.startswith("source of") for r in roles[ref]),
            "sha256": record.get("sha256"), "path": record.get("path"),
            "contains_pii": record.get("contains_pii"),
            "pii_columns": list(record.get("pii_columns") or []),
            "derived_from": list(record.get("derived_from") or []),
            "created": plain(record.get("created")),
            "quality": _quality_view(quality.get(ref), facts.quality.note),
        })
    return rows


def _quality_view(figures: Mapping[str, Any] | None, note: str) -> dict[str, Any]:
    """Measured rows against declared and source rows; missing values, worst columns first."""
    if figures is None:
        return {"measured": False, "note": note or "not measured"}
    if figures.get("error"):
        return {"measured": False, "note": f"not measured: {figures['error']}"}
    rows, declared = figures.get("rows"), figures.get("declared_rows")
    checks = [f"{rows:,} rows measured" if isinstance(rows, int) else "rows not measured"]
    if isinstance(declared, int):
        checks.append("as declared" if declared == rows else f"declared {declared:,}: MISMATCH")
    else:
        checks.append("no row count declared")
    sources = dict(figures.get("sources") or {})
    for source, count in sorted(sources.items()):
        checks.append(f"source {source}: {count:,} rows" if isinstance(count, int)
                      else f"source {source}: rows not known")
    counts = [c for c in sources.values() if isinstance(c, int)]
    if isinstance(rows, int) and counts and len(counts) == len(sources) and rows > sum(counts):
        checks.append(f"MORE ROWS THAN ITS SOURCES ({sum(counts):,})")
    missing = {c: n for c, n in (figures.get("missing") or {}).items() if n}
    cells = [f"{c} {n:,}" + (f" ({n / rows:.1%})" if rows else "")
             for c, n in sorted(missing.items(), key=lambda x: (-x[1], x[0]))]
    return {"measured": True, "rows": "; ".join(checks),
            "missing": ", ".join(cells) if cells else
            f"none in {figures.get('columns', 0)} columns"}


def _version_view(facts: ReportFacts, model_id: str, model: Mapping[str, Any], version: str,
                  record: Mapping[str, Any], evidence: Mapping[str, Any] | None,
                  charts: dict[str, Any]) -> dict[str, Any]:
    record = plain(record or {})
    evaluation = record.get("evaluation") or {}
    key = slug(f"{model_id}-{version}")
    validation = dict(record.get("validation") or {})
    monitoring = dict(record.get("monitoring") or {})
    view: dict[str, Any] = {
        "version": version, "id": f"{model_id}@{version}", "record": record,
        "stage": record.get("stage"), "evaluation": evaluation,
        "declared": dict(evaluation.get("metrics") or {}),
        "parameters": dict(record.get("parameters") or {}),
        "requirements": dict(record.get("requirements") or {}),
        "artifact": dict(record.get("artifact") or {}),
        "validation": validation,
        "independence": independence(facts.inventory, model, validation.get("by"),
                                     record.get("author")),
        "approvals": list(record.get("approvals") or []),
        "deployments": list(record.get("deployments") or []),
        "monitoring": monitoring,
        "documentation": dict(record.get("documentation") or {}),
        "monitoring_status": monitoring_status(facts.inventory, monitoring, facts.today)
        if monitoring else None,
        "limits": _limits(facts, f"{model_id}@{version}"),
        "evidence": evidence is not None,
        "chart_keys": {},
    }
    if evidence is not None:
        view.update(_evidence_view(evidence, key, charts, view["chart_keys"]))
    view["monitored"] = bool(view["monitoring"] or view.get("drift_features"))
    view["summary"] = _summary_lines(view)
    view["metric_rows"] = _metric_rows(view)
    return view


BOUNDS = {"gte": "≥", "gt": ">", "lte": "≤", "lt": "<"}


def _limits(facts: ReportFacts, entity: str) -> list[dict[str, Any]]:
    """The numeric bounds the rules that applied to this version set, with their outcome."""
    out = []
    for r in facts.results:
        if r.entity != entity or r.status == "skip":
            continue
        rule = facts.policies.rules.get(r.rule)
        require = (rule.raw.get("require") if rule else None) or {}
        if not isinstance(require, Mapping) or not isinstance(require.get("field"), str):
            continue
        for op, sign in BOUNDS.items():
            bound = require.get(op)
            if isinstance(bound, int | float) and not isinstance(bound, bool):
                out.append({"rule": r.rule, "field": require["field"], "sign": sign,
                            "bound": bound, "status": r.status})
    return out


def _limit_text(limits: list[dict[str, Any]], word: str) -> str:
    found = [f"{lim['sign']} {lim['bound']:g} ({lim['rule']}, "
             f"{OUTCOME_OF_STATUS[lim['status']]})" for lim in limits if word in lim["field"]]
    return "; ".join(found) if found else "no rule in force sets a bound"


def _metric_rows(view: Mapping[str, Any]) -> list[dict[str, str]]:
    """Each measured metric against the champion's and against the rules' floor."""
    champion = dict(view.get("champion") or {})
    best = dict(champion.get("metrics") or {})
    is_champion = champion.get("id") in (None, view["id"])
    return [{"name": m["name"], "measured": format_number(m.get("measured")),
             "declared": format_number(m.get("claimed")) if m.get("claimed") is not None
             else "not declared",
             "champion": "this version is the champion" if is_champion and view["stage"] ==
             "production" else format_number(best[m["name"]]) if m["name"] in best
             else "no champion measured",
             "floor": _limit_text(view["limits"], "metrics." + m["name"])}
            for m in view.get("measured") or []]


def _summary_lines(view: Mapping[str, Any]) -> list[tuple[str, str]]:
    """One line per question an auditor asks first, answered for one version."""
    limits = view["limits"]
    lines = []
    if not view.get("measured"):
        declared = ", ".join(f"{k} {format_number(x)}" for k, x in sorted(
            view["declared"].items()))
        lines.append(("Metrics", f"declared only, not measured in this run: {declared}"
                      if declared else "no metric is declared or measured"))
    lines.append(("Fairness", _fairness_line(view, limits)))
    lines.append(("Drift", _drift_line(view, limits)))
    validation = view["validation"]
    if validation.get("date"):
        lines.append(("Validation", f"{validation.get('by') or 'validator not recorded'} on "
                      f"{validation['date']}: {validation.get('outcome') or 'no outcome'}; "
                      f"{view['independence']}"))
    elif validation.get("planned"):
        lines.append(("Validation", f"planned for {validation['planned']}, "
                      f"{validation.get('outcome') or 'not done'}"))
    else:
        lines.append(("Validation", NOT_RECORDED))
    approvals = [f"{a.get('by')} ({a.get('role') or 'role not recorded'}, "
                 f"{a.get('date') or 'date not recorded'})" for a in view["approvals"]]
    lines.append(("Approvals", "; ".join(approvals) or f"none {NOT_RECORDED}"))
    return lines


def _fairness_line(view: Mapping[str, Any], limits: list[dict[str, Any]]) -> str:
    summary = [s for s in (view.get("fairness") or {}).get("summary", [])
               if isinstance(s.get("dp_ratio"), int | float)]
    if not summary:
        return ("not measured (no evidence in this run)" if not view["evidence"]
                else "not measured (no sensitive feature declared or measurable)")
    low = min(summary, key=lambda s: s["dp_ratio"])
    return (f"lowest demographic parity ratio {format_number(low['dp_ratio'])} "
            f"({low['feature']}); threshold: {_limit_text(limits, 'demographic_parity_ratio')}")


def _drift_line(view: Mapping[str, Any], limits: list[dict[str, Any]]) -> str:
    status = view.get("monitoring_status")
    if not status:
        return "no monitoring declared"
    parts = []
    psi = [f for f in view.get("drift_features") or [] if isinstance(f.get("psi"), int | float)]
    if psi:
        top = max(psi, key=lambda f: f["psi"])
        parts.append(f"largest PSI {format_number(top['psi'])} ({top['feature']}); "
                     f"threshold: {_limit_text(limits, 'psi')}")
    else:
        parts.append("drift not measured in this run")
    age = status["age_days"]
    if not status["stale"]:
        parts.append(f"current data {status['current']} is "
                     + (f"{age} days old" if age is not None else "of unknown age")
                     + (f" against a {status['every_days']}-day cadence"
                        if status["every_days"] else " (no cadence declared)"))
    parts += status["flags"]
    return "; ".join(parts)


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
