"""`charter cache info|clear`: what the local cache holds, and emptying it."""

from __future__ import annotations

import os
from pathlib import Path

import click

from charter.vcs.cache import MAX_ENV, MIB, Cache, max_bytes_from_env, repo_folder


def _describe(root: Path) -> tuple[Cache, str | None]:
    """The repository's cache, and why it is off (None when it is on)."""
    cache = Cache.for_repo(root)
    if cache.folder is not None:
        return cache, None
    if max_bytes_from_env() == 0:
        return cache, f"off: {MAX_ENV}=0"
    if repo_folder(root) is None:
        return cache, ("off: .charter is tracked by git in this repository, so a pull request "
                       "could plant entries; untrack it to use the cache")
    return cache, "off"


def _mib(size: int) -> str:
    return f"{size / MIB:.1f} MiB" if size >= MIB else f"{size / 1024:.1f} KiB"


def run_cache_info(root: Path) -> int:
    cache, off = _describe(root)
    where = cache.folder or Path(os.environ.get("CHARTER_CACHE_DIR") or root / ".charter/cache")
    click.echo(f"location: {where}")
    if off:
        click.echo(f"cache: {off}")
    source = MAX_ENV if os.environ.get(MAX_ENV, "").strip() else "default; set " + MAX_ENV
    click.echo(f"cap: {_mib(cache.max_bytes)} ({source})")
    entries = cache.entries()
    click.echo(f"entries: {len(entries)}, {_mib(sum(e.size for e in entries))}")
    kinds: dict[str, list[int]] = {}
    for entry in entries:
        kinds.setdefault(entry.kind, []).append(entry.size)
    for kind, sizes in sorted(kinds.items()):
        click.echo(f"  {kind:<12} {len(sizes):>8} {_mib(sum(sizes)):>12}")
    stale = [e for e in entries if not e.current]
    if stale:
        click.echo(f"  of which from other engine versions (evicted first): {len(stale)}, "
                   f"{_mib(sum(e.size for e in stale))}")
    return 0


def run_cache_clear(root: Path) -> int:
    override = os.environ.get("CHARTER_CACHE_DIR")
    folder = Path(override) if override else repo_folder(root)
    if folder is None:  # tracked by git: those files are the repository's, not the cache's
        click.echo(f"cache: {_describe(root)[1]}; nothing removed")
        return 0
    cache = Cache(folder)
    count, size = cache.clear()
    click.echo(f"removed {count} entr{'y' if count == 1 else 'ies'} ({_mib(size)}) from "
               f"{cache.folder}")
    return 0
