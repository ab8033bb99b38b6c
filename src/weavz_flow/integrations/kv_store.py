"""State KV (``kv-store``): JSON values under string keys, with atomic list appends and removals.

State lives in the engine's store under the persistence namespace of the alias (``ctx.namespace``; see
engine/persistence.py). Field names are the Weavz catalog's (``KvStorePutInput`` etc. in the SDK).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from weavz_flow.errors import ApiError, ErrorCode
from weavz_flow.integrations.base import ActionContext, NativeIntegration, StateStore
from weavz_flow.integrations.native_action import model_action

NAME = "kv-store"


class KvStorePutInput(BaseModel):
    """State KV — Put"""
    key: str = Field(..., description="The key to store the value under")
    value: Any = Field(..., description="The value to store (any JSON-serializable value)")


class KvStoreGetInput(BaseModel):
    """State KV — Get"""
    key: str = Field(..., description="The key to retrieve")


class KvStoreDeleteInput(BaseModel):
    """State KV — Delete"""
    key: str = Field(..., description="The key to delete")


class KvStoreAddToListInput(BaseModel):
    """State KV — Add to List"""
    key: str = Field(..., description="The key of the list")
    value: Any = Field(..., description="The value to append to the list")


class KvStoreRemoveFromListInput(BaseModel):
    """State KV — Remove from List"""
    key: str = Field(..., description="The key of the list")
    value: Any = Field(..., description="The value to remove from the list")


def state_of(ctx: ActionContext) -> StateStore:
    if ctx.state is None:
        raise ApiError(ErrorCode.STORAGE_ERROR, f"{ctx.integration} needs the engine's state store")
    return ctx.state


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


ACTIONS = {
    action.info.name: action
    for action in (
        model_action(NAME, "put", KvStorePutInput, put),
        model_action(NAME, "get", KvStoreGetInput, get),
        model_action(NAME, "delete", KvStoreDeleteInput, delete),
        model_action(NAME, "add_to_list", KvStoreAddToListInput, add_to_list),
        model_action(NAME, "remove_from_list", KvStoreRemoveFromListInput, remove_from_list),
    )
}

INTEGRATION = NativeIntegration(
    name=NAME,
    display_name="State KV",
    description="Durable JSON state, counters and lists, namespaced by the alias's persistence scope.",
    actions=ACTIONS,
)
