"""Screenshots of the site for the README: the home page and a model page at 1280x800, taken
by Debian's headless chromium from the site this repository's example builds.

    PYTHONPATH=engine python scripts/site_screenshots.py [--out docs]

Builds the site of HEAD (without evidence or PDFs, so it runs in seconds) into a temporary
folder, then writes docs/site-home.png and docs/site-model.png.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHOTS = (("index.html", "site-home.png"), ("models/credit-default.html", "site-model.png"))


def browser() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    sys.exit("no chromium: install Debian's `chromium` (apt-get install -y chromium)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "docs"), help="folder for the PNGs")
    args = parser.parse_args()
    chromium = browser()
    with tempfile.TemporaryDirectory() as folder:
        site = Path(folder) / "site"
        subprocess.run([sys.executable, "-m", "charter", "site", "--no-evidence", "--no-pdfs",
                        "--out", str(site)], cwd=ROOT, check=True)
        for page, name in SHOTS:
            target = Path(args.out) / name
            subprocess.run([chromium, "--headless=new", "--no-sandbox", "--disable-gpu",
                            "--hide-scrollbars", "--window-size=1280,800",
                            f"--user-data-dir={folder}/profile",
                            f"--screenshot={target}", (site / page).as_uri()],
                           check=True, capture_output=True)
            print(f"wrote {target}")


if __name__ == "__main__":
    main()
