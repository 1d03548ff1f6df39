"""Reading git output whose free text (messages, names) holds any character git allows."""

from __future__ import annotations

import json

from conftest import GitRepo

SEPARATORS = "\x1e\x1f\x1d\x01:"


def test_history_reads_messages_with_record_separators(governed: GitRepo) -> None:
    text = (governed.root / "models.yaml").read_text()
    governed.write("models.yaml", text.replace("roc_auc: 0.81", "roc_auc: 0.83"))
    subject = f"Recompute AUC {SEPARATORS} on holdout (#7)"
    body = f"Body with{SEPARATORS}\nseparators\n\n:100644 100644 {'a' * 40} {'b' * 40} M"
    governed.commit(f"{subject}\n\n{body}", author="Ev\x1eil Name <evil@example.com>")

    run = governed.charter("history", "--format", "json", "--no-cache")

    assert run.code == 0, run.err
    events = json.loads(run.out)["events"]
    changed = [e for e in events if e["message"] == subject]
    assert changed and changed[0]["pr"] == 7
    assert changed[0]["author"] == "Ev\x1eil Name"


def test_history_text_shows_a_message_with_a_record_separator(governed: GitRepo) -> None:
    text = (governed.root / "models.yaml").read_text()
    governed.write("models.yaml", text.replace("roc_auc: 0.81", "roc_auc: 0.83"))
    governed.commit("Recompute \x1e AUC (#8)")

    run = governed.charter("history", "--no-cache")

    assert run.code == 0, run.err
    assert "#8" in run.out and "record-changed" in run.out
