"""Entries laid over the SDK catalog (the native integrations'), cached beside it.

Building those entries means importing the code that defines them (for the natives, a quarter of a second of modules
and pydantic models); a command that only reads the catalog (validate, plan, integrations list/show) reads them from
this cache instead, decoded on first lookup like the SDK's.

The file has the SDK cache's format and directory, one per SDK version (``<name>-catalog-<sdkVersion>.cache``). Its
header ``key`` hashes everything the entries are made from: the SDK cache's content, the cache format and the
caller's key (for the natives: weavz-flow's and pydantic's versions and a hash of the source files). When the file is
missing, stale or corrupt the entries are built by the caller's ``build`` and the file rewritten atomically, so that
concurrent processes each see a whole file, old or new; a cache directory that cannot be written costs only the
build next time.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Iterable
from pathlib import Path

from weavz_flow.catalog.catalog import Catalog
from weavz_flow.catalog.lazy_entries import LazyEntries
from weavz_flow.catalog.model import IntegrationInfo
from weavz_flow.catalog.sdk_cache import default_cache_dir, read_sdk_cache, sdk_entries_of
from weavz_flow.catalog.sdk_cache_format import FORMAT_VERSION, CacheFile, CacheInvalid, encode, write_atomically

log = logging.getLogger(__name__)


def sources_hash(*roots: Path) -> str:
    """A hash of the bytes of every ``.py`` file under ``roots``, with their relative paths (mtimes are not content:
    a checkout or a copy can change a file and keep its time)."""
    digest = hashlib.sha256()
    for number, root in enumerate(roots):
        for path in sorted(root.rglob("*.py")):
            data = path.read_bytes()
            digest.update(f"{number}\0{path.relative_to(root).as_posix()}\0{len(data)}\0".encode())
            digest.update(data)
    return digest.hexdigest()


def overlay_cache_path(name: str, sdk_version: str, cache_dir: Path | None = None) -> Path:
    return (cache_dir or default_cache_dir()) / f"{name}-catalog-{sdk_version}.cache"


def load_overlaid_catalog(
    name: str,
    key: str,
    build: Callable[[Catalog], Iterable[IntegrationInfo]],
    cache_dir: Path | None = None,
    *,
    on_build: Callable[[Path], None] | None = None,
) -> Catalog:
    """The SDK catalog with ``build(sdk_catalog)``'s entries laid over it, read from the cache when ``key`` (and the
    SDK catalog) match. ``on_build`` hears of an SDK cache build, which takes seconds; rebuilding this one is quick."""
    sdk_cache = read_sdk_cache(cache_dir, on_build=on_build)
    sdk = Catalog(sdk_entries_of(sdk_cache))
    full_key = hashlib.sha256(
        json.dumps([FORMAT_VERSION, sdk_cache.fingerprint, key], separators=(",", ":")).encode()
    ).hexdigest()
    path = overlay_cache_path(name, sdk_cache.sdk_version, cache_dir)
    try:
        cache = CacheFile.read(path, expected_sdk_version=sdk_cache.sdk_version, expected_key=full_key)
    except CacheInvalid as exc:
        log.info("%s catalog cache at %s needs a rebuild: %s", name, path, exc)
        entries = list(build(sdk))
        _write(path, sdk_cache.sdk_version, full_key, entries)
        return sdk.overlay(entries)
    return sdk.overlay(LazyEntries(cache.index, cache.integration))


def _write(path: Path, sdk_version: str, key: str, entries: list[IntegrationInfo]) -> None:
    try:
        data = encode(sdk_version, entries, key=key)
    except (TypeError, ValueError) as exc:
        # A value the cache cannot hold exactly: correct without the cache, only slower on every load, so say why.
        log.warning("not caching the catalog entries at %s: %s", path, exc)
        return
    try:
        write_atomically(path, data)
    except OSError as exc:
        log.info("cannot write the catalog cache %s: %s", path, exc)
