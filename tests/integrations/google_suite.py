"""What the Google Workspace integration tests share, over :mod:`tests.integrations.provider_suite`: the fixtures of a
Google stub and an engine whose alias points at it, and the checks every Google integration passes the same way (a
Google error names its status and canonical code; a refused token is an auth failure that never shows the token;
an expired OAuth access token is refreshed against the OAuth2 stub before the call)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.engine.oauth_world import oauth_world, sheets_engine
from tests.integrations.provider_suite import AliasedEngine, assert_provider_failure, provider_fixtures
from tests.stubs.google import AUTH_MESSAGE, GOOGLE_TOKEN, GoogleStub
from tests.stubs.oauth2 import OAuth2Stub
from weavz_flow.catalog.catalog import Catalog
from weavz_flow.engine.execute_values import ExecuteRequest
from weavz_flow.engine.store import Store
from weavz_flow.errors import ApiError


def google_fixtures(make: Callable[[], GoogleStub], integration: str, prefix: str) -> tuple[Any, ...]:
    """:func:`provider_fixtures` for a Google stub with the Google token, plus ``google`` (the module's
    :class:`AliasedEngine` after the stub's reset); a test module assigns all four it returns:
    ``provider_server, provider_engine, stub, google = google_fixtures(DriveStub, "google-drive", PREFIX)``."""
    server, engine, stub = provider_fixtures(make, integration, GOOGLE_TOKEN, prefix)

    @pytest.fixture(name="google")
    def google(provider_engine: AliasedEngine, stub: GoogleStub) -> AliasedEngine:
        return provider_engine

    return server, engine, stub, google


def assert_google_failure(error: ApiError, status: int, code: str, message: str, *secrets: str) -> None:
    details = assert_provider_failure(error, status, message, GOOGLE_TOKEN, *secrets)
    assert details["providerCode"] == code


def assert_refused_token(google: AliasedEngine, stub: GoogleStub, prefix: str, action: str,
                         input: dict[str, Any]) -> None:
    """A token Google refuses: 401 UNAUTHENTICATED as ACTION_FAILED, the token nowhere in the error."""
    wrong = "ya29.wrong-token-never-shown-41"
    google.connection("stale", wrong, stub.url + prefix)
    error = google.error(action, input, connection_external_id="stale")
    assert_google_failure(error, 401, "UNAUTHENTICATED", AUTH_MESSAGE, wrong)
    assert stub.last.bearer == wrong


def refreshed_call(store: Store, sdk_catalog: Catalog, oauth2: OAuth2Stub, integration: str, action: str,
                   input: dict[str, Any]) -> Any:
    """``action`` run over an OAUTH2 connection whose access token has expired: the engine refreshes it at the
    OAuth2 stub's token endpoint first, and the call carries the new token."""
    engine = sheets_engine(store, sdk_catalog, integration)
    try:
        world = oauth_world(engine, oauth2, integration)
        old = oauth2.issue()
        world.connection(engine, oauth2, "expired", expires_in=0, tokens=old)
        output = engine.execute(ExecuteRequest(integration_name=integration, action_name=action, input=input,
                                               workspace_id=world.workspace_id, connection_external_id="expired"),
                                world.caller).output
    finally:
        engine.executions.close()
        engine.http.close()
    [refresh] = oauth2.token_requests("refresh_token")
    assert refresh.form["refresh_token"] == old["refresh_token"]
    [sent] = oauth2.api_requests()
    assert sent.bearer != old["access_token"] and oauth2.access_tokens[sent.bearer]
    return output
