"""The scikit-learn that saved a model, the one its requirements declare, and the running one.

A model loaded by another scikit-learn version than the one that saved it may predict
differently; a declared requirement that differs from the saved version is a wrong record.
`declared` may be an exact version or a PEP 440 specifier (`>=1.5,<1.6`).
"""

from __future__ import annotations

from typing import Any


def compare_environment(recorded: str | None, declared: str | None,
                        running: str) -> dict[str, Any]:
    mismatches = []
    if recorded is not None and recorded != running:
        mismatches.append(f"saved with scikit-learn {recorded} but evaluated with {running}")
    if declared is not None and recorded is not None and not _satisfies(recorded, declared):
        mismatches.append(f"requirements declare scikit-learn {declared} but the artifact was "
                          f"saved with {recorded}")
    if declared is not None and recorded is None and not _satisfies(running, declared):
        mismatches.append(f"requirements declare scikit-learn {declared} but {running} is "
                          "running")
    return {"recorded": recorded, "declared": declared, "running": running,
            "ok": not mismatches, "mismatches": mismatches}


def _satisfies(version: str, declared: str) -> bool:
    text = declared.strip()
    if text[:1].isdigit():
        return version == text or version.split("+")[0] == text
    try:
        from packaging.specifiers import InvalidSpecifier, SpecifierSet
    except ImportError:  # pragma: no cover - packaging ships with pip and setuptools
        return True
    try:
        return version in SpecifierSet(text)
    except InvalidSpecifier:
        return False
