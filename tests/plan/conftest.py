from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.config.small_catalog import small_catalog
from tests.plan.project_files import write_project
from weavz_flow.backends.local import LocalBackend
from weavz_flow.catalog.catalog import Catalog


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return small_catalog()


@pytest.fixture
def project_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TEST_SLACK_TOKEN", "xoxb-test-token-1")
    monkeypatch.setenv("WEAVZ_FLOW_SECRET_KEY", "test-secret-key-0123456789")
    monkeypatch.delenv("WEAVZ_FLOW_DATABASE_URL", raising=False)
    monkeypatch.delenv("WEAVZ_API_URL", raising=False)
    return write_project(tmp_path / "project")


@pytest.fixture
def local_backend(project_root: Path, catalog: Catalog) -> Iterator[LocalBackend]:
    backend = LocalBackend(project_root / ".weavz-flow", catalog=catalog)
    yield backend
    backend.close()
