"""Helpers for the report tests: read a PDF as an auditor's tools would."""

from __future__ import annotations

import re
from pathlib import Path

from pypdf import PdfReader


def pdf_text(path: Path) -> str:
    reader = PdfReader(str(path))
    return "\n".join(page.extract_text() or "" for page in reader.pages)


def squash(text: str) -> str:
    """Text without whitespace: table cells wrap long hashes and ids across lines."""
    return re.sub(r"\s+", "", text)


def xmp(path: Path) -> bytes:
    reader = PdfReader(str(path))
    metadata = reader.trailer["/Root"]["/Metadata"].get_object()
    return bytes(metadata.get_data())
