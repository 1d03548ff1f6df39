"""Page references (the contents' page numbers, the requirement map's "page N") without a
second layout.

WeasyPrint's `target-counter()` knows a target's page only once that page is laid out, so it
lays every page that holds a reference out again, and once more when the page count changes:
in a dossier that is the contents page and every page of the requirement map, three times
each. Instead, each reference prints a placeholder of two digits (digits are tabular in the
shipped fonts, so any two-digit number takes the same width), the document is laid out once,
and each placeholder then receives its number: a one-digit number is padded with a figure
space where the number is right-aligned (the contents), and printed as is where it ends a line
of text (the requirement map). A document whose references need more digits, or name an
anchor it does not have, is rendered the plain way, with `target-counter()`.
"""

from __future__ import annotations

from typing import Any

PLACEHOLDER = "00"
FIGURE_SPACE = "\u2007"  # the width of a digit

# The same two rules, once counted by WeasyPrint (the plain way) and once as placeholders.
COUNTED_CSS = """
nav.toc a::after { content: leader(". ") target-counter(attr(href), page); }
a.pageref::after { content: ", page " target-counter(attr(href), page); }
"""
FILLED_CSS = f"""
nav.toc a::after {{ content: leader(". ") "{PLACEHOLDER}"; }}
a.pageref::after {{ content: ", page {PLACEHOLDER}"; }}
"""


def anchor_pages(document: Any) -> dict[str, int]:
    """Each anchor (element id) of a laid-out document -> the number of its page."""
    return {name: number for number, page in enumerate(document.pages, 1)
            for name in page.anchors}


def fill_page_numbers(document: Any) -> bool:
    """Write each reference's page number into its placeholder in the laid-out `document`.
    False, with nothing changed, when one cannot be filled in: render the plain way then."""
    pages = anchor_pages(document)
    edits: list[tuple[Any, str]] = []
    for box in _placeholders(document):
        target = str(box.element.get("href") or "").removeprefix("#")
        number = str(pages.get(target, ""))
        if not number or len(number) > len(PLACEHOLDER):
            return False
        inline = "pageref" in str(box.element.get("class") or "").split()
        edits.append((box, box.text[: -len(PLACEHOLDER)]
                      + (number if inline else number.rjust(len(PLACEHOLDER), FIGURE_SPACE))))
    for box, text in edits:
        # The box keeps its place and width; its glyphs are shaped again from this text
        # when the page is drawn.
        box.text = text
        box.pango_layout.text = text
    return True


def _placeholders(document: Any) -> list[Any]:
    from weasyprint.formatting_structure.boxes import TextBox

    return [box for page in document.pages for box in page._page_box.descendants()
            if isinstance(box, TextBox) and box.element_tag == "a::after"
            and box.text.endswith(PLACEHOLDER)]
