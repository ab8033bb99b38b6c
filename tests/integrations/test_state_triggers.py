"""kv-store.key_changed and storage.new_file over the engine's real state store (SQLite and PostgreSQL): the
baseline fires nothing for what exists, changes come oldest first, a repeated poll with the returned cursor gives
nothing, namespaces stay apart, and a watch too large to keep in a bounded cursor is refused."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.engine.engine_fixtures import BACKENDS, open_store
from weavz_flow.engine.state_store import SqlStateStore
from weavz_flow.errors import ApiError, ErrorCode
from weavz_flow.integrations import kv_store_triggers, storage_triggers
from weavz_flow.integrations.base import ActionContext
from weavz_flow.integrations.kv_store import INTEGRATION as KV
from weavz_flow.integrations.storage import INTEGRATION as STORAGE
from weavz_flow.integrations.trigger_base import Cursor, PollingTrigger, PollResult

NS = "ws:test/workspace"


@pytest.fixture(params=BACKENDS)
def state(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[SqlStateStore]:
    with open_store(request.param, tmp_path) as store:
        yield SqlStateStore(store)


def ctx(state: SqlStateStore, integration: str, trigger: str, namespace: str = NS) -> ActionContext:
    return ActionContext(integration=integration, action=trigger, http=httpx.Client(), state=state,
                         namespace=namespace)


def poll(trigger: PollingTrigger, c: ActionContext, input: dict[str, Any], cursor: Cursor) -> PollResult:
    result = trigger.poll(c, input, cursor)
    json.dumps(result.cursor)  # a cursor is stored as JSON
    return result


def test_both_are_registered_polling_triggers() -> None:
    assert isinstance(KV.triggers["key_changed"], PollingTrigger)
    assert isinstance(STORAGE.triggers["new_file"], PollingTrigger)
    assert KV.catalog_entry().triggers["key_changed"].type == "POLLING"
    assert STORAGE.catalog_entry().triggers["new_file"].field_names == ("prefix",)


def test_key_changed_on_one_key(state: SqlStateStore) -> None:
    trigger, c = kv_store_triggers.KEY_CHANGED, ctx(state, "kv-store", "key_changed")
    input = {"key": "counter"}
    state.kv_put(NS, "counter", 1)
    state.kv_put(NS, "counter-other", "x")  # a key that only starts with the watched one
    state.kv_put(NS, "Counter", "y")  # another case, sorted first in binary order (SQLite's LIKE would match it)
    cursor = trigger.baseline(c, input)
    assert poll(trigger, c, input, cursor).events == []  # the baseline fires nothing for what exists
    state.kv_put(NS, "counter", 1)  # the same value again: no change
    state.kv_put(NS, "counter-other", "y")
    assert poll(trigger, c, input, cursor).events == []
    state.kv_put(NS, "counter", 2)
    first = poll(trigger, c, input, cursor)
    [event] = first.events
    assert event.data == {"key": "counter", "value": 2, "previousValue": 1, "deleted": False}
    assert event.id.startswith("counter@") and event.occurred_at
    assert poll(trigger, c, input, first.cursor).events == []  # the returned cursor has seen it
    assert [e.id for e in poll(trigger, c, input, cursor).events] == [event.id]  # a repeated poll: same id
    state.kv_delete(NS, "counter")
    [gone] = poll(trigger, c, input, first.cursor).events
    assert gone.data == {"key": "counter", "value": None, "previousValue": 2, "deleted": True}
    assert gone.id != event.id


def test_key_changed_on_a_prefix_oldest_first(state: SqlStateStore) -> None:
    trigger, c = kv_store_triggers.KEY_CHANGED, ctx(state, "kv-store", "key_changed")
    input = {"prefix": "orders/"}
    state.kv_put(NS, "orders/1", {"total": 10})
    state.kv_put(NS, "Orders/x", 1)  # another case: not under the prefix (SQLite's LIKE would say it is)
    state.kv_put(NS, "orders_%", 1)
    cursor = trigger.baseline(c, input)
    assert set(cursor["keys"]) == {"orders/1"}
    state.kv_put(NS, "orders/3", {"total": 30})
    state.kv_put(NS, "orders/2", {"total": 20})
    state.kv_put(NS, "orders/1", {"total": 11})
    state.kv_put(ctx(state, "kv-store", "key_changed", "ws:other").namespace, "orders/9", 1)  # another namespace
    result = poll(trigger, c, input, cursor)
    assert [(e.data["key"], e.data["value"]) for e in result.events] == [
        ("orders/3", {"total": 30}), ("orders/2", {"total": 20}), ("orders/1", {"total": 11})]
    assert "previousValue" not in result.events[0].data  # a new key had none
    assert result.events[2].data["previousValue"] == {"total": 10}
    # set back to an earlier value later: a new event, not a duplicate id of the first write
    state.kv_put(NS, "orders/1", {"total": 10})
    [back] = poll(trigger, c, input, result.cursor).events
    assert back.data["value"] == {"total": 10} and back.id != result.events[2].id


def test_large_values_are_watched_by_digest_only(state: SqlStateStore) -> None:
    trigger, c = kv_store_triggers.KEY_CHANGED, ctx(state, "kv-store", "key_changed")
    big = "x" * (kv_store_triggers.PREVIOUS_VALUE_BYTES + 10)
    state.kv_put(NS, "doc", big)
    cursor = trigger.baseline(c, {"key": "doc"})
    assert len(json.dumps(cursor)) < 200  # the value itself is not kept
    state.kv_put(NS, "doc", big + "!")
    [event] = poll(trigger, c, {"key": "doc"}, cursor).events
    assert event.data["value"] == big + "!" and "previousValue" not in event.data


@pytest.mark.parametrize(("input", "field"), [({}, "key"), ({"key": "a", "prefix": "b"}, "key"),
                                              ({"key": ""}, "key"), ({"prefix": 3}, "prefix")])
def test_key_changed_input_errors(state: SqlStateStore, input: dict[str, Any], field: str) -> None:
    with pytest.raises(ApiError) as caught:
        kv_store_triggers.KEY_CHANGED.baseline(ctx(state, "kv-store", "key_changed"), input)
    assert caught.value.code == ErrorCode.VALIDATION_ERROR
    assert caught.value.details is not None and caught.value.details["fields"][0]["field"] == field


def test_a_prefix_over_the_bound_is_refused(state: SqlStateStore, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(kv_store_triggers, "MAX_KEYS", 3)
    monkeypatch.setattr(storage_triggers, "MAX_FILES", 3)
    for i in range(4):
        state.kv_put(NS, f"k/{i}", i)
        state.file_write(NS, f"f/{i}.txt", b"x", "text/plain")
    with pytest.raises(ApiError, match="more than 3 keys"):
        kv_store_triggers.KEY_CHANGED.baseline(ctx(state, "kv-store", "key_changed"), {"prefix": "k/"})
    with pytest.raises(ApiError, match="more than 3 files"):
        storage_triggers.NEW_FILE.baseline(ctx(state, "storage", "new_file"), {"prefix": "f/"})


def test_new_file(state: SqlStateStore) -> None:
    trigger, c = storage_triggers.NEW_FILE, ctx(state, "storage", "new_file")
    input = {"prefix": "inbox/"}
    state.file_write(NS, "inbox/old.txt", b"old", "text/plain")
    cursor = trigger.baseline(c, input)
    assert poll(trigger, c, input, cursor).events == []
    state.file_write(NS, "inbox/b.csv", b"a,b\n1,2\n", "text/csv")
    state.file_write(NS, "inbox/a.json", b"{}", "application/json")
    state.file_write(NS, "outbox/x.txt", b"x", None)  # outside the prefix
    state.file_write(NS, "inbox/old.txt", b"overwritten", "text/plain")  # a path already seen: not new
    first = poll(trigger, c, input, cursor)
    assert [e.data["path"] for e in first.events] == ["inbox/b.csv", "inbox/a.json"]
    assert first.events[0].data == {"path": "inbox/b.csv", "size": 8, "contentType": "text/csv",
                                    "updatedAt": first.events[0].occurred_at}
    assert poll(trigger, c, input, first.cursor).events == []
    state.file_delete(NS, "inbox/a.json")
    second = poll(trigger, c, input, first.cursor)
    assert second.events == [] and "inbox/a.json" not in second.cursor["paths"]
    state.file_write(NS, "inbox/a.json", b"{\"again\": true}", "application/json")
    [again] = poll(trigger, c, input, second.cursor).events
    assert again.data["path"] == "inbox/a.json" and again.id != first.events[1].id
    # no prefix: every file of the namespace
    assert {e.data["path"] for e in poll(trigger, c, {}, {"paths": {}}).events} == {
        "inbox/old.txt", "inbox/b.csv", "inbox/a.json", "outbox/x.txt"}
