"""How long each reporter takes on a large result, as a ratio to the JSON document's time.

    .venv/bin/python bench/reporters.py [--findings N]

The JSON reporter is the baseline, measured in the same run on the same result.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "engine"))

from charter.findings import Finding
from charter.reporters import REPORTERS, renderer
from charter.result import CheckResult, RevisionInfo


def large_result(count: int) -> CheckResult:
    severities = ("error", "warning", "info")
    findings = tuple(
        Finding(rule=f"R-{i % 40:03d}", severity=severities[i % 3], entity=f"m{i // 5}@1.{i % 5}",
                entity_kind="version", message=f"m{i // 5}@1.{i % 5}: value {i} is below the "
                "floor required by the policy", file="models.yaml", line=i + 1, column=9,
                end_line=i + 1, end_column=40, title="A rule", model=f"m{i // 5}",
                field="evaluation.metrics.roc_auc", remediation="Retrain the model.",
                waived_by="W-1" if i % 17 == 0 else None)
        for i in range(count))
    return CheckResult(findings=findings, rules={}, head=RevisionInfo("working tree", None),
                       base=None, policies_from="base", policy_digest="", today=dt.date(
                           2026, 11, 27), scope="all", entities_evaluated=count)


def timed(name: str, result: CheckResult) -> tuple[float, int]:
    render = renderer(name)
    start = time.perf_counter()
    size = len(render(result).encode())
    return time.perf_counter() - start, size


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--findings", type=int, default=20_000)
    count = parser.parse_args().findings
    result = large_result(count)
    timed("json", result)  # warm-up: imports and caches
    baseline, _ = timed("json", result)
    print(f"{count} findings; baseline json: {baseline:.3f} s")
    for name in sorted(REPORTERS):
        seconds, size = timed(name, result)
        print(f"  {name:<9} {seconds:7.3f} s  {seconds / baseline:5.2f}x json  "
              f"{size / 1024:9.1f} KiB")


if __name__ == "__main__":
    main()
