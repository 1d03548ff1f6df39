"""WeasyPrint's user-agent stylesheet, less the rules that match every element for features
the reports never use.

The stock stylesheet styles six pseudo-elements of *every* element (`::marker`, and the
footnote and note calls and markers), so WeasyPrint computes seven styles per element where
one would do: in a dossier, 12,000 of its 14,000 computed styles, for pseudo-elements that
only a list item (the marker) or a footnote or note (the others) ever shows. The reports have
list items but no footnotes and no notes, so here the marker rule is scoped to list items and
the footnote and note rules are left out. The documents are the same bytes either way (a test
renders the example's reports both ways). A document that floats an element to a footnote or
note (WeasyPrint cannot render one without those rules), or a WeasyPrint whose stylesheet
lacks one of these rules, gets the stock stylesheet.
"""

from __future__ import annotations

import functools
import re
from typing import Any

# Each rule of the stock stylesheet -> what the reports use instead ("" to leave it out).
TRIMMED_RULES = {
    "::marker {": "li::marker, summary::marker {",
    "::footnote-call {": "",
    "::footnote-marker {": "",
    "::note-call {": "",
    "::note-marker {": "",
    "::note-callback {": "",
}


# `float: footnote` or `float: note`, in a stylesheet or a style attribute.
_NOTES = re.compile(r"float\s*:\s*(foot)?note", re.I)


def trim(stock: str) -> str | None:
    """The stock stylesheet's text with TRIMMED_RULES applied, or None when one of those rules
    is not in it as a line of its own (another WeasyPrint)."""
    lines = stock.splitlines(keepends=True)
    for start, replacement in TRIMMED_RULES.items():
        found = [i for i, line in enumerate(lines) if line.startswith(start)]
        if len(found) != 1 or not lines[found[0]].rstrip().endswith("}"):
            return None
        i = found[0]
        lines[i] = replacement + lines[i][len(start):] if replacement else ""
    return "".join(lines)


@functools.cache
def user_agent_stylesheets() -> list[Any]:
    """The user-agent stylesheet(s) to render reports with: the trimmed one, parsed once per
    process, or the stock one."""
    import weasyprint
    from weasyprint import html
    from weasyprint.css.counters import CounterStyle

    text = trim(html.UA)
    if text is None:
        return [html.UA_STYLESHEET]
    # Its counter styles are the stock sheet's, already known to WeasyPrint (UA_COUNTER_STYLE):
    # the copy parsed here goes into a table of its own that nothing reads.
    return [weasyprint.CSS(string=text, counter_style=CounterStyle())]


def report_html(string: str, **kwargs: Any) -> Any:
    """A weasyprint.HTML document styled with user_agent_stylesheets(), or with the stock
    stylesheet when the document has footnotes or notes."""
    import weasyprint

    if _NOTES.search(string) or _stylesheet_has_notes():
        return weasyprint.HTML(string=string, **kwargs)
    return _report_html_class()(string=string, **kwargs)


@functools.cache
def _stylesheet_has_notes() -> bool:
    from importlib import resources

    # the package's own stylesheet, as the fetcher serves it (read here, not through
    # charter.report.pdf, which imports this module)
    sheet = resources.files("charter.assets").joinpath("report.css")
    return bool(_NOTES.search(sheet.read_text(encoding="utf-8")))


@functools.cache
def _report_html_class() -> type:
    import weasyprint

    class ReportHTML(weasyprint.HTML):  # type: ignore[misc]  # weasyprint has no types
        def _ua_stylesheets(self, forms: bool = False) -> list[Any]:
            if forms:  # reports have no forms; kept for completeness
                return [*user_agent_stylesheets(), *super()._ua_stylesheets(True)[1:]]
            return user_agent_stylesheets()

    return ReportHTML
