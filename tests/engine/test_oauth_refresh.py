"""OAUTH2 connections refresh their access token before it expires and once after a provider 401, store the new
tokens encrypted, and never refresh twice in parallel: two processes with engines of their own over one database
(a SQLite file, a PostgreSQL schema) call the provider's token endpoint once between them."""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tests.catalog_fixture import sdk_cache_dir, sdk_catalog  # noqa: F401  (pytest finds fixtures by name)
from tests.engine.engine_fixtures import BACKENDS, postgres_schema
from tests.engine.oauth_world import READ_VALUES, OAuthWorld, engine_at, oauth_world, sheets_engine
from tests.stubs.oauth2 import OAuth2Stub
from weavz_flow.catalog.catalog import Catalog
from weavz_flow.engine import tables as t
from weavz_flow.engine.engine import Engine
from weavz_flow.engine.oauth_refresh import TokenRefresher
from weavz_flow.engine.store import Store
from weavz_flow.errors import ApiError, ErrorCode
from weavz_flow.integrations.base import Credentials


@pytest.fixture
def sheets(store: Store, sdk_catalog: Catalog) -> Iterator[Engine]:  # noqa: F811
    engine = sheets_engine(store, sdk_catalog)
    try:
        yield engine
    finally:
        engine.executions.close()
        engine.http.close()


def _stored(engine: Engine, connection_id: str) -> tuple[Credentials, Any]:
    """The connection's decrypted credential (the execute pipeline's own read) and its row."""
    with engine.store.read() as conn:
        row = conn.execute(sa.select(t.connections).where(t.connections.c.id == connection_id)).one()
        return engine.connections.load_credentials(conn, connection_id), row


def test_an_expired_token_is_refreshed_before_the_call_and_stored_encrypted(
        sheets: Engine, oauth2_stub: OAuth2Stub) -> None:
    world = oauth_world(sheets, oauth2_stub)
    old = oauth2_stub.issue()
    connection_id = world.connection(sheets, oauth2_stub, "sheets-alice", expires_in=0, tokens=old)
    _, before = _stored(sheets, connection_id)

    assert world.read(sheets, "sheets-alice")["values"] == READ_VALUES

    [refresh] = oauth2_stub.token_requests("refresh_token")
    assert refresh.form["refresh_token"] == old["refresh_token"]
    [call] = oauth2_stub.api_requests()
    assert call.bearer != old["access_token"] and oauth2_stub.access_tokens[call.bearer]
    credential, after = _stored(sheets, connection_id)
    assert credential.access_token is not None and credential.access_token.reveal() == call.bearer
    assert credential.refresh_token is not None and credential.refresh_token.reveal() != old["refresh_token"]
    assert credential.expires_at == after.token_expires_at
    assert call.bearer.encode() not in after.credential  # encrypted at rest
    assert after.token_expires_at > before.token_expires_at
    assert after.credential_fingerprint == before.credential_fingerprint  # what the operator configured

    assert world.read(sheets, "sheets-alice")["values"] == READ_VALUES  # fresh now: no second refresh
    assert len(oauth2_stub.token_requests("refresh_token")) == 1


def test_a_token_the_provider_refuses_is_refreshed_once_and_the_call_made_again(
        sheets: Engine, oauth2_stub: OAuth2Stub) -> None:
    world = oauth_world(sheets, oauth2_stub)
    world.connection(sheets, oauth2_stub, "sheets-bob", expires_in=3600)
    oauth2_stub.expire_tokens()  # the provider ended it early

    assert world.read(sheets, "sheets-bob")["values"] == READ_VALUES
    assert len(oauth2_stub.token_requests("refresh_token")) == 1
    first, second = oauth2_stub.api_requests()
    assert first.bearer != second.bearer


