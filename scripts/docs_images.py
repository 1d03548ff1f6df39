"""Render the example repository's credit-default dossier and write its summary page (the
page that holds the section with id "summary", page 1 when there is none) as
docs/dossier-summary.png, for the README; `--section ID` picks another section's page.

    python scripts/docs_images.py [--model credit-default] [--out docs/dossier-summary.png]
    python scripts/docs_images.py --no-evidence --section monitoring-ledger --pages-after 1 \
        --out docs/dossier-monitoring.png

Needs the `reports` extra and pdftoppm (Debian/Ubuntu package poppler-utils). The dossier is
rendered from a fresh commit of this repository's models.yaml, policies and examples, dated
like the test fixtures, so the image changes only when the report does.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COMMIT_DATE = "2026-11-20T10:00:00+00:00"
RESOLUTION = 110  # dpi: the size a reader sees on screen


def git(root: Path, *args: str) -> None:
    env = {**os.environ, "GIT_AUTHOR_DATE": COMMIT_DATE, "GIT_COMMITTER_DATE": COMMIT_DATE}
    subprocess.run(["git", "-c", "user.name=Charter docs", "-c", "user.email=docs@example.com",
                    "-c", "commit.gpgsign=false", *args], cwd=root, check=True, env=env,
                   capture_output=True)


def example(folder: Path) -> Path:
    root = folder / "example"
    root.mkdir()
    for name in ("models.yaml", "policies", "examples", "monitoring"):
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, root / name)
        elif source.exists():
            shutil.copy(source, root / name)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "The governed example")
    return root


def section_page(pdf: Path, section: str) -> int:
    """The 1-based page a section starts on, from the PDF's named destinations."""
    from pypdf import PdfReader

    reader = PdfReader(str(pdf))
    destination = reader.named_destinations.get(section)
    if destination is None:
        return 1
    return int(reader.get_destination_page_number(destination)) + 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="credit-default")
    parser.add_argument("--section", default="summary",
                        help="the id of the section whose first page is drawn")
    parser.add_argument("--pages-after", type=int, default=0,
                        help="draw the page this many pages after the section's first")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "dossier-summary.png")
    parser.add_argument("--no-evidence", dest="evidence", action="store_false",
                        help="skip evidence (faster; the summary then shows declared figures)")
    args = parser.parse_args()
    if shutil.which("pdftoppm") is None:
        print("pdftoppm is not installed (apt-get install poppler-utils)", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as folder:
        root = example(Path(folder))
        command = [sys.executable, "-m", "charter", "report", args.model, "--out", "out",
                   "--today", COMMIT_DATE[:10], "--jobs", "1"]
        if not args.evidence:
            command.append("--no-evidence")
        env = {**os.environ, "PYTHONPATH": str(ROOT / "engine")}
        subprocess.run(command, cwd=root, check=True, env=env)
        pdf = root / "out" / f"dossier-{args.model}.pdf"
        stem = Path(folder) / "page"
        page = str(section_page(pdf, args.section) + args.pages_after)
        subprocess.run(["pdftoppm", "-png", "-r", str(RESOLUTION), "-f", page, "-l", page,
                        "-singlefile", str(pdf), str(stem)], check=True)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(stem.with_suffix(".png"), args.out)
    print(f"wrote {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
