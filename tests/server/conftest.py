"""A real weavz-flow API under uvicorn on 127.0.0.1 (port 0), over a real store: a SQLite file, and PostgreSQL when
``WEAVZ_FLOW_TEST_POSTGRES_URL`` is set.

The server is session-scoped per database; tests stay independent because each one bootstraps its own organization
(service key -> org -> API key), exactly as an operator would.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from weavz_sdk import WeavzClient

from tests.browser import browser, page  # noqa: F401  (fixtures)
from tests.engine.engine_fixtures import postgres_schema, schema_url
from tests.server.accounts import SERVICE_KEY, Account, LiveServer, bootstrap_account
from tests.server.live_server import serve_in_thread
from tests.stubs.base import running
from tests.stubs.slack import SlackStub
from weavz_flow.engine.engine import Engine
from weavz_flow.sensitive import Sensitive
from weavz_flow.server.app import create_app
from weavz_flow.server.settings import ServerSettings


def _database_params() -> list[object]:
    return ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(scope="session", params=_database_params())
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('server-db') / 'state.db'}"
        return
    # A schema of our own keeps this session apart from other suites sharing the database.
    with postgres_schema() as (base, schema):
        yield schema_url(base, schema)


@pytest.fixture(scope="session")
def live_server(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    engine = Engine.open(database_url, key_file=tmp_path_factory.mktemp("server-key") / "secret.key")
    app = create_app(engine, ServerSettings(service_key=Sensitive(SERVICE_KEY)))
    try:
        with serve_in_thread(app) as url:
            yield LiveServer(url=url, engine=engine, service_key=SERVICE_KEY)
    finally:
        engine.close()


@pytest.fixture
def account(live_server: LiveServer) -> Account:
    return bootstrap_account(live_server)


@pytest.fixture
def sdk(account: Account) -> Iterator[WeavzClient]:
    """The official SDK on the account's org-wide key, with only ``base_url`` changed (no retries: tests see each
    answer as it is)."""
    client = WeavzClient(account.api_key, base_url=account.url, max_retries=0)
    try:
        yield client
    finally:
        client.close()


@pytest.fixture
def api(account: Account) -> Iterator[httpx.Client]:
    with account.client() as client:
        yield client


@pytest.fixture(scope="session")
def open_slack_stub() -> Iterator[SlackStub]:
    """A Slack stub that accepts any bearer token, so tests can see which credential each call carried."""
    stub = SlackStub()
    stub.token = None
    with running(stub) as served:
        yield served


@pytest.fixture
def any_token_slack(open_slack_stub: SlackStub) -> SlackStub:
    open_slack_stub.reset()
    return open_slack_stub