def test_a_refused_refresh_fails_the_execute_without_showing_a_token(sheets: Engine, oauth2_stub: OAuth2Stub) -> None:
    world = oauth_world(sheets, oauth2_stub)
    tokens = oauth2_stub.issue()
    world.connection(sheets, oauth2_stub, "sheets-carol", expires_in=0, tokens=tokens)
    oauth2_stub.refresh_tokens[tokens["refresh_token"]] = False  # revoked at the provider

    with pytest.raises(ApiError) as caught:
        world.read(sheets, "sheets-carol")
    assert caught.value.code == ErrorCode.REFRESH_FAILED
    assert caught.value.details is not None and caught.value.details["providerError"] == "invalid_grant"
    body = str(caught.value.to_body())
    assert tokens["refresh_token"] not in body and tokens["access_token"] not in body
    assert oauth2_stub.api_requests() == []  # no call went out with the expired token


def test_without_an_oauth_app_an_expired_token_is_tried_and_a_refusal_names_the_missing_app(
        sheets: Engine, oauth2_stub: OAuth2Stub) -> None:
    world = oauth_world(sheets, oauth2_stub)
    world.connection(sheets, oauth2_stub, "sheets-dave", expires_in=0)
    sheets.oauth_apps.delete(world.caller, world.app_id)

    assert world.read(sheets, "sheets-dave")["values"] == READ_VALUES  # the provider still took it
    oauth2_stub.expire_tokens()
    with pytest.raises(ApiError) as caught:
        world.read(sheets, "sheets-dave")
    assert caught.value.code == ErrorCode.NO_OAUTH_APP
    assert oauth2_stub.token_requests("refresh_token") == []


# --- two processes -----------------------------------------------------------------------------------------------


def _read_in_own_process(database: str, schema: str | None, cache_dir: Path, world: OAuthWorld, external_id: str,
                         barrier: Any) -> Any:
    """Runs in a child process: its own engine, which enters a refresh only when the other process has too."""
    refresh = TokenRefresher.refresh

    def together(self: TokenRefresher, *args: Any, **kw: Any) -> Any:
        barrier.wait(timeout=60)  # both hold the expired token now; one of them must wait for the other's refresh
        return refresh(self, *args, **kw)

    TokenRefresher.refresh = together  # type: ignore[method-assign]
    with engine_at(database, schema, cache_dir) as engine:
        return world.read(engine, external_id)


@pytest.mark.parametrize("backend", BACKENDS)
def test_two_processes_refreshing_one_expired_connection_call_the_token_endpoint_once(
        backend: str, tmp_path: Path, sdk_cache_dir: Path, sdk_catalog: Catalog,  # noqa: F811
        oauth2_stub: OAuth2Stub) -> None:
    oauth2_stub.token_delay = 0.5  # the first refresh is still at the provider when the second would start
    with _shared_database(backend, tmp_path) as (database, schema):
        store = Store(database, schema=schema)
        engine = sheets_engine(store, sdk_catalog)
        try:
            world = oauth_world(engine, oauth2_stub)
            connection_id = world.connection(engine, oauth2_stub, "sheets-shared", expires_in=0)
        finally:
            engine.close()
        spawn = multiprocessing.get_context("spawn")
        with spawn.Manager() as manager, ProcessPoolExecutor(2, mp_context=spawn) as pool:
            barrier = manager.Barrier(2)
            futures = [pool.submit(_read_in_own_process, database, schema, sdk_cache_dir, world, "sheets-shared",
                                   barrier) for _ in range(2)]
            outputs = [f.result(timeout=240) for f in futures]

        assert [o["values"] for o in outputs] == [READ_VALUES, READ_VALUES]
        assert len(oauth2_stub.token_requests("refresh_token")) == 1
        bearers = {r.bearer for r in oauth2_stub.api_requests()}
        store = Store(database, schema=schema)
        try:
            with store.read() as conn:
                blob = conn.execute(sa.select(t.connections.c.credential)
                                    .where(t.connections.c.id == connection_id)).scalar_one()
        finally:
            store.close()
        assert len(bearers) == 1 and next(iter(bearers)).encode() not in blob  # both used the one new token


@contextmanager
def _shared_database(backend: str, tmp_path: Path) -> Iterator[tuple[str, str | None]]:
    """(URL, schema) of a database two processes can open: a SQLite file, or a fresh PostgreSQL schema."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'shared.db'}", None
        return
    with postgres_schema() as (url, schema):
        yield url, schema
