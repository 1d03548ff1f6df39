"""A published site read over HTTP(S) into a local folder, so it can be verified like one on
disk. Only files the manifest lists are fetched: a server cannot be asked for what else it
holds, so an added file is not seen this way."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from charter.errors import CharterError
from charter.site.manifest import SIGNATURE, SITE_MANIFEST

TIMEOUT_SECONDS = 60


def is_url(text: str) -> bool:
    return text.startswith(("https://", "http://"))


def download_site(url: str, folder: Path) -> list[str]:
    """Fetch the manifest, its signature and every listed file; paths of those missing."""
    base = url if url.endswith("/") else f"{url}/"
    for name in (SITE_MANIFEST, SIGNATURE):
        data = _get(base, name)
        if data is None:
            raise CharterError.at(f"{base}{name} cannot be fetched")
        (folder / name).write_bytes(data)
    try:
        paths = [str(e["path"]) for e in json.loads((folder / SITE_MANIFEST).read_bytes())
                 ["files"]]
    except (ValueError, KeyError, TypeError) as exc:
        raise CharterError.at(f"{base}{SITE_MANIFEST} is not a Charter site manifest: "
                              f"{exc}") from None
    missing = []
    for path in paths:
        if path.startswith("/") or ".." in path.split("/") or "\\" in path:
            raise CharterError.at(f"{SITE_MANIFEST} names a file outside the site: {path!r}")
        data = _get(base, path)
        if data is None:
            missing.append(path)
            continue
        target = folder / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return missing


def _get(base: str, path: str) -> bytes | None:
    url = urllib.parse.urljoin(base, urllib.parse.quote(path))
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT_SECONDS) as response:
            data: bytes = response.read()
            return data
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            return None
        raise CharterError.at(f"cannot fetch {url}: HTTP {exc.code}") from None
    except (urllib.error.URLError, OSError) as exc:
        raise CharterError.at(f"cannot fetch {url}: {getattr(exc, 'reason', exc)}") from None
