"""Report benchmark: dossiers for generated models, rendered in parallel on every core, and
re-rendered only for the models whose inputs changed.

    PYTHONPATH=engine python bench/reports.py [--models 200] [--changed 10]

Prints seconds per dossier for a cold run (nothing rendered yet), a warm run (same inputs:
nothing to render), and a run after `--changed` models were edited, against a baseline
measured in the same run: a few dossiers rendered one after another in one process. The
speed-up that parallel rendering can reach is bounded by the cores free at the time, so the
bench also measures that: plain CPU work in one process per core against one process.

First, the cost of one dossier against a trivial one-page WeasyPrint document (a heading and
a paragraph) rendered in the same process: CPU seconds, each dossier rendered once with the
chart cache emptied, the trivial page the best of 5; also per page, since a dossier runs to
a dozen pages or more. Add `--example DIR` to measure the dossiers of another repository as
well (e.g. the repository's own example, with evidence).

`--compare-with TREE` renders every report of the example (models.yaml and policies, no
evidence) cold, once with TREE's engine and TREE's example (e.g. a checkout of main) and once
with this checkout's, one after the other in the same run: CPU seconds of the `charter
report` processes, wall seconds, pages and bytes. `--rounds N` alternates N runs of each and
compares the medians.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from charter.report.build import build_reports
from charter.report.dossier import dossier_job
from charter.report.facts import ReportFacts, gather_facts
from charter.report.pdf import render_pdf

TRIVIAL_PAGE = "<html><body><h1>Title</h1><p>One paragraph of text.</p></body></html>"

POLICIES = """\
charter: 1
rules:
  VAL-001:
    title: Production versions are validated and approved
    severity: error
    applies_to: version
    match: {stage: production}
    require: {field: validation.outcome, equals: approved}
  PERF-001:
    title: High-risk models reach an AUC of 0.75
    severity: error
    applies_to: version
    match: {model.risk_tier: high}
    require: {field: evaluation.metrics.roc_auc, gte: 0.75}
