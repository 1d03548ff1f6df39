"""Render many reports: in parallel, only those whose inputs changed, and list every file
with its sha256 in manifest.json."""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import tempfile
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from charter import __version__
from charter.errors import CharterError
from charter.report.pdf import RenderJob, prepare_renderer, render_pdf, renderer_versions

MANIFEST = "manifest.json"
MANIFEST_FORMAT = 1
_FORK = multiprocessing.get_context("fork")


@dataclass(frozen=True)
class Written:
    path: str  # relative to the output folder
    sha256: str
    size: int
    input_key: str
    commit: str  # the commit the file was rendered from
    rendered: bool  # False when the file on disk already had these inputs

    def entry(self) -> dict[str, Any]:
        return {"path": self.path, "sha256": self.sha256, "bytes": self.size,
                "input_key": self.input_key, "commit": self.commit}


def _render(job: RenderJob) -> tuple[str, bytes, list[str]]:
    pdf, refused = render_pdf(job)
    return job.filename, pdf, refused


def _sha256(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def read_manifest(out: Path) -> dict[str, dict[str, Any]]:
    try:
        data = json.loads((out / MANIFEST).read_text())
        return {str(e["path"]): e for e in data.get("files", []) if isinstance(e, dict)}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}


def build_reports(jobs: Sequence[RenderJob], out: Path, commit: str, force: bool = False,
                  workers: int | None = None,
                  progress: Callable[[Written], None] | None = None) -> list[Written]:
    """Write each job's PDF into `out` unless the file there has the same inputs."""
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CharterError.at(f"cannot create the report folder {out}: {exc.strerror}") from None
    previous = read_manifest(out)
    kept: list[Written] = []
    todo: list[RenderJob] = []
    for job in jobs:
        key = job.input_key()
        entry = previous.get(job.filename)
        if (not force and entry and entry.get("input_key") == key
                and _sha256(out / job.filename) == entry.get("sha256")):
            written = Written(job.filename, str(entry["sha256"]), int(entry.get("bytes", 0)), key,
                              str(entry.get("commit", "")), False)
            kept.append(written)
            if progress:
                progress(written)
        else:
            todo.append(job)
    rendered = [_store(out, job, pdf, progress) for job, pdf in _render_all(todo, workers)]
    every = kept + rendered
    _write_manifest(out, commit, previous, every)
    return sorted(every, key=lambda w: w.path)


def _render_all(jobs: list[RenderJob], workers: int | None
                ) -> list[tuple[RenderJob, bytes]]:
    count = min(workers or os.cpu_count() or 1, len(jobs))
    by_name = {job.filename: job for job in jobs}
    if count <= 1:
        results = [_render(job) for job in jobs]
    else:
        # Workers are forked from this process once it has loaded what every document needs
        # (the renderer, the fonts, the stylesheet, the chart library when a time series
        # needs it), so no worker loads them again.
        prepare_renderer(jobs)
        with ProcessPoolExecutor(max_workers=count, mp_context=_FORK) as pool:
            results = list(pool.map(_render, jobs, chunksize=1))
    return [(by_name[name], pdf) for name, pdf, _refused in results]


def _store(out: Path, job: RenderJob, pdf: bytes,
           progress: Callable[[Written], None] | None) -> Written:
    _atomic_write(out / job.filename, pdf)
    written = Written(job.filename, hashlib.sha256(pdf).hexdigest(), len(pdf), job.input_key(),
                      job.commit, True)
    if progress:
        progress(written)
    return written


def _atomic_write(target: Path, data: bytes) -> None:
    try:
        with tempfile.NamedTemporaryFile("wb", dir=target.parent, delete=False,
                                         suffix=".tmp") as handle:
            handle.write(data)
        os.chmod(handle.name, 0o644)  # reports are published: readable like any build output
        os.replace(handle.name, target)
    except OSError as exc:
        raise CharterError.at(f"cannot write {target}: {exc.strerror}") from None


def _write_manifest(out: Path, commit: str, previous: dict[str, dict[str, Any]],
                    written: list[Written]) -> None:
    """Files of this run, plus files of earlier runs that are still there, unchanged."""
    entries = {w.path: w.entry() for w in written}
    for path, entry in previous.items():
        if path not in entries and path != MANIFEST and _sha256(out / path) == entry.get(
                "sha256"):
            entries[path] = entry
    manifest = {"charter_manifest": MANIFEST_FORMAT, "engine_version": __version__,
                "commit": commit, "renderer": renderer_versions(),
                "files": [entries[p] for p in sorted(entries)]}
    _atomic_write(out / MANIFEST, (json.dumps(manifest, indent=2, sort_keys=True) + "\n")
                  .encode())
