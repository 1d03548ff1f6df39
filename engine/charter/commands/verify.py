"""`charter verify DIR_OR_URL`: every file of a published site against its signed manifest."""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from charter.errors import EXIT_BLOCKED, EXIT_PASS, CharterError
from charter.extras import require

# A repository may pin the certificate its site is signed by; not under .charter/, whose being
# tracked by git turns the cache off.
PINNED = ".github/charter-site-signer.pem"


def run_verify(target: str, trust: Sequence[Path], fingerprints: Sequence[str],
               repo: Path | None) -> int:
    require("reports", "charter verify cannot check the manifest's signature")
    from charter.site.remote import download_site, is_url

    if not trust and not fingerprints:
        pinned = (repo or Path.cwd()) / PINNED
        if not pinned.is_file():
            raise CharterError.at("no trusted signer: pass --trust CERT.pem or --fingerprint "
                                  f"SHA256, or pin the signer's certificate in {PINNED}")
        trust = [pinned]
    if not is_url(target):
        directory = Path(target)
        if not directory.is_dir():
            raise CharterError.at(f"{directory} is not a directory")
        return _verify(directory, trust, fingerprints, target)
    with tempfile.TemporaryDirectory(prefix="charter-verify-") as folder:
        download_site(target, Path(folder))  # a file it cannot fetch is reported missing
        sys.stdout.write("fetched the files the manifest lists (files it does not list cannot "
                         "be seen over HTTP)\n")
        return _verify(Path(folder), trust, fingerprints, target)


def _verify(directory: Path, trust: Sequence[Path], fingerprints: Sequence[str],
            shown: str) -> int:
    from charter.site.manifest import verify_site

    result = verify_site(directory, trust, fingerprints)
    for problem in result.problems:
        sys.stdout.write(f"{problem.path}: {problem.message}\n")
    if not result.ok:
        sys.stdout.write(f"FAIL: {len(result.problems)} problem(s) in {shown}\n")
        return EXIT_BLOCKED
    sys.stdout.write(f"OK: {result.files} files match the manifest, signed by {result.signer} "
                     f"(certificate sha256 {result.fingerprint})\n")
    return EXIT_PASS
