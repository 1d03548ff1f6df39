"""SARIF 2.1.0 as GitHub code scanning reads it.

Fingerprints are built from what a finding is about (rule, entity, field), never from its
line, so an alert survives unrelated edits that move it. Waived findings are reported with
an accepted, external suppression that carries the waiver's justification.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import asdict
from typing import Any

from charter import __version__
from charter.findings import Finding
from charter.policy.evaluate import ENGINE_RULES
from charter.policy.explain import explain_rule
from charter.policy.rules import Rule
from charter.result import CheckResult

SCHEMA_URI = ("https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/"
              "sarif-schema-2.1.0.json")
FINGERPRINT_KEY = "charterFinding/v1"
_LEVEL = {"error": "error", "warning": "warning", "info": "note"}
# GitHub maps security-severity to critical (>= 9), high (>= 7), medium (>= 4) and low.
_SECURITY_SEVERITY = {"error": "8.0", "warning": "5.0", "info": "2.0"}
_KIND = {"model": "every model", "version": "every model version",
         "dataset": "every dataset version", "change": "the change as a whole"}


def render(result: CheckResult) -> str:
    return json.dumps(sarif_log(result), indent=2, ensure_ascii=False) + "\n"


def sarif_log(result: CheckResult) -> dict[str, Any]:
    rules = _rule_descriptors(result)
    index = {rule["id"]: i for i, rule in enumerate(rules)}
    run: dict[str, Any] = {
        "tool": {"driver": {"name": "Charter", "version": __version__,
                            "semanticVersion": __version__, "rules": rules}},
        "automationDetails": {"id": f"charter/{result.scope}/"},
        "columnKind": "unicodeCodePoints",
        "invocations": [{"executionSuccessful": True, "exitCode": result.exit_code}],
        "results": _results(result, index),
        "properties": _run_properties(result),
    }
    repository = result.links.get("repository")
    if repository and result.head.commit:
        run["versionControlProvenance"] = [{"repositoryUri": repository,
                                            "revisionId": result.head.commit}]
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def _run_properties(result: CheckResult) -> dict[str, Any]:
    return {"verdict": result.verdict, "counts": asdict(result.counts), "scope": result.scope,
            "today": result.today.isoformat(), "head": result.head.as_dict(),
            "base": result.base.as_dict() if result.base else None,
            "policies": {"from": result.policies_from, "digest": result.policy_digest}}


def _rule_descriptors(result: CheckResult) -> list[dict[str, Any]]:
    descriptors = [_policy_rule(rule, result) for _, rule in sorted(result.rules.items())]
    descriptors += [_engine_rule(rule_id) for rule_id in sorted(ENGINE_RULES)]
    return descriptors


def _policy_rule(rule: Rule, result: CheckResult) -> dict[str, Any]:
    descriptor: dict[str, Any] = {
        "id": rule.id,
        "name": _name(rule.id),
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": rule.description or rule.title},
        "help": {"text": explain_rule(rule), "markdown": _help_markdown(rule)},
        "defaultConfiguration": {"level": _LEVEL[rule.severity]},
        "properties": {"tags": [*rule.tags, "model-governance"],
                       "security-severity": _SECURITY_SEVERITY[rule.severity],
                       "precision": "very-high",
                       "defined-in": rule.origin if rule.origin.startswith("charter:")
                       else f"{rule.file}:{rule.line}"},
    }
    help_uri = _help_uri(rule, result)
    if help_uri:
        descriptor["helpUri"] = help_uri
    return descriptor


def _engine_rule(rule_id: str) -> dict[str, Any]:
    severity, title, explanation = ENGINE_RULES[rule_id]
    return {
        "id": rule_id,
        "name": _name(rule_id),
        "shortDescription": {"text": title},
        "fullDescription": {"text": explanation},
        "help": {"text": f"{rule_id}: {title}\n\n{explanation}\n",
                 "markdown": f"**{rule_id}: {title}**\n\n{explanation}\n"},
        "defaultConfiguration": {"level": _LEVEL[severity]},
        "properties": {"tags": ["model-governance", "charter-engine"],
                       "security-severity": _SECURITY_SEVERITY[severity],
                       "precision": "very-high"},
    }


def _name(rule_id: str) -> str:
    return "".join(part.capitalize() for part in rule_id.replace("_", "-").split("-"))


def _help_uri(rule: Rule, result: CheckResult) -> str:
    if rule.help_uri:
        return rule.help_uri
    links = [r for r in rule.references if r.startswith(("https://", "http://"))]
    if links:
        return links[0]
    repository = result.links.get("repository")
    commit = result.base.commit if result.policies_from == "base" and result.base else None
    commit = commit or result.head.commit
    if repository and commit and not rule.origin.startswith("charter:"):
        return f"{repository}/blob/{commit}/{rule.file}#L{rule.line}"
    return ""


def _help_markdown(rule: Rule) -> str:
    blocking = "blocks the merge" if rule.severity == "error" else "does not block"
    lines = [f"**{rule.id}: {rule.title}**", ""]
    if rule.description:
        lines += [rule.description, ""]
    lines.append(f"- Severity: `{rule.severity}` ({blocking})")
    applies = _KIND[rule.applies_to] + (f" where {rule.match.describe()}" if rule.match else "")
    lines.append(f"- Applies to: {applies}")
    if rule.when:
        lines.append(f"- Only when: {rule.when.describe()}")
    lines.append(f"- Requires: {rule.require.describe()}")
    if rule.remediation:
        lines += ["", f"**How to fix:** {rule.remediation}"]
    if rule.references:
        lines += ["", "**References:**", *(f"- {r}" for r in rule.references)]
    return "\n".join(lines) + "\n"


def _results(result: CheckResult, index: Mapping[str, int]) -> list[dict[str, Any]]:
    seen: dict[str, int] = {}
    out = []
    for finding in result.findings:
        fingerprint = fingerprint_of(finding)
        seen[fingerprint] = seen.get(fingerprint, 0) + 1
        if seen[fingerprint] > 1:  # the same subject twice: keep every fingerprint unique
            fingerprint = f"{fingerprint}:{seen[fingerprint]}"
        out.append(_result(finding, index, fingerprint))
    return out


def fingerprint_of(finding: Finding) -> str:
    subject = "\0".join([finding.rule, finding.entity_kind, finding.entity, finding.field or ""])
    return hashlib.sha256(subject.encode()).hexdigest()[:32]


def _result(finding: Finding, index: Mapping[str, int], fingerprint: str) -> dict[str, Any]:
    item: dict[str, Any] = {
        "ruleId": finding.rule,
        "level": _LEVEL.get(finding.severity, "note"),
        "message": {"text": finding.message},
        "locations": [_location(finding)],
        "partialFingerprints": {FINGERPRINT_KEY: fingerprint},
        "properties": _result_properties(finding),
    }
    if finding.rule in index:
        item["ruleIndex"] = index[finding.rule]
    if finding.waived:
        item["suppressions"] = [{
            "kind": "external",
            "status": "accepted",
            "justification": f"{finding.waived_by}: {finding.waiver_justification} (approved "
                             f"by {finding.waiver_approved_by}, expires "
                             f"{finding.waiver_expires})",
            "properties": {"waiver": finding.waived_by, "approvedBy": finding.waiver_approved_by,
                           "expires": finding.waiver_expires},
        }]
    return item


def _location(finding: Finding) -> dict[str, Any]:
    # code scanning needs a file for every result; built-in sources are not files
    in_repo = bool(finding.file) and not finding.file.startswith("<")
    region: dict[str, int] = {"startLine": max(finding.line, 1) if in_repo else 1}
    if in_repo:
        region["startColumn"] = max(finding.column, 1)
        region["endLine"] = max(finding.end_line or finding.line, 1)
        if finding.end_column:
            region["endColumn"] = finding.end_column
    return {
        "physicalLocation": {
            "artifactLocation": {"uri": finding.file if in_repo else "models.yaml",
                                 "uriBaseId": "%SRCROOT%"},
            "region": region,
        },
        "logicalLocations": [{"fullyQualifiedName": finding.entity,
                              "kind": finding.entity_kind}],
    }


def _result_properties(finding: Finding) -> dict[str, Any]:
    values = {"entity": finding.entity, "entityKind": finding.entity_kind,
              "model": finding.model, "field": finding.field, "blocking": finding.blocking,
              "requirement": finding.requirement, "found": finding.found,
              "remediation": finding.remediation, "references": list(finding.references)}
    return {key: value for key, value in values.items() if value not in (None, "", [])}
