"""The inventory report: every model ever in production, by risk tier and stage."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from charter.lineage.resources import resource_overview
from charter.report.common import (
    STAGE_ORDER,
    as_date,
    common_attachment,
    cover,
    open_findings,
    stage_of,
)
from charter.report.facts import ReportFacts, plain
from charter.report.monitoring import health_words, production_versions, version_health
from charter.report.pdf import RenderJob

TIERS = ("high", "medium", "low")
EXPIRY_WINDOW_DAYS = 90
SECTIONS = [("overview", "1. Overview"), ("tiers", "2. Models by risk tier"),
            ("reviews", "3. Periodic reviews"), ("findings", "4. Open findings"),
            ("waivers", "5. Waivers"), ("others", "6. Models never in production"),
            ("monitoring", "7. Monitoring health"), ("resources", "8. Resources")]


def inventory_job(facts: ReportFacts, page_size: str = "a4") -> RenderJob:
    models = dict(facts.inventory.get("models") or {})
    ever, basis = _ever_in_production(facts, models)
    rows = [_row(facts, name, models[name]) for name in sorted(models) if name in ever]
    others = [_row(facts, name, models[name]) for name in sorted(models) if name not in ever]
    findings = open_findings(facts.results)
    health = monitoring_health(facts)
    for row in rows + others:
        row["monitoring"] = [h for h in health if h["model"] == row["id"]]
    context = {
        "cover": cover("Model inventory report", "Models in production, ever",
                       f"{len(rows)} of {len(models)} models", [
                           ("Models ever in production", len(rows)),
                           ("Models in the inventory", len(models)),
                           ("Open findings", len(findings)),
                           ("Policy set (sha256)", facts.policies.digest)]),
        "toc": [{"id": i, "title": t, "sub": False} for i, t in SECTIONS],
        "basis": basis,
        "today": facts.today.isoformat(),
        "policy_digest": facts.policies.digest,
        "tiers": [{"tier": t, "rows": [r for r in rows if r["risk_tier"] == t]}
                  for t in (*TIERS, *sorted({r["risk_tier"] for r in rows} - set(TIERS)))],
        "matrix": _matrix(models),
        "rows": rows,
        "others": others,
        "overdue": [r for r in rows + others if r["review_overdue"]],
        "findings": findings,
        "waivers": _waivers(facts),
        "window": EXPIRY_WINDOW_DAYS,
        "health": health,
        "resources": resource_overview(facts.inventory, facts.today),
    }
    attachments = {"inventory-summary.json": {**common_attachment(facts), "models": rows,
                                              "never_in_production": others,
                                              "open_findings": findings,
                                              "waivers": context["waivers"],
                                              "monitoring_health": health,
                                              "resources": context["resources"]}}
    return RenderJob(
        filename="inventory.pdf", template="inventory.html", title="Model inventory report",
        doc_id="Inventory report", commit=facts.commit, committed=facts.committed.isoformat(),
        page_size=page_size, context=context, attachments=attachments)


def _ever_in_production(facts: ReportFacts, models: Mapping[str, Any]) -> tuple[set[str], str]:
    recorded = {name for name, model in models.items()
                for record in ((model or {}).get("versions") or {}).values()
                if (record or {}).get("stage") == "production" or (record or {}).get(
                    "deployments")}
    if facts.timeline.available:
        history = set(facts.timeline.value["ever_in_production"])
        return recorded | history, ("models in production at this commit or at any earlier "
                                    "commit of the git history, or with a recorded deployment")
    return recorded, ("models in production at this commit or with a recorded deployment "
                      f"(git history: {facts.timeline.note})")


def _row(facts: ReportFacts, name: str, model: Mapping[str, Any]) -> dict[str, Any]:
    versions = dict(model.get("versions") or {})
    validations = [as_date((r or {}).get("validation", {}).get("date"))
                   for r in versions.values() if isinstance((r or {}).get("validation"), Mapping)]
    last_validation = max((d for d in validations if d), default=None)
    last_review = as_date(model.get("last_review"))
    every = model.get("review_every_days")
    due = last_review + dt.timedelta(days=int(every)) if last_review and isinstance(
        every, int) else None
    ids = {("model", name), *(("version", f"{name}@{v}") for v in versions)}
    failing = [r for r in facts.results if (r.kind, r.entity) in ids and r.status == "fail"]
    return {
        "id": name, "title": model.get("title"), "risk_tier": str(model.get("risk_tier") or "—"),
        "owner": model.get("owner"), "stage": stage_of(model),
        "stages": {v: (r or {}).get("stage") for v, r in versions.items()},
        "last_validation": last_validation.isoformat() if last_validation else None,
        "last_review": last_review.isoformat() if last_review else None,
        "review_due": due.isoformat() if due else None,
        "review_overdue": bool(due and due < facts.today),
        "open_findings": len(failing),
        "blocking": sum(1 for r in failing if r.finding is not None and r.finding.blocking),
    }


def monitoring_health(facts: ReportFacts) -> list[dict[str, Any]]:
    """Every version in production: its latest sound monitoring run, that run's verdict and
    the days it is overdue (0 when on time), in the dossier's words."""
    rows = []
    models = facts.inventory.get("models") or {}
    for name in sorted(models):
        model = models[name] or {}
        for version in production_versions(model):
            vid = f"{name}@{version}"
            health = version_health((model.get("versions") or {})[version] or {},
                                    (facts.ledger.get("runs") or {}).get(vid) or [],
                                    facts.today)
            rows.append({"id": vid, "model": name, "owner": model.get("owner"),
                         "risk_tier": str(model.get("risk_tier") or "—"),
                         "last_run": health["last_run"], "verdict": health["verdict"],
                         "overdue": health_words(health), "late": health["overdue"],
                         "every_days": health["every_days"], "runs": health["runs"],
                         "unsound": len(health["unsound"])})
    return rows


def _matrix(models: Mapping[str, Any]) -> dict[str, Any]:
    stages = sorted(STAGE_ORDER, key=STAGE_ORDER.__getitem__)
    counts: dict[str, dict[str, int]] = {}
    for model in models.values():
        tier = str((model or {}).get("risk_tier") or "—")
        for record in ((model or {}).get("versions") or {}).values():
            stage = str((record or {}).get("stage"))
            counts.setdefault(tier, dict.fromkeys(stages, 0))
            counts[tier][stage] = counts[tier].get(stage, 0) + 1
    tiers = [t for t in TIERS if t in counts] + sorted(set(counts) - set(TIERS))
    return {"stages": stages, "rows": [{"tier": t, "counts": counts[t]} for t in tiers]}


def _waivers(facts: ReportFacts) -> list[dict[str, Any]]:
    rows = []
    for waiver in facts.policies.waivers:
        days = (waiver.expires - facts.today).days
        rows.append({**plain(waiver), "days_left": days, "expired": days < 0,
                     "expiring_soon": 0 <= days <= EXPIRY_WINDOW_DAYS})
    return sorted(rows, key=lambda w: (w["expires"], w["id"]))
