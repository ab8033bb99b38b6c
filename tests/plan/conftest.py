from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.config.small_catalog import small_catalog
from tests.plan.project_files import write_project
from tests.server.accounts import LiveServer, bootstrap_account
from tests.server.live_server import serve_weavz_flow
from weavz_flow.backends.local import LocalBackend
from weavz_flow.backends.protocol import Backend
from weavz_flow.backends.remote import RemoteBackend
from weavz_flow.catalog.catalog import Catalog
from weavz_flow.sensitive import Sensitive


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


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory, catalog: Catalog) -> Iterator[LiveServer]:
    """``weavz-flow serve``'s app under uvicorn on 127.0.0.1, started only when a remote-backend test asks for it."""
    state = tmp_path_factory.mktemp("plan-server")
    with serve_weavz_flow(f"sqlite:///{state / 'state.db'}", state / "secret.key", catalog) as server:
        yield server


@pytest.fixture(params=["local", "remote"])
def backend(request: pytest.FixtureRequest, project_root: Path, catalog: Catalog, tmp_path: Path) -> Iterator[Backend]:
    """The local engine, or RemoteBackend against the live server with a fresh organization per test (so tests
    sharing the server never see each other's workspaces)."""
    opened: Backend
    if request.param == "local":
        opened = LocalBackend(project_root / ".weavz-flow", catalog=catalog)
    else:
        account = bootstrap_account(request.getfixturevalue("live_server"))
        opened = RemoteBackend(account.url, Sensitive(account.api_key), lock_dir=tmp_path / "locks")
    yield opened
    opened.close()
