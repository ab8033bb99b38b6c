"""What the OAuth2 connect tests set up on the live server, around ``oauth2_stub`` (tests/conftest.py): an org's
OAuth app for google-sheets pointing at the stub, a workspace, and a connect token for an end user's OAUTH2
connection."""

from __future__ import annotations

from typing import Any

import httpx
from weavz_sdk import WeavzClient

from tests.engine.oauth_world import SHEETS
from tests.server.accounts import unique
from tests.stubs import oauth2
from tests.stubs.oauth2 import OAuth2Stub


def oauth_app(api: httpx.Client, stub: OAuth2Stub) -> str:
    """The org's OAuth app for google-sheets at the stub (the SDK has no oauth-apps calls: plain HTTP)."""
    created = api.post("/api/v1/oauth-apps", json={
        "integrationName": SHEETS, "clientId": oauth2.CLIENT_ID, "clientSecret": oauth2.CLIENT_SECRET,
        "authorizeUrl": stub.authorize_url, "tokenUrl": stub.token_url, "apiBaseUrl": stub.api_url})
    assert created.status_code == 201, created.text
    return str(created.json()["oauthApp"]["id"])


def connect_token(sdk: WeavzClient, workspace: str, app_id: str, **kw: Any) -> dict[str, Any]:
    return sdk.connect.create_token(integration_name=SHEETS, connection_name="Alice's Sheets",
                                    external_id=unique("alice-sheets"), workspace_id=workspace, end_user_id="alice",
                                    oauth_app_id=app_id, **kw)


def workspace_with_per_user_sheets(sdk: WeavzClient) -> str:
    workspace = str(sdk.workspaces.create(name="OAuth", slug=unique("oauth"))["workspace"]["id"])
    sdk.workspaces.add_integration(workspace, integration_name=SHEETS, connection_strategy="per_user")
    return workspace
