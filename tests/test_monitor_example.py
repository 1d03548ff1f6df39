"""The example repository's monitoring ledger, as examples/build.py --monitoring built it."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from charter.monitoring.ledger import run_problems, runs_by_version
from conftest import REPO_ROOT

LEDGER = sorted((REPO_ROOT / "monitoring").glob("*/*/*.json"))


def name(path: Path) -> str:
    return path.relative_to(REPO_ROOT).as_posix()


def test_each_run_is_sound_and_its_inputs_are_the_committed_files() -> None:
    assert LEDGER
    for path in LEDGER:
        assert run_problems(name(path), path.read_bytes()) == [], name(path)
        inputs = json.loads(path.read_text())["inputs"]
        for entry in [inputs["reference"], inputs.get("artifact"), *inputs["live"],
                      *inputs.get("labelled", [])]:
            if entry is not None:
                data = (REPO_ROOT / entry["location"]).read_bytes()
                assert hashlib.sha256(data).hexdigest() == entry["sha256"], entry


def test_a_year_of_runs_per_monitored_version_with_growing_drift_and_late_labels() -> None:
    runs = runs_by_version(name(p) for p in LEDGER)
    assert set(runs) == {"credit-default@2.1.0", "churn@1.4.0", "fraud-score@3.0.0"}
    for version_id, found in runs.items():
        records = [json.loads((REPO_ROOT / run.path).read_text()) for run in found]
        assert len({r["inputs"]["live"][0]["period"] for r in records}) == 12, version_id
        psi = [max(f["psi"] for f in r["results"]["drift"]["features"].values())
               for r in records]
        assert psi[-1] > 0.1 > psi[0], version_id  # green at first, amber by the end
        latest = records[-1]["results"]["performance"]
        # the last two months have no labels yet: the newest labelled period is older
        assert latest["period"] < records[-1]["inputs"]["live"][0]["period"]
        assert records[0]["results"]["performance"]["pending"]
