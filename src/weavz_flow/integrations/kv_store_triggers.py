"""``kv-store.key_changed``: a POLLING trigger over the engine's State KV (the namespace of the source's alias, as
its actions use): one event each time a watched key gets a different value or is deleted.

Input: ``key`` (one key) or ``prefix`` (every key that starts with it; ``""`` is the whole namespace), not both.
The cursor maps each watched key to a digest of its value (SHA-256 of its canonical JSON, 16 hex digits) and the
time it was written, plus the value itself when it is small (at most ``PREVIOUS_VALUE_BYTES`` of JSON), so an
event can say ``previousValue``. Writing a key's current value again is no change. A prefix watches at most
``MAX_KEYS`` keys: one with more is refused (narrow the prefix), so the cursor stays bounded
(``MAX_KEYS`` x (key + 40 bytes + ``PREVIOUS_VALUE_BYTES``), under 1.5 MB).

An event is ``{key, value, previousValue?, deleted}``, oldest write first (deletions, which have no time, last);
its id is the key and the time of the write it reports (``<key>@<updatedAt>``, or ``<key>@deleted@<updatedAt of
the value deleted>``), so a key set back to an earlier value later is a new event, and a poll repeated after a crash
reports the same ids.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from weavz_flow.catalog.model import InputField, TriggerInfo
from weavz_flow.integrations.base import ActionContext, StoredValue
from weavz_flow.integrations.native_action import invalid_input
from weavz_flow.integrations.state_access import state_of
from weavz_flow.integrations.trigger_base import Cursor, PollResult, TriggerEvent, seen_now

MAX_KEYS = 1000
PREVIOUS_VALUE_BYTES = 1024

INFO = TriggerInfo(
    integration="kv-store",
    name="key_changed",
    display_name="Key Changed",
    description="Fires when a key's value changes or the key is deleted.",
    type="POLLING",
    fields=(
        InputField("key", "string", description="The key to watch.", display_name="Key"),
        InputField("prefix", "string", description=f"Watch every key starting with this (at most {MAX_KEYS} keys); "
                   "use instead of key.", display_name="Key prefix"),
    ),
    sample_data={"key": "orders/last-id", "value": 1042, "previousValue": 1041, "deleted": False},
)


class KeyChanged:
    @property
    def info(self) -> TriggerInfo:
        return INFO

    def baseline(self, ctx: ActionContext, input: dict[str, Any]) -> Cursor:
        return _cursor(_watched(ctx, input))

    def poll(self, ctx: ActionContext, input: dict[str, Any], cursor: Cursor) -> PollResult:
        before: dict[str, list[Any]] = cursor.get("keys", {})
        now = _watched(ctx, input)
        events: list[TriggerEvent] = []
        for entry in sorted(now.values(), key=lambda e: (e.updated_at, e.key)):
            seen = before.get(entry.key)
            if seen is not None and seen[0] == _digest(entry.value):
                continue
            data: dict[str, Any] = {"key": entry.key, "value": entry.value, "deleted": False}
            if seen is not None and len(seen) > 2:
                data["previousValue"] = seen[2]
            events.append(TriggerEvent(id=f"{entry.key}@{entry.updated_at}", data=data, occurred_at=entry.updated_at))
        deleted_at = seen_now()
        for key in sorted(set(before) - set(now)):
            data = {"key": key, "value": None, "deleted": True}
            if len(before[key]) > 2:
                data["previousValue"] = before[key][2]
            events.append(TriggerEvent(id=f"{key}@deleted@{before[key][1]}", data=data, occurred_at=deleted_at))
        return PollResult(events=events, cursor=_cursor(now))


def _watched(ctx: ActionContext, input: dict[str, Any]) -> dict[str, StoredValue]:
    key, prefix = input.get("key"), input.get("prefix")
    if (key is None) == (prefix is None):
        raise invalid_input(ctx, "key", "give either 'key' or 'prefix'")
    if key is not None:
        if not isinstance(key, str) or not key:
            raise invalid_input(ctx, "key", "must be a non-empty string")
        # The key itself sorts first among the keys it is a prefix of: one row tells whether it exists.
        entries = [e for e in state_of(ctx).kv_list(ctx.namespace, key, 1) if e.key == key]
    else:
        if not isinstance(prefix, str):
            raise invalid_input(ctx, "prefix", "must be a string")
        entries = state_of(ctx).kv_list(ctx.namespace, prefix, MAX_KEYS + 1)
        if len(entries) > MAX_KEYS:
            raise invalid_input(ctx, "prefix", f"matches more than {MAX_KEYS} keys; narrow it")
    return {e.key: e for e in entries}


def _cursor(entries: dict[str, StoredValue]) -> Cursor:
    keys: dict[str, list[Any]] = {}
    for e in entries.values():
        row: list[Any] = [_digest(e.value), e.updated_at]
        if len(_canonical(e.value)) <= PREVIOUS_VALUE_BYTES:
            row.append(e.value)
        keys[e.key] = row
    return {"keys": keys}


def _canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _digest(value: Any) -> str:
    return hashlib.sha256(_canonical(value)).hexdigest()[:16]


KEY_CHANGED = KeyChanged()
