"""The Weavz catalog from the SDK, loaded from a cache built once per SDK version.

``load_sdk_catalog()`` reads the cache (a few milliseconds) and hands out a :class:`Catalog` whose integrations are
decoded on first use. When the cache is missing, was built for another SDK version or is corrupt, it is rebuilt first
in a child process (about 10 s, once), see :mod:`weavz_flow.catalog.sdk_extract`.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from weavz_flow.catalog.catalog import Catalog
from weavz_flow.catalog.lazy_entries import LazyEntries
from weavz_flow.catalog.model import IntegrationInfo
from weavz_flow.catalog.sdk_auth import sdk_auth_types
from weavz_flow.catalog.sdk_cache_format import CacheFile, CacheInvalid
from weavz_flow.catalog.sdk_version import SDK_DISTRIBUTION, sdk_version
from weavz_flow.errors import CatalogError

log = logging.getLogger(__name__)

CACHE_DIR_ENV = "WEAVZ_FLOW_CACHE_DIR"


@dataclass(frozen=True, slots=True)
class CacheInfo:
    path: Path
    sdk_version: str
    integrations: int
    actions: int


def default_cache_dir() -> Path:
    """``$WEAVZ_FLOW_CACHE_DIR``, else ``$XDG_CACHE_HOME/weavz-flow``, else ``~/.cache/weavz-flow``."""
    explicit = os.environ.get(CACHE_DIR_ENV)
    if explicit:
        return Path(explicit).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "weavz-flow"


def sdk_cache_path(cache_dir: Path | None = None, *, version: str | None = None) -> Path:
    """The cache file for one SDK version; the version is in the name so that two environments can share a dir."""
    return (cache_dir or default_cache_dir()) / f"sdk-catalog-{version or sdk_version()}.cache"


def build_sdk_cache(cache_dir: Path | None = None) -> CacheInfo:
    """Build the cache file in a child process and return where it is and what it holds."""
    version = sdk_version()
    path = sdk_cache_path(cache_dir, version=version)
    log.info("building the SDK catalog cache for %s %s at %s", SDK_DISTRIBUTION, version, path)
    result = subprocess.run(
        [sys.executable, "-m", "weavz_flow.catalog.sdk_extract", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        last = result.stderr.strip().splitlines()[-1:] or ["no output"]
        raise CatalogError(f"building the SDK catalog cache failed (exit {result.returncode}): {last[0]}")
    try:
        cache = CacheFile.read(path, expected_sdk_version=version)
    except CacheInvalid as exc:
        raise CatalogError(f"the SDK catalog cache just built at {path} is unreadable: {exc}") from exc
    return _info(path, cache)


def load_sdk_catalog(
    cache_dir: Path | None = None, *, on_build: Callable[[Path], None] | None = None
) -> Catalog:
    """The SDK's catalog, building the cache first when needed. ``on_build`` hears of a build before it starts."""
    return Catalog(sdk_entries(cache_dir, on_build=on_build))


def sdk_entries(
    cache_dir: Path | None = None, *, on_build: Callable[[Path], None] | None = None
) -> LazyEntries[IntegrationInfo]:
    return sdk_entries_of(read_sdk_cache(cache_dir, on_build=on_build))


def sdk_entries_of(cache: CacheFile) -> LazyEntries[IntegrationInfo]:
    return LazyEntries(cache.index, lambda name: cache.integration(name, sdk_auth_types))


def read_sdk_cache(cache_dir: Path | None = None, *, on_build: Callable[[Path], None] | None = None) -> CacheFile:
    """The SDK cache file for the installed SDK, built first when missing, stale or corrupt."""
    version = sdk_version()
    path = sdk_cache_path(cache_dir, version=version)
    try:
        return CacheFile.read(path, expected_sdk_version=version)
    except CacheInvalid as exc:
        log.info("SDK catalog cache at %s needs a rebuild: %s", path, exc)
        if on_build is not None:
            on_build(path)
        build_sdk_cache(cache_dir)
        return CacheFile.read(path, expected_sdk_version=version)


def sdk_cache_info(cache_dir: Path | None = None) -> CacheInfo | None:
    """What the current cache holds, or None when it is missing or unusable."""
    version = sdk_version()
    path = sdk_cache_path(cache_dir, version=version)
    try:
        return _info(path, CacheFile.read(path, expected_sdk_version=version))
    except CacheInvalid:
        return None


def _info(path: Path, cache: CacheFile) -> CacheInfo:
    return CacheInfo(
        path=path,
        sdk_version=cache.sdk_version,
        integrations=len(cache.index),
        actions=sum(e.action_count for e in cache.index.values()),
    )
