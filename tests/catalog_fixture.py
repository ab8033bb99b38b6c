"""The SDK catalog for tests in any area: built once, reused across test runs.

The cache lives where weavz-flow would put it anyway (``$WEAVZ_FLOW_CACHE_DIR``, else ``$XDG_CACHE_HOME/weavz-flow``,
else ``~/.cache/weavz-flow``), so only the first run on a machine pays the ~10 s build. The fixture pins
``WEAVZ_FLOW_CACHE_DIR`` to that directory for the session and restores it afterwards.

Use it from a conftest.py::

    from tests.catalog_fixture import sdk_cache_dir, sdk_catalog  # noqa: F401  (pytest finds fixtures by name)
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from weavz_flow.catalog.catalog import Catalog
from weavz_flow.catalog.sdk_cache import CACHE_DIR_ENV, default_cache_dir, load_sdk_catalog


@pytest.fixture(scope="session")
def sdk_cache_dir() -> Iterator[Path]:
    cache_dir = default_cache_dir()
    load_sdk_catalog(cache_dir)  # builds the cache when missing or stale
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(CACHE_DIR_ENV, str(cache_dir))
        yield cache_dir


@pytest.fixture(scope="session")
def sdk_catalog(sdk_cache_dir: Path) -> Catalog:
    """The SDK catalog alone (no native integrations); entries decode on first use and stay decoded."""
    return load_sdk_catalog(sdk_cache_dir)
