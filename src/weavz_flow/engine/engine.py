"""The engine: the store, the services over it and the execute pipeline, wired together. Nothing else lives here.

Everything is synchronous; a web server calls it from a thread pool. One :class:`Engine` per store, shared by threads.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import httpx

from weavz_flow.catalog.catalog import Catalog
from weavz_flow.engine.caller import Caller
from weavz_flow.engine.catalog_source import CatalogSource
from weavz_flow.engine.connection_lookup import lookup_connection
from weavz_flow.engine.credential_cipher import KEY_FILE_NAME, CredentialCipher
from weavz_flow.engine.execute import Executor
from weavz_flow.engine.execute_values import ExecuteRequest, ExecuteResult, ResolvedExecution
from weavz_flow.engine.file_links import SignedFileLinks
from weavz_flow.engine.idempotency import DEFAULT_LIMITS, ExecuteLimits
from weavz_flow.engine.models import Connection
from weavz_flow.engine.oauth_flow import OAuthFlow
from weavz_flow.engine.oauth_refresh import TokenRefresher
from weavz_flow.engine.property_options import PropertyOptions
from weavz_flow.engine.services.api_keys import ApiKeyService
from weavz_flow.engine.services.approval_links import ApprovalLinkService
from weavz_flow.engine.services.approval_policies import ApprovalPolicyService
from weavz_flow.engine.services.approval_webhooks import ApprovalWebhookService
from weavz_flow.engine.services.approvals import ApprovalService
from weavz_flow.engine.services.connect_sessions import ConnectSessionService
from weavz_flow.engine.services.connections import ConnectionService
from weavz_flow.engine.services.end_users import EndUserService
from weavz_flow.engine.services.executions import ExecutionLog
from weavz_flow.engine.services.mcp_oauth import McpOAuthService
from weavz_flow.engine.services.mcp_servers import McpServerService
from weavz_flow.engine.services.oauth_apps import OAuthAppService
from weavz_flow.engine.services.orgs import OrganizationService
from weavz_flow.engine.services.partials import PartialService
from weavz_flow.engine.services.portal_tokens import PortalTokenService
from weavz_flow.engine.services.triggers import TriggerService
from weavz_flow.engine.services.workspace_integrations import WorkspaceIntegrationService
from weavz_flow.engine.services.workspaces import WorkspaceService
from weavz_flow.engine.state_store import SqlStateStore
from weavz_flow.engine.store import Store
from weavz_flow.engine.trigger_settings import TriggerSettings
from weavz_flow.integrations.base import NativeIntegration
from weavz_flow.size_limits import DEFAULT_SIZE_LIMITS, SizeLimits

DEFAULT_HTTP_TIMEOUT_S = 30.0


class Engine:
    """Services by object (``engine.workspaces.create(caller, ...)``) plus :meth:`execute` and :meth:`resolve_input`.

    ``catalog`` and ``natives`` default to the full catalog (loaded on first use) and the registry's native
    integrations; tests inject a small catalog and a test integration. The credential key comes from
    ``WEAVZ_FLOW_SECRET_KEY``, else ``key_file``, else ``secret.key`` beside a SQLite database. ``action_timeout_s``
    bounds each network operation of a provider call; ``limits`` bound a whole execute and, from that, when a claim
    on an idempotency key left by a dead process is taken over (see :mod:`weavz_flow.engine.idempotency`);
    ``size_limits`` bound what callers store (kv values, files, metadata, credentials; :mod:`weavz_flow.size_limits`).
    ``public_url`` is where ``serve`` is reached, for the download links actions hand out (:mod:`.file_links`) and
    the webhook URLs of trigger sources; ``trigger_settings`` default to the environment's (:mod:`.trigger_settings`).
    """

    def __init__(
        self,
        store: Store,
        *,
        catalog: Catalog | Callable[[], Catalog] | None = None,
        natives: Mapping[str, NativeIntegration] | None = None,
        cipher: CredentialCipher | None = None,
        key_file: Path | None = None,
        http: httpx.Client | None = None,
        action_timeout_s: float = DEFAULT_HTTP_TIMEOUT_S,
        limits: ExecuteLimits = DEFAULT_LIMITS,
        size_limits: SizeLimits = DEFAULT_SIZE_LIMITS,
        public_url: str | None = None,
        trigger_settings: TriggerSettings | None = None,
    ) -> None:
        self.store = store
        self.size_limits = size_limits
        self.source = CatalogSource(catalog, natives)
        if cipher is None:
            if key_file is None and store.sqlite_path is not None:
                key_file = store.sqlite_path.parent / KEY_FILE_NAME
            cipher = CredentialCipher.from_environment(key_file)
        self._owns_http = http is None
        self.http = http if http is not None else httpx.Client(timeout=action_timeout_s, follow_redirects=False)
        self.state = SqlStateStore(store, size_limits)
        self.orgs = OrganizationService(store)
        self.api_keys = ApiKeyService(store)
        self.workspaces = WorkspaceService(store)
        self.integrations = WorkspaceIntegrationService(store, self.source)
        self.connections = ConnectionService(store, cipher, self.source, size_limits)
        self.end_users = EndUserService(store, size_limits)
        self.oauth_apps = OAuthAppService(store, cipher, self.source, self.connections)
        self.connect_sessions = ConnectSessionService(store, self.connections, self.source, self.oauth_apps)
        self.partials = PartialService(store, self.source)
        self.mcp_servers = McpServerService(store, self.source, size_limits)
        self.portal_tokens = PortalTokenService(store, self.source, self.connect_sessions)
        self.mcp_oauth = McpOAuthService(store, self.mcp_servers, self.portal_tokens)
        self.approval_policies = ApprovalPolicyService(store, cipher)
        self.approvals = ApprovalService(store, cipher)
        self.approval_links = ApprovalLinkService(store, cipher, self.approvals)
        self.approvals.subscribe(self.approval_links.on_event)  # a requested approval gets its link at once
        self.approval_webhooks = ApprovalWebhookService(store, self.approval_policies, self.http)
        self.approvals.subscribe(self.approval_webhooks.enqueue)  # the outbox: written with each transition
        self.executions = ExecutionLog(store)
        self.oauth_tokens = TokenRefresher(store, cipher, self.oauth_apps)
        self.oauth_flow = OAuthFlow(store, cipher, self.oauth_apps, self.connect_sessions)
        self.file_links = SignedFileLinks(cipher, public_url)
        self.triggers = TriggerService(
            store, cipher, self.source, self.connections, self.oauth_tokens, self.state, self.http,
            settings=trigger_settings or TriggerSettings.from_env(), action_timeout_s=action_timeout_s,
            max_execute_s=limits.max_execute_s, file_links=self.file_links, public_url=public_url)
        self._executor = Executor(store, self.source, self.connections, self.executions, self.state, self.http,
                                  self.oauth_tokens, self.approval_policies, self.approvals,
                                  action_timeout_s=action_timeout_s, limits=limits, file_links=self.file_links)

    @classmethod
    def open(cls, database: str | Path | None = None, *, default_path: Path | None = None, **kw: Any) -> Engine:
        """Open (creating and migrating as needed) the store named by ``database`` / the environment / the default."""
        return cls(Store.open(database, default_path=default_path), **kw)

    @property
    def catalog(self) -> Catalog:
        return self.source.catalog()

    def execute(self, request: ExecuteRequest, caller: Caller) -> ExecuteResult:
        """Run an action (steps 1-9); raises :class:`~weavz_flow.errors.ApiError` with the Weavz code and status."""
        return self._executor.execute(request, caller)

    def resolve_input(self, request: ExecuteRequest, caller: Caller) -> ResolvedExecution:
        """Dry run (steps 1-7): final input, enforced keys, the connection that would be used; nothing runs."""
        return self._executor.resolve(request, caller)

    def property_options(
        self, request: ExecuteRequest, caller: Caller, property_name: str, search: str | None = None,
    ) -> PropertyOptions:
        """A property's dynamic options, resolved as an execute of ``request``'s action would be."""
        return self._executor.list_options(request, caller, property_name, search)

    def authenticate(self, plain_key: str) -> Caller:
        return self.api_keys.authenticate(plain_key)

    def resolve_connection(
        self, caller: Caller, *, integration_name: str, workspace_id: str, external_id: str | None = None,
        end_user_id: str | None = None,
    ) -> Connection:
        return lookup_connection(self.store, caller, integration_name=integration_name, workspace_id=workspace_id,
                                 external_id=external_id, end_user_id=end_user_id)

    def close(self) -> None:
        self.executions.close()  # writes the execution records still queued
        if self._owns_http:
            self.http.close()
        self.store.close()

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Engine({self.store!r})"
