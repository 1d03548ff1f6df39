"""Site benchmark: `charter site` for generated models against rendering their dossier PDFs
in the same run, and a warm rebuild of the same commit.

    PYTHONPATH=engine python bench/site.py [--models 200]

The site's time is the whole command without PDFs, as a user runs it (`charter site
--no-pdfs --no-evidence`: gathering the facts, every page, the exports, the manifest) in a
fresh folder; the PDFs' time is `build_reports` rendering every dossier of the same facts on
every core. Targets (issue 17): the site at least 10x faster than the PDFs, and a warm
rebuild with nothing changed within 2 s.
"""

from __future__ import annotations

import argparse
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


def charter_site(root: Path, out: Path) -> float:
    """Seconds of `charter site --no-pdfs --no-evidence` in its own process."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "charter", "site", "--no-pdfs", "--no-evidence",
                    "--out", str(out)], cwd=root, check=True, capture_output=True,
                   env={"PYTHONPATH": str(ENGINE), "PATH": "/usr/bin:/bin",
                        "HOME": str(root.parent)})
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "repo"
        (root / "policies").mkdir(parents=True)
        git(root, "init", "-q", "-b", "main")
        (root / "policies" / "rules.yaml").write_text(POLICIES)
        commit(root, inventory(args.models), "generated inventory")

        cold = charter_site(root, Path(folder) / "site")
        warm = charter_site(root, Path(folder) / "site")
        pages = len(list((Path(folder) / "site").rglob("*.html")))

        facts = gather_facts(root, evidence=False)
        jobs = [dossier_job(facts, m) for m in sorted(facts.inventory["models"])]
        start = time.perf_counter()
        build_reports(jobs, Path(folder) / "pdfs", facts.commit)
        pdfs = time.perf_counter() - start

    print(f"{args.models} models: site (cold, {pages} pages) {cold:.2f} s; "
          f"{len(jobs)} dossier PDFs {pdfs:.2f} s; site {pdfs / cold:.1f}x faster "
          f"(target >= 10x: {'met' if pdfs / cold >= 10 else 'NOT met'})")
    print(f"warm rebuild, nothing changed: {warm:.2f} s "
          f"(target <= 2 s: {'met' if warm <= 2 else 'NOT met'})")


if __name__ == "__main__":
    main()
