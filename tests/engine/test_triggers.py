"""Trigger sources in the engine (issue 18), on SQLite and PostgreSQL, against the items stub over real HTTP.

Enable resolves like an execute (alias, connection, trigger-scoped partials with enforced keys, input checked) and
baselines, so existing items fire nothing; polls store each new item once, oldest first, and a failing or revoked
provider keeps the cursor. Inbound webhooks store nothing when refused. Flow sources register idempotently.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.engine.engine_fixtures import TEST_KEY
from tests.engine.trigger_integration import ITEMS
from tests.engine.trigger_setup import Setup, later, trigger_engine
from tests.stubs.items import ITEMS_TOKEN, ItemsStub
from weavz_flow.engine.caller import Caller
from weavz_flow.engine.credential_cipher import CredentialCipher
from weavz_flow.engine.engine import Engine
from weavz_flow.engine.inputs import PartialCreate
from weavz_flow.engine.services.triggers import FlowSourceSpec
from weavz_flow.engine.store import Store
from weavz_flow.engine.trigger_settings import TriggerSettings
from weavz_flow.errors import ApiError, ErrorCode
from weavz_flow.integrations.trigger_base import InboundRequest
from weavz_flow.sensitive import Sensitive
from weavz_flow.wire.triggers import EnableTriggerRequest

LATER = timedelta(hours=1)


@pytest.fixture
def setup(store: Store, items_stub: ItemsStub) -> Iterator[Setup]:
    with trigger_engine(store, TriggerSettings()) as engine:
        yield Setup(engine, items_stub)


def test_enable_baselines_then_each_new_item_is_stored_once_oldest_first(setup: Setup) -> None:
    view = setup.enable()
    assert view.signing_secret and view.signing_secret.startswith("whsec_")
    assert setup.engine.triggers.poll_due(later()) == 0  # the two existing items fire nothing
    setup.stub.add("first")
    setup.stub.add("second")
    assert setup.engine.triggers.poll_due(later(2)) == 2
    events = setup.events()
    assert [(e.seq, e.data["title"], e.data["label"], e.data["tag"]) for e in events] == [
        (1, "first", "L", "none"), (2, "second", "L", "none")]
    assert setup.engine.triggers.poll_due(later(3)) == 0
    assert len(setup.events()) == 2
    # The signing secret is stored encrypted, never in clear.
    stored = setup.source(view.id)
    assert view.signing_secret.encode() not in bytes(stored.signing_secret)


def test_a_source_not_due_is_not_polled(setup: Setup) -> None:
    setup.enable(pollingIntervalMinutes=10)
    setup.stub.add("first")
    before = len(setup.stub.requests)
    assert setup.engine.triggers.poll_due(datetime.now(UTC) + timedelta(minutes=5)) == 0
    assert len(setup.stub.requests) == before
    assert setup.engine.triggers.poll_due(datetime.now(UTC) + timedelta(minutes=11)) == 1


def test_enforced_trigger_partials_win_over_the_callers_input(setup: Setup) -> None:
    setup.engine.partials.create(setup.caller, PartialCreate(
        workspace_id=setup.workspace_id, integration_name=ITEMS, trigger_name="new_item", name="locked",
        values={"label": "enforced"}, enforced_keys=["label"], is_default=True))
    setup.engine.partials.create(setup.caller, PartialCreate(
        workspace_id=setup.workspace_id, integration_name=ITEMS, action_name=None, name="wide",
        values={"tag": "wide"}, is_default=True))
    view = setup.enable(input={"label": "mine"})
    stored = setup.source(view.id)
    assert stored.input == {"label": "enforced", "tag": "wide"}
    assert len(stored.partial_ids) == 2


def test_bad_requests_store_nothing(setup: Setup) -> None:
    cases = [
        ({"triggerName": "nope"}, ErrorCode.TRIGGER_NOT_FOUND, 404),
        ({"integrationName": "nope"}, ErrorCode.INTEGRATION_NOT_FOUND, 404),
        ({"input": {}}, ErrorCode.VALIDATION_ERROR, 400),
        ({"callbackUrl": "ftp://example.test/x"}, ErrorCode.VALIDATION_ERROR, 400),
    ]
    for change, code, status in cases:
        with pytest.raises(ApiError) as caught:
            setup.enable(**change)
        assert (caught.value.code, caught.value.status) == (code, status)
    short = Engine(setup.engine.store, catalog=setup.engine.catalog, natives=setup.engine.source.natives,
                   cipher=CredentialCipher(TEST_KEY), trigger_settings=TriggerSettings(min_polling_interval_s=600))
    try:
        with pytest.raises(ApiError) as caught:
            short.triggers.enable(setup.caller, EnableTriggerRequest.model_validate({
                "integrationName": ITEMS, "triggerName": "new_item", "workspaceId": setup.workspace_id,
                "callbackUrl": "http://127.0.0.1:9/hook", "input": {"label": "L"}, "pollingIntervalMinutes": 5}))
        assert (caught.value.code, caught.value.status) == (ErrorCode.POLLING_INTERVAL_TOO_SHORT, 403)
    finally:
        short.http.close()
    assert setup.engine.triggers.list(setup.caller, None, None, None) == ([], 0)


def test_a_failing_provider_keeps_the_cursor_and_the_next_poll_catches_up(setup: Setup) -> None:
    view = setup.enable()
    setup.stub.add("first")
    setup.stub.fail_next(500)
    assert setup.engine.triggers.poll_due(later()) == 0
    failed = setup.source(view.id)
    assert failed.enabled and failed.last_error and "500" in failed.last_error
    assert ITEMS_TOKEN not in failed.last_error
    assert setup.engine.triggers.poll_due(later(2)) == 1
    assert setup.source(view.id).last_error is None


def test_a_deleted_connection_stops_the_source(setup: Setup) -> None:
    view = setup.enable()
    setup.engine.connections.delete(setup.caller, setup.connection_id)
    assert setup.engine.triggers.poll_due(later()) == 0
    stopped = setup.source(view.id)
    assert not stopped.enabled and stopped.last_error
    assert setup.engine.triggers.list(setup.caller, None, None, None)[1] == 0


def test_a_scoped_caller_sees_and_disables_only_its_workspaces(setup: Setup) -> None:
    view = setup.enable()
    other = Caller(org_id=setup.org_id, workspace_ids=frozenset({"elsewhere"}))
    assert setup.engine.triggers.list(other, None, None, None) == ([], 0)
    with pytest.raises(ApiError) as caught:
        setup.engine.triggers.disable(other, view.id)
    assert caught.value.code == ErrorCode.TRIGGER_SOURCE_NOT_FOUND
    setup.engine.triggers.disable(setup.caller, view.id)
    assert setup.engine.triggers.list(setup.caller, None, None, None)[1] == 0


def _inbound(secret: str, body: bytes, event_id: str) -> InboundRequest:
    return InboundRequest(method="POST", headers={"x-test-secret": secret, "x-event-id": event_id}, query={},
                          body=body, content_type="application/json")


def test_an_inbound_webhook_is_stored_once_and_a_bad_secret_stores_nothing(setup: Setup) -> None:
    view = setup.enable(triggerName="caught", input={"secret": "s3cret"})
    assert view.webhook_url and view.webhook_url.endswith(setup.engine.triggers.webhook_token(view.id))
    token = setup.engine.triggers.webhook_token(view.id)
    with pytest.raises(ApiError) as caught:
        setup.engine.triggers.ingest(token, _inbound("wrong", b'{"a": 1}', "e1"))
    assert caught.value.status == 401
    assert setup.events() == []
    with pytest.raises(ApiError) as caught:
        setup.engine.triggers.ingest(view.id + ".forged", _inbound("s3cret", b'{"a": 1}', "e1"))
    assert caught.value.code == ErrorCode.TRIGGER_SOURCE_NOT_FOUND
    first = setup.engine.triggers.ingest(token, _inbound("s3cret", b'{"a": 1}', "e1"))
    again = setup.engine.triggers.ingest(token, _inbound("s3cret", b'{"a": 1}', "e1"))
    assert [e.data for e in first] == [{"body": {"a": 1}}] and again == []
    assert len(setup.events()) == 1


def test_a_simulated_source_stores_the_sample_once_and_never_polls(setup: Setup) -> None:
    setup.enable(simulate=True)
    before = len(setup.stub.requests)
    assert setup.engine.triggers.poll_due(later()) == 0
    assert len(setup.stub.requests) == before
    assert [e.data for e in setup.events()] == [{"id": 7, "title": "sample item", "createdAt": "2026-12-01T09:00:00Z"}]


def _spec(setup: Setup, **kw: Any) -> FlowSourceSpec:
    values: dict[str, Any] = {
        "workspace_id": setup.workspace_id, "integration_name": ITEMS, "trigger_name": "new_item",
        "integration_alias": None, "connection_external_id": None, "end_user_id": None, "input": {"label": "F"},
        "polling_interval_s": 60}
    values.update(kw)
    return FlowSourceSpec(**values)


def test_flow_sources_register_once_baseline_on_first_poll_and_dispatch(setup: Setup) -> None:
    triggers = setup.engine.triggers
    source_id = triggers.ensure_flow_source(setup.org_id, "digest", "on.0", _spec(setup))
    assert triggers.ensure_flow_source(setup.org_id, "digest", "on.0", _spec(setup)) == source_id
    triggers.poll_due(later())  # the baseline
    setup.stub.add("new")
    assert triggers.poll_due(later(2)) == 1
    pending = triggers.undispatched_flow_events()
    assert [(e.flow_name, e.data["title"], e.integration_name, e.trigger_name) for e in pending] == [
        ("digest", "new", ITEMS, "new_item")]
    triggers.mark_dispatched([pending[0].id])
    assert triggers.undispatched_flow_events() == []
    triggers.replay(setup.caller, pending[0].id)
    assert [e.id for e in triggers.undispatched_flow_events()] == [pending[0].id]
    # The same spec again leaves the cursor alone; a changed one is re-baselined.
    cursor = setup.source(source_id).cursor
    triggers.ensure_flow_source(setup.org_id, "digest", "on.0", _spec(setup))
    assert setup.source(source_id).cursor == cursor
    triggers.ensure_flow_source(setup.org_id, "digest", "on.0", _spec(setup, input={"label": "G"}))
    assert setup.source(source_id).cursor is None and setup.source(source_id).input["label"] == "G"
    assert triggers.retire_flow_sources("digest", keep=[]) == 1
    assert not setup.source(source_id).enabled


def test_a_flow_webhook_path_is_one_flows(setup: Setup) -> None:
    triggers = setup.engine.triggers
    spec = _spec(setup, trigger_name="caught", input={"secret": "x"}, webhook_path="orders",
                 webhook_secret=Sensitive("hook-secret"))
    source_id = triggers.ensure_flow_source(setup.org_id, "a", "on.0", spec)
    with pytest.raises(ApiError) as caught:
        triggers.ensure_flow_source(setup.org_id, "b", "on.0", spec)
    assert (caught.value.code, caught.value.status) == (ErrorCode.WEBHOOK_PATH_TAKEN, 409)
    stored = setup.source(source_id)
    assert b"hook-secret" not in bytes(stored.webhook_secret)
    assert stored.spec_digest and "hook-secret" not in stored.spec_digest
