"""A full check's results cross from a child process in a compact form: what the parent makes
again from it is exactly what the child judged, whatever the results hold."""

from __future__ import annotations

import pickle

from charter.findings import Finding
from charter.inventory.entities import Entity
from charter.policy.evaluate import _COMPACT, RuleResult


def _finding(entity: str) -> Finding:
    return Finding(rule="R-2", severity="error", entity=entity, entity_kind="version",
                   message=f"{entity}: fails", file="models/m.yaml", line=4)


def test_results_sent_compactly_come_back_exactly() -> None:
    version = Entity("version", "m@1.0.0", ("models", "m", "versions", "1.0.0"), {}, "m")
    model = Entity("model", "m", ("models", "m"), {})
    chunk = [(version, False), (model, True), (Entity("dataset", "d", ("datasets", "d"), {}),
                                               False)]
    judged = [
        [RuleResult("R-1", "m@1.0.0", "version", "pass"),
         RuleResult("R-2", "m@1.0.0", "version", "fail", _finding("m@1.0.0")),
         RuleResult("R-3", "m@1.0.0", "version", "skip"),
         RuleResult("R-4", "m@1.0.0", "version", "waived", _finding("m@1.0.0")),
         RuleResult("R-5", "other", "version", "pass"),  # not the chunk's entity: sent whole
         RuleResult("R-6", "m@1.0.0", "model", "skip")],  # nor its kind
        [RuleResult("R-1", "m", "model", "skip"), RuleResult("R-7", "m", "model", "pass")],
        [],
    ]
    sent = pickle.loads(pickle.dumps(_COMPACT.pack(chunk, judged)))
    back = _COMPACT.unpack(chunk, sent)
    assert back == judged
    assert [[type(r) for r in each] for each in back] == [[type(r) for r in each]
                                                          for each in judged]
