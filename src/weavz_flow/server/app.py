"""The app factory: the Weavz-compatible REST API over one engine."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.openapi.utils import get_openapi

from weavz_flow.engine.approval_sweep import ApprovalSweeper
from weavz_flow.engine.engine import Engine
from weavz_flow.engine.periodic_sweep import PeriodicSweep
from weavz_flow.engine.trigger_sweep import TriggerSweeper
from weavz_flow.server.access_log import AccessLogMiddleware
from weavz_flow.server.auth_failures import AuthFailureLimiter
from weavz_flow.server.errors import install_error_handlers
from weavz_flow.server.execute_lanes import ExecuteLanes
from weavz_flow.server.mcp.http_endpoint import McpHttpEndpoint
from weavz_flow.server.request_guard import RequestGuardMiddleware
from weavz_flow.server.routes import (
    actions,
    api_keys,
    approval_pages,
    approval_policies,
    approvals,
    connect,
    connect_pages,
    connections,
    end_user_portal,
    end_users,
    file_downloads,
    health,
    integrations,
    mcp_servers,
    oauth_apps,
    oauth_connect,
    orgs,
    page_assets,
    partials,
    portal_pages,
    triggers,
    workspace_integrations,
    workspaces,
)
from weavz_flow.server.settings import ServerSettings
from weavz_flow.server.unit_of_work import UnitOfWorkMiddleware
from weavz_flow.size_limits import SizeLimits

ROUTERS = (
    health.router,
    actions.router,
    oauth_apps.router,  # before integrations: /integrations/oauth-status is not an integration's name
    integrations.router,
    workspaces.router,
    workspace_integrations.router,
    connections.router,
    end_users.router,
    end_user_portal.router,
    partials.router,
    mcp_servers.router,
    approval_policies.router,
    approvals.router,
    triggers.router,
    triggers.webhooks,
    api_keys.router,
    orgs.router,
    page_assets.router,
    connect.router,
    connect_pages.router,
    portal_pages.router,
    approval_pages.router,
    oauth_connect.router,
    file_downloads.router,
)


def create_app(
    engine: Engine,
    settings: ServerSettings | None = None,
    *,
    on_shutdown: Callable[[], None] | None = None,
) -> FastAPI:
    """The API over ``engine``. The caller owns the engine; ``on_shutdown`` runs when the server stops. With
    ``settings.approval_sweep_s``, approval timeouts and webhook deliveries run in the background while it serves;
    with ``settings.trigger_sweep_s``, trigger polls and callback deliveries."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        sweepers: list[PeriodicSweep] = []
        try:
            async with mcp.running():
                settings = app.state.settings
                if settings.approval_sweep_s is not None:
                    sweepers.append(ApprovalSweeper(engine.approvals, engine.approval_webhooks,
                                                    settings.approval_sweep_s).start())
                if settings.trigger_sweep_s is not None:
                    sweepers.append(TriggerSweeper(engine.triggers, settings.trigger_sweep_s).start())
                yield
        finally:
            for sweeper in sweepers:
                await asyncio.to_thread(sweeper.stop)  # the round in progress ends first
            if on_shutdown is not None:
                on_shutdown()

    app = FastAPI(
        title="weavz-flow",
        summary="A self-hosted, Weavz-compatible unified action API",
        version="0.1.0",
        lifespan=lifespan,
    )
    app.state.engine = engine
    app.state.settings = settings if settings is not None else ServerSettings.from_env()
    app.state.auth_failures = AuthFailureLimiter(app.state.settings.auth_failures)
    app.state.lanes = ExecuteLanes.for_store(engine.store.dialect, app.state.settings.store_local_threads)
    install_error_handlers(app)
    for router in ROUTERS:
        app.include_router(router)
    mcp = McpHttpEndpoint(engine, app.state.auth_failures, app.state.lanes, stateless=app.state.settings.mcp_stateless)
    mcp.mount(app)
    app.add_middleware(UnitOfWorkMiddleware, store=engine.store)  # innermost: sees the status of every response
    app.add_middleware(RequestGuardMiddleware, limits=engine.size_limits)
    app.add_middleware(AccessLogMiddleware)  # added last: outermost, so it logs guarded requests too
    app.openapi = lambda: _openapi_without_422(app, engine.size_limits)  # type: ignore[method-assign]
    return app


# Routers whose routes read their own body (server/json_body.py), each with its documentation twin: the same
# operations declared with their bodies, which OpenAPI shows in their place.
_DOCUMENTATION_TWINS: tuple[APIRouter, ...] = (actions.documentation,)


def _with_twins(schema: dict[str, Any], app: FastAPI) -> None:
    """Each twin's operations in the place of the served ones, and the schemas they refer to."""
    twins = FastAPI()
    for router in _DOCUMENTATION_TWINS:
        twins.include_router(router)
    documented = get_openapi(title=app.title, version=app.version, routes=twins.routes)
    schema["paths"].update(documented["paths"])
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for name, model in documented.get("components", {}).get("schemas", {}).items():
        if components.setdefault(name, model) != model:
            raise RuntimeError(f"OpenAPI: the documentation twins and the app describe {name} differently")


def _openapi_without_422(app: FastAPI, limits: SizeLimits) -> dict[str, Any]:
    """FastAPI documents a 422 on every route; we answer request validation with 400 VALIDATION_ERROR instead
    (documented through ``error_responses``), so the 422 entries would only mislead clients and contract tests."""
    if app.openapi_schema is None:
        schema = get_openapi(title=app.title, version=app.version, summary=app.summary, routes=app.routes)
        _with_twins(schema, app)
        for path in schema.get("paths", {}).values():
            for operation in path.values():
                operation.get("responses", {}).pop("422", None)
        for name in ("HTTPValidationError", "ValidationError"):
            schema.get("components", {}).get("schemas", {}).pop(name, None)
        # The size limits this server enforces (400/413 beyond), as configured: they bound bytes of JSON, which a
        # JSON Schema maxLength cannot say.
        schema["info"]["x-weavz-size-limits"] = asdict(limits)
        app.openapi_schema = schema
    return app.openapi_schema
