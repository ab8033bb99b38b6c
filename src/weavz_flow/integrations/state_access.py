"""The engine's state store as a built-in (kv-store, storage, the agent tools and their triggers) reaches it."""

from __future__ import annotations

from weavz_flow.errors import ApiError, ErrorCode
from weavz_flow.integrations.base import ActionContext, StateStore


def state_of(ctx: ActionContext) -> StateStore:
    if ctx.state is None:
        raise ApiError(ErrorCode.STORAGE_ERROR, f"{ctx.integration} needs the engine's state store")
    return ctx.state
