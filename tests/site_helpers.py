"""Helpers for the site tests: the example site built once, and signing identities made here
with `cryptography` (a CA, a certificate it issues, and a stranger's)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from conftest import REPO_ROOT, GitRepo, run_charter

COMMIT_DATE = "2026-11-20T10:00:00+00:00"


@dataclass(frozen=True)
class Identity:
    ca: Path  # the CA certificate (PEM): the trust anchor
    key: Path  # the signer's private key (PEM)
    cert: Path  # the signer's certificate (PEM), issued by the CA

    def fingerprint(self) -> str:
        pem = self.cert.read_bytes()
        der = x509.load_pem_x509_certificate(pem).public_bytes(serialization.Encoding.DER)
        return hashlib.sha256(der).hexdigest()


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Charter tests"),
                      x509.NameAttribute(NameOID.COMMON_NAME, common)])


def make_identity(folder: Path, who: str) -> Identity:
    """A CA and a signing certificate it issued, valid from yesterday for a year."""
    folder.mkdir(parents=True, exist_ok=True)
    start = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    end = start + dt.timedelta(days=365)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (x509.CertificateBuilder().subject_name(_name(f"{who} CA")).issuer_name(
        _name(f"{who} CA")).public_key(ca_key.public_key()).serial_number(
        x509.random_serial_number()).not_valid_before(start).not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False,
                                     False), critical=True)
        .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder().subject_name(_name(f"{who} site signer")).issuer_name(
        ca.subject).public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(start).not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(True, True, False, False, False, False, False, False,
                                     False), critical=True)
        .sign(ca_key, hashes.SHA256()))
    paths = Identity(folder / "ca.pem", folder / "signer-key.pem", folder / "signer.pem")
    paths.ca.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths.key.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                            serialization.PrivateFormat.PKCS8,
                                            serialization.NoEncryption()))
    return paths


def example_repo(folder: Path) -> GitRepo:
    """This repository's own inventory and policies, committed in a fresh repository."""
    folder.mkdir(parents=True)
    repo = GitRepo(folder)
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=folder, check=True)
    for key, value in (("user.name", "Test"), ("user.email", "test@example.com"),
                       ("commit.gpgsign", "false")):
        repo.git("config", key, value)
    shutil.copy(REPO_ROOT / "models.yaml", folder / "models.yaml")
    shutil.copytree(REPO_ROOT / "policies", folder / "policies")
    shutil.copytree(REPO_ROOT / "monitoring", folder / "monitoring")  # the ledger of runs
    repo.commit("the governed example", date=COMMIT_DATE)
    return repo


def build_example_site(base: Path, identity: Identity, *extra: str) -> Path:
    """The example's site, PDFs included, signed by `identity`."""
    repo = example_repo(base / "repo")
    run = run_charter(repo.root, "site", "--no-evidence", "--out", str(base / "site"),
                      "--sign-key", str(identity.key), "--sign-cert", str(identity.cert),
                      *extra, env={"HOME": str(base)})
    assert run.code == 0, run.err
    return base / "site"


def manifest_of(site: Path) -> dict[str, dict[str, object]]:
    data = json.loads((site / "manifest.json").read_text())
    return {str(e["path"]): e for e in data["files"]}
