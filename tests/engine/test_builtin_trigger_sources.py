"""The built-in triggers as sources of the engine's TriggerService (SQLite and PostgreSQL): a flow's ``webhook:`` is an
``http.catch_webhook`` source checked by the trigger's own verification (a bad signature stores nothing), and
``kv-store.key_changed`` / ``storage.new_file`` watch the namespace of their alias, as its actions write it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.engine.echo_integration import NATIVES, small_catalog
from tests.engine.engine_fixtures import TEST_KEY
from weavz_flow.engine.caller import Caller
from weavz_flow.engine.credential_cipher import CredentialCipher
from weavz_flow.engine.engine import Engine
from weavz_flow.engine.execute_values import ExecuteRequest
from weavz_flow.engine.inputs import WorkspaceCreate, WorkspaceIntegrationCreate
from weavz_flow.engine.services.triggers import FlowSourceSpec
from weavz_flow.engine.store import Store
from weavz_flow.engine.trigger_settings import TriggerSettings
from weavz_flow.errors import ApiError, ErrorCode
from weavz_flow.integrations import http
from weavz_flow.integrations.trigger_base import InboundRequest
from weavz_flow.integrations.webhook_auth import hmac_sha256_signature
from weavz_flow.sensitive import Sensitive

SECRET = "flow-hook-secret-42"


class World:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        org = engine.orgs.create("acme")
        self.org_id = org.id
        self.caller = Caller.system(org.id)
        self.workspace_id = engine.workspaces.create(self.caller, WorkspaceCreate(name="Prod", slug="prod")).id
        for name in ("http", "kv-store", "storage"):
            engine.integrations.create(self.caller, self.workspace_id,
                                       WorkspaceIntegrationCreate(integration_name=name))

    def spec(self, integration: str, trigger: str, **kw: Any) -> FlowSourceSpec:
        values: dict[str, Any] = {"workspace_id": self.workspace_id, "integration_name": integration,
                                  "trigger_name": trigger, "integration_alias": None, "connection_external_id": None,
                                  "end_user_id": None, "input": {}, "polling_interval_s": 60}
        values.update(kw)
        return FlowSourceSpec(**values)

    def execute(self, integration: str, action: str, **input: Any) -> Any:
        return self.engine.execute(ExecuteRequest(integration_name=integration, action_name=action,
                                                  workspace_id=self.workspace_id, input=input), self.caller).output


@pytest.fixture
def built_ins(store: Store) -> Iterator[World]:
    natives = {**NATIVES, "http": http.INTEGRATION}
    catalog = small_catalog().overlay([http.INTEGRATION.catalog_entry()])
    engine = Engine(store, catalog=catalog, natives=natives, cipher=CredentialCipher(TEST_KEY),
                    trigger_settings=TriggerSettings())
    try:
        yield World(engine)
    finally:
        engine.executions.close()
        engine.http.close()


def later(hours: float) -> datetime:
    return datetime.now(UTC) + timedelta(hours=hours)


def signed(body: bytes, signature: str, delivery: str) -> InboundRequest:
    return InboundRequest(method="POST", headers={"content-type": "application/json", "x-signature-256": signature,
                                                  "x-github-delivery": delivery}, query={}, body=body,
                          content_type="application/json")


def test_a_flow_webhook_is_checked_by_catch_webhook(built_ins: World) -> None:
    world = built_ins
    triggers = world.engine.triggers
    spec = world.spec("http", "catch_webhook", webhook_path="orders", webhook_secret=Sensitive(SECRET))
    triggers.ensure_flow_source(world.org_id, "on-order", "on.0", spec)
    body = json.dumps({"order": 7, "title": "{{ 7*7 }}"}).encode()
    with pytest.raises(ApiError) as caught:
        triggers.ingest_flow_webhook("orders", signed(body, hmac_sha256_signature("wrong", body), "d-1"))
    assert (caught.value.code, caught.value.status) == (ErrorCode.WEBHOOK_SIGNATURE_INVALID, 401)
    assert triggers.undispatched_flow_events() == []  # refused: nothing stored
    [stored] = triggers.ingest_flow_webhook("orders", signed(body, hmac_sha256_signature(SECRET, body), "d-1"))
    assert stored.event_key == "d-1" and stored.data["body"] == {"order": 7, "title": "{{ 7*7 }}"}
    assert "x-signature-256" not in stored.data["headers"]
    # the sender's retry of the same delivery is the same event
    assert triggers.ingest_flow_webhook("orders", signed(body, hmac_sha256_signature(SECRET, body), "d-1")) == []
    assert [e.id for e in triggers.undispatched_flow_events()] == [stored.id]


def test_kv_and_storage_sources_watch_their_alias_namespace(built_ins: World) -> None:
    world = built_ins
    triggers = world.engine.triggers
    world.execute("kv-store", "put", key="cfg/a", value=1)
    world.execute("storage", "write_file", path="in/old.txt", content="old")
    triggers.ensure_flow_source(world.org_id, "on-cfg", "on.0", world.spec("kv-store", "key_changed",
                                                                           input={"prefix": "cfg/"}))
    triggers.ensure_flow_source(world.org_id, "on-file", "on.0", world.spec("storage", "new_file",
                                                                            input={"prefix": "in/"}))
    assert triggers.poll_due(later(1)) == 0  # first polls: the baselines; what exists fires nothing
    world.execute("kv-store", "put", key="cfg/a", value=2)
    world.execute("storage", "write_file", path="in/new.txt", content="new")
    assert triggers.poll_due(later(2)) == 2
    events = {e.flow_name: e for e in triggers.undispatched_flow_events()}
    assert events["on-cfg"].data == {"key": "cfg/a", "value": 2, "previousValue": 1, "deleted": False}
    assert events["on-file"].data["path"] == "in/new.txt" and events["on-file"].data["size"] == 3
    assert triggers.poll_due(later(3)) == 0
