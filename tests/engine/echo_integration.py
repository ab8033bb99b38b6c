"""A small native integration registered by injection, whose actions call the real echo stub over HTTP.

``whoami`` returns which credential the provider received: test tokens are ``<name>:<canary>`` and the action
returns only ``<name>``, so assertions see who was used while the canary itself must never come back.
"""

from __future__ import annotations

import threading
from typing import Any, Optional

from pydantic import BaseModel, Field

from weavz_flow.catalog.catalog import Catalog
from weavz_flow.catalog.model import ActionInfo, InputField, IntegrationInfo
from weavz_flow.errors import ApiError, ErrorCode
from weavz_flow.integrations import kv_store, storage
from weavz_flow.integrations.base import ActionContext, NativeIntegration
from weavz_flow.integrations.native_action import model_action

# ruff: noqa: UP045

ECHO = "echo-test"
NOAUTH = "noauth-test"
HOSTED = "hosted-only"


class WhoamiInput(BaseModel):
    """Echo test — Who am I"""
    channel: str = Field(..., description="required")
    text: Optional[str] = Field(None, description="optional")
    count: Optional[int] = Field(3, description="has a default")
    mode: Optional[str] = Field(None, description="optional")


class AnyInput(BaseModel):
    """Echo test — Any"""
    note: Optional[str] = Field(None, description="optional")


def _token(ctx: ActionContext) -> str:
    creds = ctx.credentials
    assert creds is not None, "the engine must resolve a credential for an integration with auth"
    if creds.type == "BASIC_AUTH":
        return f"{creds.username}:{creds.password.reveal() if creds.password else ''}"
    token = creds.token()
    assert token is not None
    return token


def whoami(ctx: ActionContext, values: dict[str, Any]) -> dict[str, Any]:
    response = ctx.http.get(f"{ctx.base_url}/whoami", headers={"Authorization": f"Bearer {_token(ctx)}"})
    received = response.json()["headers"]["authorization"].removeprefix("Bearer ")
    return {"who": received.split(":")[0], "input": values}


def leak_exception(ctx: ActionContext, values: dict[str, Any]) -> Any:
    raise RuntimeError(f"client blew up while sending {_token(ctx)}")


def leak_api_error(ctx: ActionContext, values: dict[str, Any]) -> Any:
    token = _token(ctx)
    raise ApiError(ErrorCode.ACTION_FAILED, f"provider rejected token {token}",
                   details={"status": 401, "providerMessage": f"invalid_auth for {token}"})


def leak_everywhere(ctx: ActionContext, values: dict[str, Any]) -> Any:
    token = _token(ctx)
    ctx.logger.info("calling with token %s", token)
    ctx.logger.debug(f"debug line {token}")
    ctx.http.get(f"{ctx.base_url}/leak", headers={"Authorization": f"Bearer {token}"})
    return {"echoed": token, "nested": [{"again": f"x{token}x"}]}


class Gate:
    """Holds ``block`` calls until released, and counts them."""

    def __init__(self) -> None:
        self.entered = threading.Event()
        self.release = threading.Event()
        self.calls = 0
        self.lock = threading.Lock()

    def reset(self) -> None:
        self.entered.clear()
        self.release.clear()
        self.calls = 0


GATE = Gate()


def block(ctx: ActionContext, values: dict[str, Any]) -> dict[str, Any]:
    with GATE.lock:
        GATE.calls += 1
    GATE.entered.set()
    assert GATE.release.wait(30), "test never released the gate"
    ctx.http.get(f"{ctx.base_url}/block", headers={"Authorization": f"Bearer {_token(ctx)}"})
    return {"calls": GATE.calls}


def ping(ctx: ActionContext, values: dict[str, Any]) -> dict[str, Any]:
    return {"namespace": ctx.namespace, "baseUrl": ctx.base_url, "hasCredentials": ctx.credentials is not None}


ECHO_INTEGRATION = NativeIntegration(
    name=ECHO,
    display_name="Echo test",
    description="test only",
    actions={
        a.info.name: a
        for a in (
            model_action(ECHO, "whoami", WhoamiInput, whoami),
            model_action(ECHO, "other", WhoamiInput, whoami),
            model_action(ECHO, "leak_exception", AnyInput, leak_exception),
            model_action(ECHO, "leak_api_error", AnyInput, leak_api_error),
            model_action(ECHO, "leak_everywhere", AnyInput, leak_everywhere),
            model_action(ECHO, "block", AnyInput, block),
        )
    },
    auth_types=("SECRET_TEXT", "BASIC_AUTH", "CUSTOM_AUTH", "OAUTH2"),
    default_base_url="http://127.0.0.1:9/unused",
)

NOAUTH_INTEGRATION = NativeIntegration(
    name=NOAUTH,
    display_name="No auth test",
    description="test only",
    actions={"ping": model_action(NOAUTH, "ping", AnyInput, ping)},
    default_base_url="https://noauth.invalid",
)

NATIVES = {
    ECHO: ECHO_INTEGRATION,
    NOAUTH: NOAUTH_INTEGRATION,
    kv_store.NAME: kv_store.INTEGRATION,
    storage.NAME: storage.INTEGRATION,
}

HOSTED_ONLY = IntegrationInfo(
    name=HOSTED,
    display_name="Hosted only",
    auth_types=("SECRET_TEXT",),
    actions={"do_thing": ActionInfo(HOSTED, "do_thing", fields=(InputField("x", "string", required=True),))},
)


def small_catalog() -> Catalog:
    return Catalog([*(i.catalog_entry() for i in NATIVES.values()), HOSTED_ONLY])
