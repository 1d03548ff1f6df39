"""A finding as JSON holds every field, as `dataclasses.asdict` gives them, plus `blocking`."""

from __future__ import annotations

from dataclasses import asdict

from charter.findings import Finding


def test_as_dict_holds_every_field() -> None:
    finding = Finding("LC-001", "error", "credit@1.0.0", "version", "it fails", "models.yaml",
                      12, 3, title="A rule", model="credit", references=("SR 11-7 p. 9",),
                      waived_by="W-1", end_line=14, end_column=2)
    expected = {**asdict(finding), "references": ["SR 11-7 p. 9"], "blocking": False}
    assert finding.as_dict() == expected
    assert list(finding.as_dict()) == list(expected)
