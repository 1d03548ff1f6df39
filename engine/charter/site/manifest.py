"""The site's manifest: every file with its sha256, and a detached CMS signature over the
manifest's exact bytes (X.509, made and checked with pyHanko). Verifying needs no network:
trust comes from a certificate or a fingerprint the verifier names."""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from charter import __version__
from charter.errors import CharterError

SITE_MANIFEST = "manifest.json"
SIGNATURE = "manifest.json.p7s"
MANIFEST_FORMAT = 1
NOT_LISTED = frozenset({SITE_MANIFEST, SIGNATURE})


def file_entry(root: Path, path: str) -> dict[str, Any]:
    data = (root / path).read_bytes()
    return {"path": path, "sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}


def site_files(root: Path) -> Iterator[str]:
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root).as_posix()
        if (path.is_file() or path.is_symlink()) and relative not in NOT_LISTED:
            yield relative


def write_manifest(root: Path, commit: str, links: dict[str, str], build_key: str = ""
                   ) -> bytes:
    """List every file under `root`; an old signature is removed, since it no longer fits."""
    manifest = {"charter_site_manifest": MANIFEST_FORMAT, "engine_version": __version__,
                "commit": commit, "links": links, "build_key": build_key,
                "files": [file_entry(root, p) for p in site_files(root)]}
    data = (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode()
    if (root / SITE_MANIFEST).is_file() and (root / SITE_MANIFEST).read_bytes() == data:
        return data  # same files, same bytes: a signature made for them still holds
    (root / SIGNATURE).unlink(missing_ok=True)
    (root / SITE_MANIFEST).write_bytes(data)
    return data


def sign_manifest(root: Path, key: Path, cert: Path, chain: Sequence[Path] = (),
                  passphrase: bytes | None = None) -> Path:
    from pyhanko.sign import signers

    try:
        signer = signers.SimpleSigner.load(str(key), str(cert),
                                           ca_chain_files=[str(c) for c in chain] or None,
                                           key_passphrase=passphrase)  # type: ignore[no-untyped-call]
    except Exception as exc:  # pyHanko raises several types for unreadable key material
        raise CharterError.at(f"cannot load the signing key {key} and certificate {cert}: "
                              f"{exc}") from None
    if signer is None:
        raise CharterError.at(f"cannot load the signing key {key} and certificate {cert}")
    data = (root / SITE_MANIFEST).read_bytes()
    signed = asyncio.run(signer.async_sign_general_data(data, "sha256", detached=True))
    target = root / SIGNATURE
    target.write_bytes(signed.dump())
    return target


@dataclass(frozen=True)
class Problem:
    path: str
    message: str


@dataclass(frozen=True)
class Verification:
    signer: str  # the signing certificate's subject, or "" when the signature failed
    fingerprint: str  # sha256 of the signing certificate (DER)
    files: int
    problems: tuple[Problem, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_site(root: Path, trust: Sequence[Path] = (), fingerprints: Sequence[str] = ()
                ) -> Verification:
    """Check the signature first, then every file against the manifest, and that no file
    is missing or added."""
    manifest_bytes = _read(root / SITE_MANIFEST, "the manifest")
    signature = _read(root / SIGNATURE, "the manifest's signature")
    listed = _listed(manifest_bytes)
    signer, fingerprint, sig_problems = check_signature(manifest_bytes, signature, trust,
                                                        fingerprints)
    problems = list(sig_problems)
    present = set(site_files(root))
    for path, entry in sorted(listed.items()):
        if path not in present:
            problems.append(Problem(path, "listed in the manifest but missing"))
        elif file_entry(root, path)["sha256"] != entry.get("sha256"):
            problems.append(Problem(path, "sha256 differs from the manifest: the file changed"))
    problems += [Problem(p, "not listed in the manifest: the file was added")
                 for p in sorted(present - set(listed))]
    return Verification(signer, fingerprint, len(listed), tuple(problems))


def _read(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise CharterError.at(f"{what} is missing: {path}", file=str(path)) from None
    except OSError as exc:
        raise CharterError.at(f"cannot read {what} {path}: {exc.strerror}") from None


def _listed(data: bytes) -> dict[str, dict[str, Any]]:
    try:
        manifest = json.loads(data)
        files = manifest["files"]
        listed = {str(e["path"]): e for e in files}
    except (ValueError, KeyError, TypeError) as exc:
        raise CharterError.at(f"{SITE_MANIFEST} is not a Charter site manifest: {exc}",
                              file=SITE_MANIFEST) from None
    if manifest.get("charter_site_manifest") != MANIFEST_FORMAT:
        raise CharterError.at(f"{SITE_MANIFEST} is not a Charter site manifest of format "
                              f"{MANIFEST_FORMAT}", file=SITE_MANIFEST)
    for path in listed:
        if path.startswith("/") or ".." in path.split("/"):
            raise CharterError.at(f"{SITE_MANIFEST} names a file outside the site: {path!r}",
                                  file=SITE_MANIFEST)
    return listed


def check_signature(data: bytes, signature: bytes, trust: Sequence[Path],
                    fingerprints: Sequence[str]) -> tuple[str, str, list[Problem]]:
    """(signer subject, certificate sha256, problems) of a detached CMS signature."""
    from asn1crypto import cms

    try:
        info = cms.ContentInfo.load(signature)
        signed_data = info["content"]
        certificates = [c.chosen for c in signed_data["certificates"]]
    except Exception as exc:  # asn1crypto parses lazily and raises many types
        return "", "", [Problem(SIGNATURE, f"not a CMS signature: {exc}")]
    roots = [_certificate(p) for p in trust]
    wanted = {f.lower().replace(":", "") for f in fingerprints}
    if wanted:  # trust exactly the pinned certificate, whatever issued it
        roots += [c for c in certificates if hashlib.sha256(c.dump()).hexdigest() in wanted]
    status = _validate(data, signed_data, roots)
    if status is None:
        return "", "", [Problem(SIGNATURE, "the signature is malformed")]
    cert = status.signing_cert
    subject = cert.subject.human_friendly
    fingerprint = hashlib.sha256(cert.dump()).hexdigest()
    if not (status.intact and status.valid):
        return subject, fingerprint, [Problem(SIGNATURE, "the signature does not match the "
                                              "manifest: the manifest changed")]
    if not roots or not status.trusted:
        return subject, fingerprint, [Problem(SIGNATURE, f"signed by {subject} (certificate "
                                              f"sha256 {fingerprint}), an identity not "
                                              "trusted here")]
    return subject, fingerprint, []


def _validate(data: bytes, signed_data: Any, roots: list[Any]) -> Any:
    from pyhanko.sign.validation.generic_cms import async_validate_detached_cms
    from pyhanko_certvalidator import ValidationContext

    context = ValidationContext(trust_roots=roots, allow_fetching=False,
                                revocation_mode="soft-fail")
    try:
        return asyncio.run(async_validate_detached_cms(data, signed_data,
                                                       signer_validation_context=context))
    except Exception:  # a signature pyHanko cannot even read is no signature
        return None


def _certificate(path: Path) -> Any:
    from asn1crypto import pem, x509

    data = _read(path, "the trusted certificate")
    try:
        if pem.detect(data):
            _, _, data = pem.unarmor(data)
        cert = x509.Certificate.load(data)
        cert.native  # noqa: B018 - parse now, so a bad file is bad input, not a bad signature
    except Exception as exc:
        raise CharterError.at(f"{path} is not an X.509 certificate: {exc}",
                              file=str(path)) from None
    return cert
