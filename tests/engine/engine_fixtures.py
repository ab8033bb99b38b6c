"""Engine fixtures shared by tests/engine and the built-ins' tests: the same suite on SQLite and PostgreSQL.

``store`` is parametrized over ["sqlite", "postgres"]; PostgreSQL uses ``WEAVZ_FLOW_TEST_POSTGRES_URL`` with a fresh
schema per test (dropped afterwards) and is skipped only when that variable is unset.
Import the fixtures into a test module (or a conftest) by name: ``from tests.engine.engine_fixtures import ...``.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url

from tests.engine.echo_integration import ECHO, NATIVES, small_catalog
from tests.stubs.echo import EchoStub
from weavz_flow.engine.caller import Caller
from weavz_flow.engine.credential_cipher import CredentialCipher
from weavz_flow.engine.engine import Engine
from weavz_flow.engine.inputs import ConnectionCreate, WorkspaceCreate
from weavz_flow.engine.models import Workspace
from weavz_flow.engine.store import Store

POSTGRES_ENV = "WEAVZ_FLOW_TEST_POSTGRES_URL"
TEST_KEY = b"weavz-flow test master key, not a secret"
BACKENDS = ["sqlite", "postgres"]


def postgres_url() -> str | None:
    return os.environ.get(POSTGRES_ENV) or None


def libpq_url(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@contextmanager
def postgres_schema() -> Iterator[tuple[str, str]]:
    """A fresh schema for one test: yields (SQLAlchemy URL, schema name), drops the schema afterwards."""
    url = postgres_url()
    if url is None:
        pytest.skip(f"{POSTGRES_ENV} is not set")
    schema = f"wf_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(libpq_url(url), autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield url, schema
    finally:
        with psycopg.connect(libpq_url(url), autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def schema_url(url: str, schema: str) -> str:
    """``url`` with its search path set to ``schema``, for a process that knows only a URL (``weavz-flow serve``)."""
    return f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}"


@contextmanager
def open_store(backend: str, tmp_path: Path, **kw: object) -> Iterator[Store]:
    if backend == "sqlite":
        store = Store.sqlite(tmp_path / "state" / "state.db", **kw)  # type: ignore[arg-type]
        try:
            yield store
        finally:
            store.close()
        return
    with postgres_schema() as (url, schema):
        store = Store(url, schema=schema, **kw)  # type: ignore[arg-type]
        try:
            yield store
        finally:
            store.close()


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    with open_store(request.param, tmp_path) as s:
        yield s


@pytest.fixture
def engine(store: Store) -> Iterator[Engine]:
    eng = Engine(store, catalog=small_catalog(), natives=NATIVES, cipher=CredentialCipher(TEST_KEY))
    try:
        yield eng
    finally:
        eng.executions.close()  # write queued records before the store (and a PostgreSQL test schema) goes away
        eng.http.close()


@dataclass
class World:
    """An organization with one workspace, and helpers to add what a test needs."""

    engine: Engine
    caller: Caller
    workspace: Workspace
    echo_url: str

    def connection(self, external_id: str, token: str, *, integration: str = ECHO, **kw: object) -> str:
        """A SECRET_TEXT connection pointed at the echo stub (unless ``base_url`` says otherwise); returns its id."""
        kw.setdefault("base_url", self.echo_url)
        created = self.engine.connections.create(
            self.caller,
            ConnectionCreate(type="SECRET_TEXT", external_id=external_id, display_name=external_id,
                             integration_name=integration, secret_text=token, **kw),  # type: ignore[arg-type]
        )
        return created.id


@pytest.fixture
def world(engine: Engine, echo_stub: EchoStub) -> World:
    org = engine.orgs.create("acme")
    caller = Caller.system(org.id)
    workspace = engine.workspaces.create(caller, WorkspaceCreate(name="Prod", slug="prod"))
    return World(engine, caller, workspace, echo_stub.url)
