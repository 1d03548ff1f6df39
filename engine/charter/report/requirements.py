"""The requirement map of a dossier: each element of SR 11-7 and each point of the AI Act's
Annex IV, the dossier sections that answer it, and a status drawn from the rules in force
that cite it and their outcomes for the model.

Statuses: met (every judgement of those rules passed), partly (some passed; others failed
or were waived), not met (none passed), not evidenced (no rule in force cites it, or none of
those that do applies to this model). References are read leniently here, so that a
repository's own rules count even when their citations are written freely; the built-in
packs use the strict forms of `charter.report.citations`.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

from charter.policy.evaluate import RuleResult
from charter.policy.loader import PolicySet
from charter.report.citations import ANNEX_IV, ANNEX_IV_TITLES

SR_PACK = "charter:sr-11-7"
AI_ACT_PACK = "charter:eu-ai-act-high-risk"
NOT_IN_DOSSIER = "not evidenced in this dossier"
TEMPLATES = ("dossier.html", "macros.html", "monitoring_ledger.html")


@dataclass(frozen=True)
class Element:
    key: str
    title: str
    where: str  # where the text states it
    sections: tuple[str, ...]  # dossier section ids that answer it, best first


SR_ELEMENTS = (
    Element("conceptual-soundness", "Evaluation of conceptual soundness",
            "§IV; §V, Evaluation of Conceptual Soundness", ("methodology", "validation", "data")),
    Element("ongoing-monitoring", "Ongoing monitoring (process verification, benchmarking)",
            "§V, Ongoing Monitoring", ("monitoring",)),
    Element("outcomes-analysis", "Outcomes analysis (back-testing)", "§V, Outcomes Analysis",
            ("evidence", "validation", "performance")),
    Element("independence", "Independence and effective challenge", "§III; §V",
            ("validation", "approvals", "signoff")),
    Element("documentation", "Documentation", "§VI, Documentation",
            ("summary", "methodology", "data", "lineage")),
    Element("governance", "Governance, policies and controls (inventory, approval)",
            "§VI", ("rules", "findings", "approvals", "policy")),
)

# Dossier sections that answer each Annex IV point; none where the inventory holds nothing
# that could (hardware, photographs, harmonised standards, the declaration of conformity).
ANNEX_IV_SECTIONS: Mapping[str, tuple[str, ...]] = {
    "1(a)": ("summary", "inventory"), "1(b)": ("lineage",), "1(c)": ("implementation",
                                                                     "evidence"),
    "1(d)": (), "1(e)": (), "1(f)": (), "1(g)": (), "1(h)": ("use", "summary"),
    "2(a)": ("methodology",), "2(b)": ("methodology",), "2(c)": (),
    "2(d)": ("data", "lineage"), "2(e)": ("oversight",), "2(f)": (),
    "2(g)": ("validation", "evidence", "performance", "fairness"), "2(h)": (),
    "3": ("evidence", "fairness", "use"), "4": ("evidence", "performance"),
    "5": ("risk-management",), "6": ("lifecycle", "approvals"), "7": (), "8": (),
    "9": ("monitoring",),
}

_SECTION = re.compile(r"§\s*([IVX]+)\b")
_ANNEX = re.compile(r"Annex IV(?: point)?\s*\(?([1-9])\)?(?:\(([a-h])\))?")
_INDEPENDENCE = re.compile(r"independence|independent(ly| of| validation| review)|"
                           r"effective challenge")
# Only headings: a link shows its target's text, which for a wrapping element would be the
# whole section.
_ID = re.compile(r'<h[1-4]\b[^>]*\bid="([A-Za-z][\w-]*)"')


def sr_elements(reference: str) -> set[str]:
    """The SR 11-7 elements a reference cites."""
    if "SR 11-7" not in reference:
        return set()
    text = reference.lower()
    sections = set(_SECTION.findall(reference))
    found = set()
    if "IV" in sections or "conceptual soundness" in text:
        found.add("conceptual-soundness")
    if any(k in text for k in ("ongoing monitoring", "process verification", "benchmark",
                               "periodic review", "annual review")):
        found.add("ongoing-monitoring")
    if "outcomes analysis" in text or "back-test" in text:
        found.add("outcomes-analysis")
    if "III" in sections or _INDEPENDENCE.search(text):
        found.add("independence")
    if "VI" in sections:
        if "documentation" in text:
            found.add("documentation")
        if "documentation)" not in text or "inventory" in text:
            found.add("governance")
    return found


def annex_points(reference: str) -> set[str]:
    """The Annex IV points a reference cites ("1(c)", "3"); a bare point 1 or 2 names none."""
    if "EU AI Act" not in reference:
        return set()
    points = set()
    for number, letter in _ANNEX.findall(reference):
        if letter and letter in ANNEX_IV[int(number)]:
            points.add(f"{number}({letter})")
        elif not ANNEX_IV[int(number)]:
            points.add(number)
    return points


@functools.cache
def dossier_section_ids() -> tuple[str, ...]:
    """Ids of the headings the dossier's templates write, in their order: a link to any
    other would be broken."""
    found: list[str] = []
    for name in TEMPLATES:
        item = resources.files("charter.templates").joinpath(name)
        if item.is_file():
            found += [i for i in _ID.findall(item.read_text(encoding="utf-8"))
                      if i not in found]
    return tuple(found)


def requirement_map(policies: PolicySet, results: Sequence[RuleResult],
                    section_ids: Sequence[str] | None = None,
                    facts: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The appendix's two tables and the notes on which packs are in force. `section_ids`:
    the dossier's sections in reading order (by default, those its templates write);
    `facts`: what the dossier records for an element or point, keyed by the element's key
    (`ongoing-monitoring`) or the point (`9`)."""
    facts = facts or {}
    ids = {s: i for i, s in enumerate(
        dossier_section_ids() if section_ids is None else section_ids)}
    citing_sr: dict[str, list[str]] = {}
    citing_annex: dict[str, list[str]] = {}
    for rule_id, rule in sorted(policies.rules.items()):
        for reference in rule.references:
            for key in sr_elements(reference):
                citing_sr.setdefault(key, []).append(rule_id)
            for point in annex_points(reference):
                citing_annex.setdefault(point, []).append(rule_id)
    by_rule: dict[str, list[RuleResult]] = {}
    for result in results:
        if result.status != "skip":
            by_rule.setdefault(result.rule, []).append(result)
    sr = [{**_row(e.title, e.where, e.sections, sorted(set(citing_sr.get(e.key, []))),
                  by_rule, ids), "facts": facts.get(e.key, "")} for e in SR_ELEMENTS]
    annex = [{**_row(f"{point}. {ANNEX_IV_TITLES[point]}", f"point {point}",
                     ANNEX_IV_SECTIONS.get(point, ()), sorted(set(citing_annex.get(point, []))),
                     by_rule, ids), "facts": facts.get(point, "")} for point in _annex_order()]
    return {"sr": sr, "annex": annex,
            "sr_pack": _pack_note(policies, results, SR_PACK, "SR 11-7"),
            "annex_pack": _pack_note(policies, results, AI_ACT_PACK, "EU AI Act high-risk")}


