"""The scene of the engine's trigger tests: an organization, a workspace, and an ``items-test`` alias whose
connection points at the items stub; and an engine over a test store with the items integration injected."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from tests.engine.echo_integration import NATIVES, small_catalog
from tests.engine.engine_fixtures import TEST_KEY
from tests.engine.trigger_integration import ITEMS, ITEMS_INTEGRATION, with_items
from tests.stubs.items import ITEMS_TOKEN, ItemsStub
from weavz_flow.engine import tables as t
from weavz_flow.engine.caller import Caller
from weavz_flow.engine.credential_cipher import CredentialCipher
from weavz_flow.engine.engine import Engine
from weavz_flow.engine.inputs import ConnectionCreate, WorkspaceCreate, WorkspaceIntegrationCreate
from weavz_flow.engine.store import Store
from weavz_flow.engine.trigger_settings import TriggerSettings
from weavz_flow.wire.triggers import EnableTriggerRequest


@contextmanager
def trigger_engine(store: Store, settings: TriggerSettings) -> Iterator[Engine]:
    engine = Engine(store, catalog=with_items(small_catalog()), natives={**NATIVES, ITEMS: ITEMS_INTEGRATION},
                    cipher=CredentialCipher(TEST_KEY), trigger_settings=settings)
    try:
        yield engine
    finally:
        engine.executions.close()
        engine.http.close()


class Setup:
    def __init__(self, engine: Engine, stub: ItemsStub) -> None:
        self.engine = engine
        self.stub = stub
        org = engine.orgs.create("acme")
        self.caller = Caller.system(org.id)
        self.org_id = org.id
        self.workspace_id = engine.workspaces.create(self.caller, WorkspaceCreate(name="Prod", slug="prod")).id
        self.connection_id = engine.connections.create(self.caller, ConnectionCreate(
            type="SECRET_TEXT", external_id="items-main", display_name="items", integration_name=ITEMS,
            secret_text=ITEMS_TOKEN, base_url=stub.url)).id  # type: ignore[call-arg]
        self.alias_id = engine.integrations.create(self.caller, self.workspace_id, WorkspaceIntegrationCreate(
            integration_name=ITEMS, connection_id=self.connection_id)).id

    def enable(self, **kw: Any) -> Any:
        body: dict[str, Any] = {"integrationName": ITEMS, "triggerName": "new_item", "workspaceId": self.workspace_id,
                                "callbackUrl": "http://127.0.0.1:9/hook", "input": {"label": "L"}}
        body.update(kw)
        return self.engine.triggers.enable(self.caller, EnableTriggerRequest.model_validate(body))

    def events(self) -> list[Any]:
        with self.engine.store.read() as conn:
            return conn.execute(sa.select(t.trigger_events).order_by(t.trigger_events.c.seq)).all()

    def source(self, source_id: str) -> Any:
        with self.engine.store.read() as conn:
            return conn.execute(sa.select(t.trigger_sources).where(t.trigger_sources.c.id == source_id)).one()


def later(hours: float = 1) -> datetime:
    return datetime.now(UTC) + timedelta(hours=hours)
