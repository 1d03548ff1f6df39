"""Site benchmark: `charter site` for generated models against rendering their dossier PDFs
in the same run, and a warm rebuild of the same commit.

    PYTHONPATH=engine python bench/site.py [--models 200]

The site's time is the whole command without PDFs, as a user runs it (`charter site
--no-pdfs --no-evidence`: gathering the facts, every page, the exports, the manifest) in a
fresh folder; the PDFs' time is `build_reports` rendering every dossier of the same facts on
every core. Targets (issue 17): the site at least 10x faster than the PDFs, and a warm
rebuild with nothing changed within 2 s.

Both wall and CPU seconds are printed: on a machine shared with other work the wall clock
measures the neighbours, the CPU seconds (this process and its children) what each side
costs. `--sample N` renders only N dossiers and scales their cost to all of them (say so
when quoting it).
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from reports import POLICIES, commit, git, inventory

from charter.report.build import build_reports
from charter.report.dossier import dossier_job
from charter.report.facts import gather_facts

ENGINE = Path(__file__).resolve().parents[1] / "engine"


def cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def charter_site(root: Path, out: Path) -> tuple[float, float]:
    """Wall and CPU seconds of `charter site --no-pdfs --no-evidence` in its own process."""
    start, used = time.perf_counter(), cpu()
    run = subprocess.run([sys.executable, "-m", "charter", "site", "--no-pdfs",
                          "--no-evidence", "--out", str(out)], cwd=root, check=True,
                         capture_output=True, text=True,
                         env={"PYTHONPATH": str(ENGINE), "PATH": "/usr/bin:/bin",
                              "HOME": str(root.parent)})
    print(f"  {run.stdout.strip()}")
    return time.perf_counter() - start, cpu() - used


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=int, default=200)
    parser.add_argument("--sample", type=int, help="render only this many dossiers, scaled")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "repo"
        (root / "policies").mkdir(parents=True)
        git(root, "init", "-q", "-b", "main")
        (root / "policies" / "rules.yaml").write_text(POLICIES)
        commit(root, inventory(args.models), "generated inventory")

        cold, cold_cpu = charter_site(root, Path(folder) / "site")
        warm, warm_cpu = charter_site(root, Path(folder) / "site")
        pages = len(list((Path(folder) / "site").rglob("*.html")))

        facts = gather_facts(root, evidence=False)
        jobs = [dossier_job(facts, m) for m in sorted(facts.inventory["models"])]
        rendered = jobs[: args.sample] if args.sample else jobs
        start, used = time.perf_counter(), cpu()
        build_reports(rendered, Path(folder) / "pdfs", facts.commit)
        scale = len(jobs) / len(rendered)
        pdfs, pdfs_cpu = (time.perf_counter() - start) * scale, (cpu() - used) * scale

    how = f" (scaled from {len(rendered)})" if scale != 1 else ""
    print(f"{args.models} models: site cold ({pages} pages) {cold:.2f} s wall, {cold_cpu:.2f} s "
          f"CPU; {len(jobs)} dossier PDFs{how} {pdfs:.2f} s wall, {pdfs_cpu:.2f} s CPU")
    for label, site, pdf in (("wall", cold, pdfs), ("CPU", cold_cpu, pdfs_cpu)):
        print(f"  {label}: site {pdf / site:.1f}x faster than the PDFs (target >= 10x: "
              f"{'met' if pdf / site >= 10 else 'NOT met'})")
    print(f"warm rebuild, nothing changed: {warm:.2f} s wall, {warm_cpu:.2f} s CPU "
          f"(target <= 2 s: {'met' if warm <= 2 else 'NOT met'} on the wall clock, "
          f"{'met' if warm_cpu <= 2 else 'NOT met'} in CPU)")


if __name__ == "__main__":
    main()