def _annex_order() -> list[str]:
    return [f"{n}({c})" if c else str(n) for n, letters in ANNEX_IV.items()
            for c in (letters or [""])]


def _row(title: str, where: str, candidates: Sequence[str], rules: list[str],
         by_rule: Mapping[str, list[RuleResult]], ids: Mapping[str, int]) -> dict[str, Any]:
    sections = sorted((s for s in candidates if s in ids), key=ids.__getitem__)
    judged = [r for rule in rules for r in by_rule.get(rule, [])]
    status, why = _status(rules, judged)
    return {"title": title, "where": where, "sections": sections, "status": status,
            "why": why, "rules": [_outcome(rule, by_rule[rule]) for rule in rules
                                  if rule in by_rule],
            "not_applicable": [rule for rule in rules if rule not in by_rule]}


def _status(rules: list[str], judged: list[RuleResult]) -> tuple[str, str]:
    if not rules:
        return "not evidenced", "no rule in force cites it"
    if not judged:
        return "not evidenced", "the rules that cite it do not apply to this model"
    passed = sum(r.status == "pass" for r in judged)
    total = f"{len(judged)} judgement{'s' if len(judged) != 1 else ''}"
    if passed == len(judged):
        return "met", f"{passed} of {total} passed"
    if passed == 0:
        return "not met", f"none of {total} passed"
    return "partly", f"{passed} of {total} passed"


def _outcome(rule: str, judged: list[RuleResult]) -> str:
    counts: dict[str, int] = {}
    for result in judged:
        counts[result.status] = counts.get(result.status, 0) + 1
    words = {"pass": "passed", "fail": "failed", "waived": "waived"}
    return f"{rule} " + ", ".join(f"{words.get(s, s)} {n}" for s, n in sorted(counts.items()))


def _pack_note(policies: PolicySet, results: Sequence[RuleResult], pack: str,
               name: str) -> str:
    own = {rule_id for rule_id, rule in policies.rules.items() if rule.origin == pack}
    if not own:
        return (f"The {name} pack ({pack}) is not in force in this repository's policies: "
                "statuses come only from other rules that cite the text.")
    if not any(r.rule in own and r.status != "skip" for r in results):
        return (f"The {name} pack ({pack}) is in force, but none of its rules applies to "
                "this model.")
    return ""
