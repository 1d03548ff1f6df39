"""What makes a cold run of the reports cheaper, each beside its plain twin: streams compressed
at zlib's level 6 rather than pydyf's level 9 (the same content, decoded), and a document's
input key computed once per build rather than once per use."""

from __future__ import annotations

import dataclasses
import io
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, StreamObject

from charter.report import pdf
from charter.report.build import build_reports
from charter.report.dossier import dossier_job
from charter.report.facts import ReportFacts
from charter.report.inventory_report import inventory_job
from charter.report.lineage_report import lineage_job
from charter.report.pdf import FLATE_LEVEL, render_pdf


@pytest.fixture
def facts(example_facts: ReportFacts) -> ReportFacts:
    return example_facts


def _objects(document: bytes) -> Iterator[tuple[int, Any]]:
    reader = PdfReader(io.BytesIO(document))
    for number in range(1, int(reader.trailer["/Size"])):
        yield number, reader.get_object(number)


def _plain(value: Any) -> object:
    """A PDF value as plain data, references by object number."""
    if isinstance(value, IndirectObject):
        return ("ref", value.idnum)
    if isinstance(value, DictionaryObject):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, ArrayObject):
        return [_plain(v) for v in value]
    return repr(value)


def _decoded(document: bytes) -> list[tuple[int, object]]:
    """Every object of the document with its streams decoded, less what a compression level
    changes: the streams' lengths and the cross-reference stream (the objects' offsets, and
    the file's identifier, a hash of its bytes)."""
    found: list[tuple[int, object]] = []
    for number, item in _objects(document):
        if isinstance(item, StreamObject) and item.get("/Type") == "/XRef":
            continue
        if isinstance(item, StreamObject):
            header = {str(k): _plain(v) for k, v in item.items() if k != "/Length"}
            found.append((number, (header, item.get_data())))
        else:
            found.append((number, _plain(item)))
    return found


def _flate_streams(document: bytes) -> list[tuple[bytes, bytes]]:
    """(stored bytes, decoded bytes) of each Flate-compressed stream."""
    return [(bytes(item._data), item.get_data()) for _, item in _objects(document)
            if isinstance(item, StreamObject) and item.get("/Filter") == "/FlateDecode"]


def test_streams_are_compressed_at_level_6(facts: ReportFacts) -> None:
    document, _ = render_pdf(dossier_job(facts, "credit-default"))
    streams = _flate_streams(document)
    assert len(streams) > 20  # pages, fonts, the tags' object streams, attachments
    for stored, decoded in streams:
        packer = zlib.compressobj(level=FLATE_LEVEL)
        assert packer.compress(decoded) + packer.flush() == stored


def test_level_6_documents_hold_what_level_9_ones_hold(facts: ReportFacts) -> None:
    jobs = [dossier_job(facts, "credit-default"), dossier_job(facts, "claims-severity"),
            inventory_job(facts, "a4"), lineage_job(facts, "letter")]
    for job in jobs:
        quick, _ = render_pdf(job)
        plain, _ = render_pdf(job, quick_flate=False)
        assert quick != plain, job.filename
        assert _decoded(quick) == _decoded(plain), job.filename
        assert render_pdf(job)[0] == quick, job.filename  # still the same bytes every time


def test_a_build_computes_each_document_input_key_once(
        facts: ReportFacts, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    jobs = [dossier_job(facts, "marketing-propensity"), inventory_job(facts)]
    plain = [dataclasses.replace(job).input_key() for job in jobs]
    calls: list[str] = []
    real = pdf.asdict

    def counted(job: Any) -> Any:
        calls.append(job.filename)
        return real(job)

    monkeypatch.setattr(pdf, "asdict", counted)
    written = build_reports(jobs, tmp_path / "reports", facts.commit, workers=1)
    assert sorted(calls) == sorted(job.filename for job in jobs)
    assert {w.path: w.input_key for w in written} == {
        job.filename: key for job, key in zip(jobs, plain, strict=True)}
    assert [job.input_key() for job in jobs] == plain


def test_the_compression_level_is_part_of_every_input_key(
        facts: ReportFacts, monkeypatch: pytest.MonkeyPatch) -> None:
    job = inventory_job(facts)
    before = job.input_key()
    monkeypatch.setattr(pdf, "FLATE_LEVEL", 9)
    assert dataclasses.replace(job).input_key() != before
