from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.catalog_fixture import sdk_cache_dir, sdk_catalog  # noqa: F401  (pytest finds fixtures by name)


@pytest.fixture(scope="module")
def http() -> Iterator[httpx.Client]:
    with httpx.Client() as client:
        yield client
