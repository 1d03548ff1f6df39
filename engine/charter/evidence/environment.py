"""The scikit-learn that saved a model, the one its requirements declare, and the running one.

A model loaded by another scikit-learn version than the one that saved it may predict
differently (a warning, EV-004). A declared requirement that differs from the saved version
is a wrong record, judged with the other artifact facts (`record.py`, EV-101). `declared` may
be an exact version or a PEP 440 specifier (`>=1.5,<1.6`).
"""

from __future__ import annotations

from typing import Any


def compare_environment(recorded: str | None, declared: str | None,
                        running: str) -> dict[str, Any]:
    mismatches = []
    if recorded is not None and recorded != running:
        mismatches.append(f"saved with scikit-learn {recorded} but evaluated with {running}")
    if declared is not None and recorded is None and not satisfies(running, declared):
        mismatches.append(f"requirements declare scikit-learn {declared} but {running} is "
                          "running")
    return {"recorded": recorded, "declared": declared, "running": running,
            "ok": not mismatches, "mismatches": mismatches}


def satisfies(version: str, declared: str) -> bool:
    text = declared.strip()
    if text[:1].isdigit():
        return version == text or version.split("+")[0] == text
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    try:
        return version in SpecifierSet(text)
    except InvalidSpecifier:
        return False
