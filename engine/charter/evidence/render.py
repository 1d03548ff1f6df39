"""Evidence as a readable table per version (`charter evidence --format text`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


def render_text(evidence: Mapping[str, Mapping[str, Any]], header: str) -> str:
    lines = [header]
    for version_id, item in evidence.items():
        lines += ["", version_id, *_version(item)]
    return "\n".join(lines) + "\n"


def _version(item: Mapping[str, Any]) -> list[str]:
    out = _section("integrity", _integrity(item["integrity"]))
    if item.get("artifact"):
        out += _section("artifact", _artifact(item["artifact"]))
    out += _section("metrics", _metrics(item))
    if item.get("champion"):
        out += _section("champion", _champion(item["champion"]))
        out += [f"    {_comparison(c)}" for c in item.get("champion_comparison") or []]
    for feature, table in (item.get("fairness") or {}).items():
        out += _section(f"fairness: {feature}", _fairness(table))
    if item.get("drift"):
        out += _section("drift", _drift(item["drift"]))
    if item.get("importance"):
        out += _section("importance", _table(
            ["feature", "mean", "std"],
            [[r["feature"], _num(r["mean"]), _num(r["std"])] for r in item["importance"]]))
    if item.get("environment"):
        env = item["environment"]
        status = "ok" if env["ok"] else "MISMATCH: " + "; ".join(env["mismatches"])
        out += _section("environment", [f"scikit-learn saved {env['recorded']}, declared "
                                        f"{env['declared']}, running {env['running']}: {status}"])
    problems = item.get("problems") or []
    out += _section("problems", [f"[{p['area']}] {p['key']}: {p['message']}" for p in problems]
                    or ["none"])
    out += _section("notes", list(item.get("notes") or []))
    return out


def _section(title: str, body: Sequence[str]) -> list[str]:
    if not body:
        return []
    return [f"  {title}", *(f"    {line}" for line in body)]


def _integrity(integrity: Mapping[str, Any]) -> list[str]:
    rows = []
    artifact = integrity.get("artifact")
    if artifact:
        rows.append(["artifact", artifact["location"], _state(artifact),
                     _short(artifact.get("actual"))])
    for ref, entry in (integrity.get("datasets") or {}).items():
        rows.append([ref, entry.get("location") or "-", _state(entry), _short(entry.get("actual"))])
    return _table(["input", "location", "sha256", "actual"], rows) if rows else []


def _state(entry: Mapping[str, Any]) -> str:
    if entry.get("error"):
        return "unreadable"
    return {True: "ok", False: "MISMATCH", None: "not declared"}[entry.get("ok")]


def _short(sha: Any) -> str:
    return f"{sha[:12]}…" if isinstance(sha, str) else "-"


def _metrics(item: Mapping[str, Any]) -> list[str]:
    measured = item.get("metrics") or {}
    if not measured:
        return []
    diffs = item.get("metric_diffs") or {}
    claimed_by_metric = {name: d for name, d in diffs.items()}
    rows = []
    for name, value in measured.items():
        diff = claimed_by_metric.get(name)
        rows.append([name, _num(value), _num(diff["claimed"]) if diff else "-",
                     f"{diff['diff']:+.2g}" if diff else "-",
                     ("ok" if diff["ok"] else "MISMATCH") if diff else "-"])
    return _table(["metric", "measured", "claimed", "diff", "claim"], rows)


def _artifact(facts: Mapping[str, Any]) -> list[str]:
    container = facts.get("final_estimator_of")
    estimator = f"{facts.get('estimator')}" + (f" (final estimator of a {container})"
                                                if container else "")
    saved = facts.get("saved_with") or {}
    versions = ", ".join(f"{k} {v}" for k, v in saved.items()) or "not recorded"
    params = ", ".join(f"{k}={v}" for k, v in (facts.get("parameters") or {}).items())
    return [f"{estimator}, {facts.get('format')} file", f"saved with {versions}",
            f"parameters: {params or 'none'}"]


def _comparison(comparison: Mapping[str, Any]) -> str:
    if comparison.get("metric") is None:
        return f"vs {comparison.get('champion')}: {comparison.get('message')}"
    verdict = "ok" if comparison.get("ok") else "WORSE"
    return (f"vs {comparison['champion']}: {comparison['metric']} "
            f"{_num(comparison['measured'])} against {_num(comparison['champion_value'])} "
            f"(difference {comparison['difference']:+.4g}, tolerance "
            f"{_num(comparison['tolerance'])}): {verdict}")


def _champion(champion: Mapping[str, Any]) -> list[str]:
    metrics = champion.get("metrics") or {}
    shown = ", ".join(f"{k} {_num(v)}" for k, v in metrics.items())
    lines = [f"{champion['id']} on {champion.get('evaluated_on')}: {shown or 'not measured'}"]
    return lines + [f"problem: {p}" for p in champion.get("problems") or []]


def _fairness(table: Mapping[str, Any]) -> list[str]:
    rows = [[group, str(g["count"]), _num(g["selection_rate"]), _num(g["tpr"]), _num(g["fpr"]),
             _num(g["accuracy"])] for group, g in table["groups"].items()]
    lines = _table(["group", "n", "selection", "tpr", "fpr", "accuracy"], rows)
    summary = (f"demographic parity difference {_num(table['demographic_parity_difference'])}, "
               f"ratio {_num(table['demographic_parity_ratio'])}; equalized odds difference "
               f"{_num(table['equalized_odds_difference'])}")
    return [*lines, summary]


def _drift(drift: Mapping[str, Any]) -> list[str]:
    rows = []
    for name, row in drift["features"].items():
        test = (f"ks {_num(row['ks'])} p={_num(row['ks_pvalue'])}" if row["kind"] == "numeric"
                else f"chi2 {_num(row['chi2'])} p={_num(row['chi2_pvalue'])}")
        rows.append([name, _num(row["psi"]), test, "DRIFTED" if row["drifted"] else "-"])
    lines = [f"{drift['reference']} → {drift['current']}"]
    lines += _table(["feature", "psi", "test", "drifted"], rows)
    share = (f"share of drifted features {_num(drift['share_drifted'])} "
             f"(psi > {_num(drift['psi_threshold'])})")
    return [*lines, share]


def _num(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    return [fmt.format(*header).rstrip(), *(fmt.format(*r).rstrip() for r in rows)]
