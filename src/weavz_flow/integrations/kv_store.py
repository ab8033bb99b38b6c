"""State KV (``kv-store``): JSON values under string keys, with atomic list appends and removals.

State lives in the engine's store under the persistence namespace of the alias (``ctx.namespace``; see
engine/persistence.py). Input schemas are the SDK catalog's.
"""

from __future__ import annotations

from typing import Any

from weavz_flow.errors import ApiError, ErrorCode
from weavz_flow.integrations.base import ActionContext, NativeIntegration
from weavz_flow.integrations.catalog_action import catalog_actions
from weavz_flow.integrations.kv_store_triggers import KEY_CHANGED
from weavz_flow.integrations.state_access import state_of

NAME = "kv-store"


def _key(values: dict[str, Any]) -> str:
    key = values.get("key")
    if not isinstance(key, str) or not key:
        raise ApiError(ErrorCode.MISSING_KEY, "'key' is required and must be a non-empty string",
                       details={"fields": [{"field": "key", "message": "required"}]})
    return key


def put(ctx: ActionContext, values: dict[str, Any]) -> dict[str, Any]:
    key = _key(values)
    state_of(ctx).kv_put(ctx.namespace, key, values.get("value"))
    return {"key": key, "value": values.get("value")}


def get(ctx: ActionContext, values: dict[str, Any]) -> dict[str, Any]:
    key = _key(values)
    found, value = state_of(ctx).kv_get(ctx.namespace, key)
    return {"key": key, "value": value, "found": found}


def delete(ctx: ActionContext, values: dict[str, Any]) -> dict[str, Any]:
    key = _key(values)
    return {"key": key, "deleted": state_of(ctx).kv_delete(ctx.namespace, key)}


def add_to_list(ctx: ActionContext, values: dict[str, Any]) -> dict[str, Any]:
    key = _key(values)
    return {"key": key, "value": state_of(ctx).kv_add_to_list(ctx.namespace, key, values.get("value"))}


def remove_from_list(ctx: ActionContext, values: dict[str, Any]) -> dict[str, Any]:
    key = _key(values)
    return {"key": key, "value": state_of(ctx).kv_remove_from_list(ctx.namespace, key, values.get("value"))}


ACTIONS = catalog_actions(NAME, {
    "put": put,
    "get": get,
    "delete": delete,
    "add_to_list": add_to_list,
    "remove_from_list": remove_from_list,
})

INTEGRATION = NativeIntegration(
    name=NAME,
    display_name="State KV",
    description="Durable JSON state, counters and lists, namespaced by the alias's persistence scope.",
    actions=ACTIONS,
    triggers={"key_changed": KEY_CHANGED},
)
