"""Whether a site on disk is already the build that would be made: the same commit, options
and engine code, every file it lists unchanged, and no other file. Then nothing is rebuilt.

A site is a function of those inputs only when nothing outside git feeds it, so the check
is offered for builds without evidence (evidence may read data by URI)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

import charter
from charter.site.manifest import SITE_MANIFEST, file_entry, site_files

SOURCE_SUFFIXES = (".py", ".html", ".css", ".js", ".yaml", ".json")


@cache
def engine_digest() -> str:
    """The engine's own code, templates and packs: a change to any of them changes a page."""
    package = Path(charter.__file__).parent
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*")):
        if path.suffix in SOURCE_SUFFIXES and "__pycache__" not in path.parts:
            digest.update(path.relative_to(package).as_posix().encode() + b"\0")
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def build_key(commit: str, options: Mapping[str, Any], links: Mapping[str, str]) -> str:
    inputs = {"commit": commit, "engine": engine_digest(), "options": dict(options),
              "links": dict(links)}
    return hashlib.sha256(json.dumps(inputs, sort_keys=True, default=str).encode()).hexdigest()


def up_to_date(out: Path, key: str) -> bool:
    try:
        manifest = json.loads((out / SITE_MANIFEST).read_text())
        listed = {str(e["path"]): str(e["sha256"]) for e in manifest["files"]}
    except (OSError, ValueError, KeyError, TypeError):
        return False
    if manifest.get("build_key") != key or set(site_files(out)) != set(listed):
        return False
    return all(file_entry(out, path)["sha256"] == sha for path, sha in listed.items())
