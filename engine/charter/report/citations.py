"""Rule references read as citations of the texts they name: SR 11-7 (the Federal Reserve's
letter and its attachment, "Supervisory Guidance on Model Risk Management", 2011), Regulation
(EU) 2024/1689 (the AI Act: articles and Annex IV points), the NIST AI RMF 1.0 and the GDPR.

A citation names its place in the text in a fixed form, so that a requirement map can find
the rules that answer each element, and a test can refuse a point the text does not have:

    SR 11-7 §V (Model Validation; Outcomes Analysis): what the rule takes from it
    EU AI Act Art. 13(3)(b)(i) (what the rule takes from it)
    EU AI Act Annex IV point 1(c) (what the rule takes from it)
    NIST AI RMF 1.0 MEASURE 2.11 (what the rule takes from it)
    GDPR Art. 5(1)(e) (what the rule takes from it)
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# The attachment's sections and their sub-headings (I, II and VII cite nothing to check).
SR_11_7 = {
    "III": ("Overview of Model Risk Management", ()),
    "IV": ("Model Development, Implementation, and Use", ()),
    "V": ("Model Validation", ("Evaluation of Conceptual Soundness", "Ongoing Monitoring",
                               "Outcomes Analysis",
                               "Validation of Vendor and Other Third-Party Products")),
    "VI": ("Governance, Policies, and Controls", (
        "Board of Directors and Senior Management", "Policies and Procedures",
        "Roles and Responsibilities", "Internal Audit", "External Resources",
        "Model Inventory", "Documentation")),
}

# Annex IV of Regulation (EU) 2024/1689: its points and the lettered items of points 1 and 2.
ANNEX_IV = {1: "abcdefgh", 2: "abcdefgh", 3: "", 4: "", 5: "", 6: "", 7: "", 8: "", 9: ""}
ANNEX_IV_TITLES = {
    "1": "General description of the system", "1(a)": "Intended purpose, provider, version "
    "and its relation to previous versions", "1(b)": "Interaction with other hardware or "
    "software", "1(c)": "Versions of relevant software or firmware", "1(d)": "Forms in which "
    "it is placed on the market", "1(e)": "Hardware it runs on", "1(f)": "Photographs of "
    "products it is a component of", "1(g)": "User interface for the deployer",
    "1(h)": "Instructions for use", "2": "Elements of the system and its development",
    "2(a)": "Methods and steps of development", "2(b)": "Design specifications, algorithms "
    "and key design choices", "2(c)": "System architecture and computational resources",
    "2(d)": "Data requirements: training data, provenance, labelling, cleaning",
    "2(e)": "Assessment of human oversight measures", "2(f)": "Pre-determined changes",
    "2(g)": "Validation and testing: data, metrics (including discriminatory impacts), "
    "dated and signed test reports", "2(h)": "Cybersecurity measures",
    "3": "Monitoring, functioning and control: capabilities and limitations, accuracy for "
    "groups, foreseeable risks", "4": "Appropriateness of the performance metrics",
    "5": "Risk management system (Art. 9)", "6": "Relevant changes through the lifecycle",
    "7": "Harmonised standards applied", "8": "EU declaration of conformity",
    "9": "Post-market monitoring system and plan (Art. 72)",
}

# Articles of the AI Act the packs may cite: paragraph count, and the points of paragraphs
# that have them (the sub-points of 13(3)(b) are i to vii).
AI_ACT_ARTICLES: dict[int, tuple[int, dict[int, str]]] = {
    9: (10, {2: "abcd", 5: "abc"}),
    10: (6, {2: "abcdefgh", 5: "abcdef"}),
    11: (3, {}),
    12: (3, {2: "abc", 3: "abcd"}),
    13: (3, {3: "abcdef"}),
    14: (5, {3: "ab", 4: "abcde"}),
    15: (5, {}),
    17: (4, {1: "abcdefghijklm"}),
    18: (3, {1: "abcde"}),
    72: (4, {}),
}
AI_ACT_SUBPOINTS = {(13, 3, "b"): ("i", "ii", "iii", "iv", "v", "vi", "vii")}

# NIST AI RMF 1.0: function -> category -> number of subcategories.
NIST_AI_RMF = {
    "GOVERN": {1: 7, 2: 3, 3: 2, 4: 3, 5: 2, 6: 2},
    "MAP": {1: 6, 2: 3, 3: 5, 4: 2, 5: 2},
    "MEASURE": {1: 3, 2: 13, 3: 3, 4: 3},
    "MANAGE": {1: 4, 2: 4, 3: 2, 4: 3},
}
GDPR_ARTICLES: dict[int, tuple[int, dict[int, str]]] = {
    5: (2, {1: "abcdef"}), 30: (5, {1: "abcdefg", 2: "abcd"}), 35: (11, {7: "abcd"}),
}

_SR = re.compile(r"SR 11-7 §(?P<section>[IVX]+) \((?P<title>[^;)]+)(?:; (?P<sub>[^)]+))?\)"
                 r"(?:: (?P<gloss>.+))?")
_ARTICLE = re.compile(r"(?P<source>EU AI Act|GDPR) Art\. (?P<article>\d+)(?:\((?P<para>\d+)\))?"
                      r"(?:\((?P<point>[a-z])\))?(?:\((?P<sub>[ivx]+)\))? \((?P<gloss>.+)\)")
_ANNEX = re.compile(r"EU AI Act Annex IV point (?P<point>\d+)(?:\((?P<letter>[a-z])\))? "
                    r"\((?P<gloss>.+)\)")
_NIST = re.compile(r"NIST AI RMF 1\.0 (?P<function>GOVERN|MAP|MEASURE|MANAGE) "
                   r"(?P<category>\d+)\.(?P<sub>\d+) \((?P<gloss>.+)\)")
_MODEL_CARDS = re.compile(r"Model Cards for Model Reporting \(Mitchell et al\., 2019\)"
                          r"(?:: (?P<gloss>.+))?")


@dataclass(frozen=True)
class Citation:
    source: str  # SR 11-7 | EU AI Act | GDPR | NIST AI RMF | Model Cards
    place: str  # §V; Outcomes Analysis | Art. 13(3)(b)(i) | Annex IV 1(c) | MEASURE 2.11
    section: str = ""  # SR 11-7's roman section
    subsection: str = ""  # SR 11-7's sub-heading
    annex_point: str = ""  # "1(c)", "3"
    gloss: str = ""


def parse_citation(reference: str) -> Citation | None:
    """The citation a reference makes, or None when it is in no known form."""
    if found := _SR.fullmatch(reference):
        sub = found["sub"] or ""
        return Citation("SR 11-7", f"§{found['section']}" + (f"; {sub}" if sub else ""),
                        section=found["section"], subsection=sub, gloss=found["gloss"] or "")
    if found := _ANNEX.fullmatch(reference):
        point = found["point"] + (f"({found['letter']})" if found["letter"] else "")
        return Citation("EU AI Act", f"Annex IV {point}", annex_point=point,
                        gloss=found["gloss"])
    if found := _ARTICLE.fullmatch(reference):
        place = "Art. " + found["article"] + "".join(
            f"({found[g]})" for g in ("para", "point", "sub") if found[g])
        return Citation(found["source"], place, gloss=found["gloss"])
    if found := _NIST.fullmatch(reference):
        return Citation("NIST AI RMF", f"{found['function']} {found['category']}."
                        f"{found['sub']}", gloss=found["gloss"])
    if found := _MODEL_CARDS.fullmatch(reference):
        return Citation("Model Cards", "", gloss=found["gloss"] or "")
    return None


def citation_problem(reference: str) -> str | None:
    """Why a reference is not a citation of a place its text has; None when it is."""
    citation = parse_citation(reference)
    if citation is None:
        return "is in no known citation form"
    if citation.source == "SR 11-7":
        return _sr_problem(reference)
    if citation.annex_point:
        point, _, letter = citation.annex_point.partition("(")
        letters = ANNEX_IV.get(int(point))
        if letters is None or (letter and letter.rstrip(")") not in letters):
            return f"Annex IV has no point {citation.annex_point}"
        return None
    if citation.source == "NIST AI RMF":
        function, numbers = citation.place.split(" ")
        category, sub = (int(n) for n in numbers.split("."))
        if not 1 <= sub <= NIST_AI_RMF[function].get(category, 0):
            return f"the NIST AI RMF has no {citation.place}"
        return None
    if citation.source in ("EU AI Act", "GDPR"):
        return _article_problem(reference, citation.source)
    return None


def _sr_problem(reference: str) -> str | None:
    found = _SR.fullmatch(reference)
    assert found is not None
    known = SR_11_7.get(found["section"])
    if known is None:
        return f"SR 11-7 has no section §{found['section']} to cite"
    title, subs = known
    if found["title"] != title:
        return f"SR 11-7 §{found['section']} is titled {title!r}, not {found['title']!r}"
    if found["sub"] and found["sub"] not in subs:
        return f"SR 11-7 §{found['section']} has no sub-heading {found['sub']!r}"
    return None


def _article_problem(reference: str, source: str) -> str | None:
    found = _ARTICLE.fullmatch(reference)
    assert found is not None
    table = AI_ACT_ARTICLES if source == "EU AI Act" else GDPR_ARTICLES
    article = int(found["article"])
    if article not in table:
        return f"{source} Art. {article} is not in the table of articles Charter checks"
    paragraphs, points = table[article]
    para = int(found["para"]) if found["para"] else None
    if para is not None and not 1 <= para <= paragraphs:
        return f"{source} Art. {article} has no paragraph {para}"
    if found["point"] and (para is None or found["point"] not in points.get(para, "")):
        return f"{source} Art. {article}({para}) has no point ({found['point']})"
    if found["sub"] and found["sub"] not in AI_ACT_SUBPOINTS.get(
            (article, para or 0, found["point"] or ""), ()):
        return f"{source} Art. {article}({para})({found['point']}) has no ({found['sub']})"
    return None
