"""`charter verify DIR`: every file of a published site against its signed manifest."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from charter.errors import EXIT_BLOCKED, EXIT_PASS, CharterError
from charter.extras import require

PINNED = ".charter/site-signer.pem"  # a repository may pin the certificate its site is signed by


def run_verify(directory: Path, trust: Sequence[Path], fingerprints: Sequence[str],
               repo: Path | None) -> int:
    require("reports", "charter verify cannot check the manifest's signature")
    from charter.site.manifest import verify_site

    if not directory.is_dir():
        raise CharterError.at(f"{directory} is not a directory")
    if not trust and not fingerprints:
        pinned = (repo or Path.cwd()) / PINNED
        if not pinned.is_file():
            raise CharterError.at("no trusted signer: pass --trust CERT.pem or --fingerprint "
                                  f"SHA256, or pin the signer's certificate in {PINNED}")
        trust = [pinned]
    result = verify_site(directory, trust, fingerprints)
    for problem in result.problems:
        sys.stdout.write(f"{problem.path}: {problem.message}\n")
    if not result.ok:
        sys.stdout.write(f"FAIL: {len(result.problems)} problem(s) in {directory}\n")
        return EXIT_BLOCKED
    sys.stdout.write(f"OK: {result.files} files match the manifest, signed by {result.signer} "
                     f"(certificate sha256 {result.fingerprint})\n")
    return EXIT_PASS
