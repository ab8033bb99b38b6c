"""An engine over the real google-sheets native, an OAuth app of the OAuth2 stub, and OAUTH2 connections whose
tokens the stub issued: for the refresh tests, in this process and in others. ``oauth_world`` takes another
integration (one whose API the stub fronts) for the refresh tests of the other Google natives."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.engine.engine_fixtures import TEST_KEY
from tests.stubs import oauth2
from tests.stubs.oauth2 import OAuth2Stub
from weavz_flow.catalog.catalog import Catalog
from weavz_flow.catalog.sdk_cache import load_sdk_catalog
from weavz_flow.engine.caller import Caller
from weavz_flow.engine.credential_cipher import CredentialCipher
from weavz_flow.engine.engine import Engine
from weavz_flow.engine.execute_values import ExecuteRequest
from weavz_flow.engine.inputs import ConnectionCreate, WorkspaceCreate
from weavz_flow.engine.store import Store
from weavz_flow.integrations.registry import NATIVE_INTEGRATIONS
from weavz_flow.wire.oauth import OAuthAppCreate

SHEETS = "google-sheets"
READ = {"spreadsheetId": "sheet-1", "range": "Sheet1!A2:A3"}
READ_VALUES = [["Ada"], ["Bob"]]


def sheets_engine(store: Store, sdk_catalog: Catalog, integration: str = SHEETS) -> Engine:
    native = NATIVE_INTEGRATIONS[integration]
    catalog = Catalog([native.catalog_entry(sdk_catalog.find(integration))])
    return Engine(store, catalog=catalog, natives={integration: native}, cipher=CredentialCipher(TEST_KEY))


@contextmanager
def engine_at(database: str, schema: str | None, cache_dir: Path) -> Iterator[Engine]:
    """An engine of its own over a shared database (another process's view of it)."""
    store = Store(database, schema=schema)
    engine = sheets_engine(store, load_sdk_catalog(cache_dir))
    try:
        yield engine
    finally:
        engine.close()


@dataclass(frozen=True)
class OAuthWorld:
    org_id: str
    workspace_id: str
    app_id: str
    integration: str = SHEETS

    @property
    def caller(self) -> Caller:
        return Caller.system(self.org_id)

    def connection(self, engine: Engine, stub: OAuth2Stub, external_id: str, *, expires_in: int,
                   tokens: dict[str, Any] | None = None) -> str:
        """An OAUTH2 connection with tokens the stub issued, said to expire in ``expires_in`` seconds."""
        tokens = tokens or stub.issue()
        created = engine.connections.create(self.caller, ConnectionCreate(
            type="OAUTH2", external_id=external_id, display_name=external_id, integration_name=self.integration,
            access_token=tokens["access_token"], refresh_token=tokens["refresh_token"], expires_in=expires_in,
            oauth_app_id=self.app_id, base_url=stub.api_url))
        return created.id

    def read(self, engine: Engine, external_id: str) -> Any:
        request = ExecuteRequest(integration_name=SHEETS, action_name="read_range", workspace_id=self.workspace_id,
                                 input=READ, connection_external_id=external_id)
        return engine.execute(request, self.caller).output


def oauth_world(engine: Engine, stub: OAuth2Stub, integration: str = SHEETS) -> OAuthWorld:
    org = engine.orgs.create("acme")
    caller = Caller.system(org.id)
    workspace = engine.workspaces.create(caller, WorkspaceCreate(name="Prod", slug="prod"))
    app = engine.oauth_apps.create(caller, OAuthAppCreate(
        integration_name=integration, client_id=oauth2.CLIENT_ID, client_secret=oauth2.CLIENT_SECRET,  # type: ignore[arg-type]
        authorize_url=stub.authorize_url, token_url=stub.token_url))
    return OAuthWorld(org.id, workspace.id, app.id, integration)