"""
ALGORITHMS = ("LogisticRegression", "GradientBoostingClassifier", "RandomForestClassifier")


def inventory(models: int, seed: int = 7) -> str:
    rng = random.Random(seed)
    families = max(models // 10, 1)
    lines = ["charter: 1", "teams:", "  ds: {members: [ana, bo]}",
             "  mrm: {members: [val], validates: true}", "datasets:"]
    for f in range(families):
        lines += [f"  source-{f}:", "    owner: ds", "    contains_pii: true", "    versions:",
                  f'      "2025-01": {{path: data/source-{f}.csv, sha256: "{f:064x}"}}',
                  f"  features-{f}:", "    owner: ds", "    contains_pii: false",
                  "    versions:",
                  f'      "2025-01": {{path: data/features-{f}.csv, derived_from: '
                  f'[source-{f}@2025-01]}}']
    lines.append("models:")
    for m in range(models):
        family = m % families
        lines += [f"  model-{m:03d}:", f"    title: Generated model {m}", "    owner: ds",
                  f"    risk_tier: {rng.choice(['high', 'medium', 'low'])}",
                  "    task: classification",
                  f"    purpose: Score customers for use case {m}.",
                  "    intended_use: Benchmark only.", "    versions:"]
        for v in range(rng.randint(1, 3)):
            auc = round(rng.uniform(0.7, 0.92), 4)
            stage = "production" if v == 0 else "development"
            lines += [f'      "1.{v}.0":', f"        stage: {stage}",
                      f"        algorithm: {rng.choice(ALGORITHMS)}",
                      f"        parameters: {{n_estimators: {rng.randint(20, 200)}}}",
                      f"        training_data: [features-{family}@2025-01]",
                      f"        evaluation: {{dataset: features-{family}@2025-01, target: y, "
                      f"metrics: {{roc_auc: {auc}, accuracy: {round(auc - 0.05, 4)}}}}}"]
            if stage == "production":
                lines += ["        validation: {by: val, date: 2025-02-01, outcome: approved}",
                          f"        deployments: [{{target: api-{family}, since: 2025-02-02}}]"]
    return "\n".join(lines) + "\n"


def git(root: Path, *args: str) -> None:
    env = {**os.environ, "GIT_AUTHOR_DATE": "2026-11-20T10:00:00Z",
           "GIT_COMMITTER_DATE": "2026-11-20T10:00:00Z"}
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True, env=env)


def commit(root: Path, text: str, message: str) -> None:
    (root / "models.yaml").write_text(text)
    git(root, "add", "-A")
    git(root, "-c", "user.name=bench", "-c", "user.email=bench@example.com", "commit", "-qm",
        message)


def _burn(count: int) -> int:
    total = 0
    for i in range(count):
        total += i * i
    return total


def parallel_capacity(count: int = 5_000_000) -> float:
    """How many times faster plain CPU work runs in one process per core than in one."""
    cores = os.cpu_count() or 1
    start = time.perf_counter()
    for _ in range(cores):
        _burn(count)
    serial = time.perf_counter() - start
    with ProcessPoolExecutor(cores) as pool:
        start = time.perf_counter()
        list(pool.map(_burn, [count] * cores))
        parallel = time.perf_counter() - start
    return serial / parallel


def timed_build(root: Path, out: Path) -> tuple[float, int]:
    start = time.perf_counter()
    facts = gather_facts(root, evidence=False)
    jobs = [dossier_job(facts, m) for m in sorted(facts.inventory["models"])]
    written = build_reports(jobs, out, facts.commit)
    return time.perf_counter() - start, sum(w.rendered for w in written)


def cpu_seconds(function: Callable[[], object]) -> float:
    start = time.process_time()
    function()
    return time.process_time() - start


def trivial_page() -> float:
    import weasyprint

    render = weasyprint.HTML(string=TRIVIAL_PAGE).write_pdf
    render()  # imports and font set-up, not measured
    return min(cpu_seconds(render) for _ in range(5))


def dossier_ratios(facts: ReportFacts, names: list[str], label: str) -> None:
    """Each dossier's CPU time over the trivial page's, both measured now."""
    try:
        from charter.report.charts import _drawn

        clear: Callable[[], None] = _drawn.cache_clear
    except ImportError:  # a tree without the chart cache
        def clear() -> None:
            return None

    from pypdf import PdfReader

    jobs = [dossier_job(facts, name) for name in names]
    render_pdf(jobs[0])  # imports and font set-up, not measured
    trivial = trivial_page()
    ratios, per_page = [], []
    for job in jobs:
        clear()
        pdf: list[bytes] = []
        seconds = cpu_seconds(lambda job=job, pdf=pdf: pdf.append(render_pdf(job)[0]))
        with tempfile.TemporaryFile() as handle:
            handle.write(pdf[0])
            pages = len(PdfReader(handle).pages)
        ratios.append(seconds / trivial)
        per_page.append(seconds / pages / trivial)
        print(f"  {job.filename:<40} {seconds:6.3f} s CPU = {seconds / trivial:5.1f}x the "
              f"trivial page; {pages} pages, {seconds / pages / trivial:4.1f}x per page")
    print(f"{label}: trivial one-page WeasyPrint document {trivial:.3f} s CPU; dossiers "
          f"{min(ratios):.1f}x to {max(ratios):.1f}x (mean {sum(ratios) / len(ratios):.1f}x), "
          f"per page {min(per_page):.1f}x to {max(per_page):.1f}x")


def example_repository(folder: Path, tree: Path | None = None) -> Path:
    """The example inventory and policies of `tree` (default: this checkout), committed in a
    fresh repository."""
    here = tree or Path(__file__).resolve().parent.parent
    root = folder / f"example-{abs(hash(str(here)))}"
    root.mkdir()
    shutil.copy(here / "models.yaml", root / "models.yaml")
    shutil.copytree(here / "policies", root / "policies")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "-c", "user.name=bench", "-c", "user.email=bench@example.com", "commit", "-qm",
        "example")
    return root


def cold_reports(root: Path, engine: Path, out: Path) -> tuple[float, float, int, int]:
    """CPU and wall seconds of `charter report` (every report, cold) with `engine`."""
    from pypdf import PdfReader

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "charter", "report", "--no-evidence", "--out",
                    str(out)], cwd=root, check=True, capture_output=True,
                   env={**os.environ, "PYTHONPATH": str(engine)})
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    files = sorted(out.glob("*.pdf"))
    pages = sum(len(PdfReader(str(f)).pages) for f in files)
    return cpu, wall, pages, sum(f.stat().st_size for f in files)


def compare_trees(before: Path, rounds: int = 1) -> None:
    """Each tree renders its own example (the same models and policies; a newer inventory may
    use keys that an older engine refuses) with its own engine. With several rounds the two
    alternate, and the ratios are those of the medians: on a machine shared with other work the
    CPU seconds of one run vary by a tenth or more."""
    import statistics

    here = Path(__file__).resolve().parent.parent
    with tempfile.TemporaryDirectory() as folder:
        runs: dict[str, list[tuple[float, float, int, int]]] = {"before": [], "after": []}
        roots = {label: example_repository(Path(folder), tree)
                 for label, tree in (("before", before), ("after", here))}
        for i in range(rounds):
            for label, tree in (("before", before), ("after", here)):
                engine = tree / "engine"
                out = Path(folder) / f"out-{label}-{i}"
                runs[label].append(cold_reports(roots[label], engine, out))
                cpu, wall, pages, size = runs[label][-1]
                print(f"example reports, cold, {label:<6} ({engine}): {cpu:6.2f} s CPU, "
                      f"{wall:6.2f} s wall, {pages} pages, {size:,} bytes")
        cpu_b, wall_b = (statistics.median(r[k] for r in runs["before"]) for k in (0, 1))
        cpu_a, wall_a = (statistics.median(r[k] for r in runs["after"]) for k in (0, 1))
        pages_b, pages_a = runs["before"][0][2], runs["after"][0][2]
        what = f"medians of {rounds} runs" if rounds > 1 else "one run"
        print(f"example reports, cold ({what}): after/before CPU {cpu_a / cpu_b:.2f}x, wall "
              f"{wall_a / wall_b:.2f}x; CPU per page {(cpu_a / pages_a) / (cpu_b / pages_b):.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=int, default=200)
    parser.add_argument("--changed", type=int, default=10)
    parser.add_argument("--baseline", type=int, default=4, help="dossiers rendered serially")
    parser.add_argument("--example", metavar="DIR", help="also measure this repository's "
                        "dossiers, with evidence")
    parser.add_argument("--compare-with", metavar="TREE", help="a checkout of another "
                        "version (e.g. main): render the example's reports cold with both")
    parser.add_argument("--rounds", type=int, default=1, help="with --compare-with: runs of "
                        "each tree, alternating; the ratios compare the medians")
    args = parser.parse_args()
    if args.compare_with:
        compare_trees(Path(args.compare_with), args.rounds)
    if args.example:
        example = gather_facts(Path(args.example), evidence=True)
        dossier_ratios(example, sorted(example.inventory["models"]), f"dossiers of "
                       f"{args.example}")
    with tempfile.TemporaryDirectory() as folder:
        root, out = Path(folder) / "repo", Path(folder) / "reports"
        root.mkdir()
        git(root, "init", "-q", "-b", "main")
        (root / "policies").mkdir()
        (root / "policies" / "rules.yaml").write_text(POLICIES)
        text = inventory(args.models)
        commit(root, text, "generated inventory")

        facts = gather_facts(root, evidence=False)
        sample = sorted(facts.inventory["models"])[: args.baseline]
        dossier_ratios(facts, sample, f"{len(sample)} generated dossiers")
        render_pdf(dossier_job(facts, sample[0]))  # imports and font set-up, not measured
        start = time.perf_counter()
        for name in sample:
            render_pdf(dossier_job(facts, name))
        serial = (time.perf_counter() - start) / len(sample)

        capacity = parallel_capacity()
        cold, cold_count = timed_build(root, out)
        warm, warm_count = timed_build(root, out)
        for m in range(args.changed):
            text = text.replace(f"purpose: Score customers for use case {m}.",
                                f"purpose: Score customers for use case {m}, revised.")
        commit(root, text, "edit some models")
        partial, partial_count = timed_build(root, out)

    n = args.models
    print(f"cores: {os.cpu_count()}, models: {n}; plain CPU work runs {capacity:.2f}x faster "
          "on every core than in one process right now")
    print(f"baseline, serial in one process: {serial:.3f} s per dossier")
    print(f"cold, parallel:   {cold:8.2f} s for {cold_count} dossiers = "
          f"{cold / n:.3f} s per dossier ({serial / (cold / n):.2f}x faster than the serial "
          "baseline)")
    print(f"warm, unchanged:  {warm:8.2f} s, {warm_count} rendered = {warm / n:.4f} s per "
          f"dossier ({warm / cold:.4f}x cold)")
    print(f"{args.changed} models edited: {partial:8.2f} s, {partial_count} rendered "
          f"({partial / cold:.3f}x cold)")


if __name__ == "__main__":
    main()
