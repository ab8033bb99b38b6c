"""An engine that runs real native integrations (from the registry, schemas from the SDK catalog) over a test store:
for tests that execute a native action the way a flow does, with the catalog's input check in front of it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from tests.engine.engine_fixtures import TEST_KEY
from weavz_flow.catalog.catalog import Catalog
from weavz_flow.engine.caller import Caller
from weavz_flow.engine.credential_cipher import CredentialCipher
from weavz_flow.engine.engine import Engine
from weavz_flow.engine.execute_values import ExecuteRequest
from weavz_flow.engine.inputs import ConnectionCreate, WorkspaceCreate, WorkspaceIntegrationCreate
from weavz_flow.engine.store import Store
from weavz_flow.errors import ApiError
from weavz_flow.integrations.registry import NATIVE_INTEGRATIONS
from weavz_flow.size_limits import DEFAULT_SIZE_LIMITS, SizeLimits


class NativeEngine:
    """One organization and workspace on an engine whose catalog and natives are the named registry integrations."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.caller = Caller.system(engine.orgs.create("acme").id)
        self.workspace = engine.workspaces.create(self.caller, WorkspaceCreate(name="Prod", slug="prod"))

    def connection(self, integration: str, external_id: str, token: str, base_url: str) -> str:
        """A SECRET_TEXT connection to ``base_url`` (a stub on 127.0.0.1); returns its external id."""
        self.engine.connections.create(self.caller, ConnectionCreate(
            type="SECRET_TEXT", external_id=external_id, display_name=external_id, integration_name=integration,
            secret_text=token, base_url=base_url))
        return external_id

    def alias(self, integration: str, alias: str, connection_external_id: str) -> str:
        """A workspace integration ``alias`` pinned to the connection (its base URL, a stub); returns the alias."""
        connection = next(c for c in self.engine.connections.list_all(self.caller)
                          if c.external_id == connection_external_id)
        self.engine.integrations.create(self.caller, self.workspace.id, WorkspaceIntegrationCreate(
            integration_name=integration, alias=alias, connection_id=connection.id))
        return alias

    def execute(self, integration: str, action: str, input: dict[str, Any], **request: Any) -> Any:
        """``request`` holds further ExecuteRequest fields (an alias, an end user, another workspace's id)."""
        request.setdefault("workspace_id", self.workspace.id)
        return self.engine.execute(ExecuteRequest(integration_name=integration, action_name=action, input=input,
                                                  **request), self.caller).output

    def error(self, integration: str, action: str, input: dict[str, Any], **request: Any) -> ApiError:
        with pytest.raises(ApiError) as caught:
            self.execute(integration, action, input, **request)
        return caught.value


class ActionCaller:
    """One integration's actions by name through a :class:`NativeEngine`: ``call("action", key=value)``."""

    def __init__(self, engine: NativeEngine, integration: str) -> None:
        self.engine = engine
        self.integration = integration

    def __call__(self, action: str, _request: dict[str, Any] | None = None, **input: Any) -> Any:
        return self.engine.execute(self.integration, action, input, **(_request or {}))

    def error(self, action: str, **input: Any) -> ApiError:
        return self.engine.error(self.integration, action, input)


@contextmanager
def native_engine(
    store: Store, sdk_catalog: Catalog, *names: str, size_limits: SizeLimits = DEFAULT_SIZE_LIMITS,
) -> Iterator[NativeEngine]:
    natives = {name: NATIVE_INTEGRATIONS[name] for name in names}
    catalog = Catalog([native.catalog_entry(sdk_catalog.find(name)) for name, native in natives.items()])
    engine = Engine(store, catalog=catalog, natives=natives, cipher=CredentialCipher(TEST_KEY),
                    size_limits=size_limits)
    try:
        yield NativeEngine(engine)
    finally:
        engine.executions.close()  # write queued records before the store goes away
        engine.http.close()
