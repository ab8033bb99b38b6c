"""The MCP server itself, transport-free: ``tools/list`` is the tool view, ``tools/call`` is ``Engine.execute``.

One :class:`mcp.server.lowlevel.Server` serves every MCP server of the store: ``access_of`` tells each handler which
server and which end user a request is for (from the HTTP request the token was checked on, or the one identity a
stdio process was started with). A call is the execute ``POST /api/v1/actions/execute`` would make, with source
``mcp_tools``: the tool's alias and action, its ``partialIds`` (else the alias's default partials), its
``inputDefaults`` under the agent's arguments, its pinned connection if it has one, and the token's end user as
``endUserId``; so resolution, partial merge
and enforcement, idempotency and the execution record are the pipeline's. A refusal or a provider failure is a tool
result with ``isError: true`` carrying the Weavz code and message (already redacted by the pipeline), never a
protocol error: the agent sees it and can correct itself. An unknown tool name is a protocol error (INVALID_PARAMS),
as the MCP specification asks.

Idempotency: MCP has no idempotency key of its own; an agent (or the client under it) may send one in the request's
``_meta`` as ``weavz.io/idempotencyKey``, with exactly the meaning of execute's ``idempotencyKey``.
"""

from __future__ import annotations

import json
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any

import anyio.to_thread
import mcp_types as types
from mcp.server.context import CallNext, HandlerResult, ServerRequestContext
from mcp.server.lowlevel.server import NotificationOptions, Server
from mcp.server.models import InitializationOptions
from mcp.shared.exceptions import MCPError
from mcp_types.methods import serialize_server_result, validate_client_request
from mcp_types.version import MODERN_PROTOCOL_VERSIONS
from pydantic import ValidationError
from starlette.requests import Request

from weavz_flow.catalog.sdk_version import installed_version
from weavz_flow.engine.engine import Engine
from weavz_flow.engine.execute_values import ExecuteRequest, ExecuteResult
from weavz_flow.engine.gates.pending import ApprovalRequiredError
from weavz_flow.engine.mcp_access import McpAccess
from weavz_flow.errors import ApiError, ErrorCode
from weavz_flow.server.execute_lanes import ExecuteLanes
from weavz_flow.server.mcp.list_changed import ListChangedWatcher
from weavz_flow.server.mcp.tool_source import ToolSource
from weavz_flow.server.mcp.tool_view import ToolSpec, ToolView
from weavz_flow.server.routes.approval_pages import review_url
from weavz_flow.wire.approvals import ApprovalRequired, PendingApproval
from weavz_flow.wire.vocabulary import ExecuteSource

log = logging.getLogger("weavz_flow.server.mcp")

TOOLS_SCOPE = "mcp:tools"
IDEMPOTENCY_META_KEY = "weavz.io/idempotencyKey"
_CACHED_ANSWERS = 256  # (view, protocol version) pairs: a few per server

AccessOf = Callable[[ServerRequestContext[Any, Any]], McpAccess]


class _ToolsServer(Server[Any]):
    """Announces ``tools.listChanged`` where it is sent: the transports build the initialize answer from these
    options."""

    list_changed = True

    def create_initialization_options(
        self, notification_options: NotificationOptions | None = None,
        experimental_capabilities: dict[str, dict[str, Any]] | None = None,
        extensions: dict[str, dict[str, Any]] | None = None,
    ) -> InitializationOptions:
        return super().create_initialization_options(
            notification_options or NotificationOptions(tools_changed=self.list_changed), experimental_capabilities,
            extensions)


def build_server(engine: Engine, tools: ToolSource, access_of: AccessOf, watcher: ListChangedWatcher,
                 lanes: ExecuteLanes, *, list_changed: bool = True) -> Server[Any]:
    async def listed_view(ctx: ServerRequestContext[Any, Any]) -> ToolView | None:
        """The view a tools/list answers (None: the token may not list tools), remembered for list_changed."""
        access = access_of(ctx)
        if TOOLS_SCOPE not in access.scopes:
            return None
        fingerprint, view = await anyio.to_thread.run_sync(tools.current, access)
        watcher.listed(ctx, access, fingerprint)
        return view

    async def list_tools(ctx: ServerRequestContext[Any, Any], params: types.PaginatedRequestParams) -> HandlerResult:
        view = await listed_view(ctx)
        return dict(view.answer) if view is not None else types.ListToolsResult(tools=[])

    async def call_tool(
        ctx: ServerRequestContext[Any, Any], params: types.CallToolRequestParams,
    ) -> types.CallToolResult:
        access = access_of(ctx)
        if TOOLS_SCOPE not in access.scopes:
            return error_result(ApiError(ErrorCode.FORBIDDEN, f"This token does not carry the {TOOLS_SCOPE} scope"))
        view = await anyio.to_thread.run_sync(tools.view, access)
        spec = view.by_name.get(params.name)
        if spec is None:
            raise MCPError(types.INVALID_PARAMS, f"Unknown tool: {params.name[:200]}")
        try:
            request = execute_request(access, spec, params.arguments or {}, _idempotency_key(params))
            result = await lanes.run(spec.integration_name, _execute, engine, access, spec, request)
        except ApprovalRequiredError as pending:
            return pending_result(pending, _hosted_link(engine, ctx, access, pending))
        except ApiError as exc:
            return error_result(exc)
        except Exception:  # a bug must not reach the agent as a traceback, nor end the session
            log.exception("tools/call %s failed unexpectedly", spec.name)
            return error_result(ApiError(ErrorCode.INTERNAL_ERROR, "Internal server error"))
        return success_result(result.output)

    server = _ToolsServer("weavz-flow", version=installed_version("weavz_flow", "weavz-flow") or "",
                          title="weavz-flow", on_call_tool=call_tool)
    server.list_changed = list_changed
    server.add_request_handler("tools/list", types.PaginatedRequestParams, list_tools)
    server.middleware.append(_CachedToolsList(listed_view))
    return server


class _CachedToolsList:
    """``tools/list`` of a handshake-era session answered from the view's wire form as the package's own serializer
    shapes it for the session's protocol version, once per (view, version) instead of once per request: a list of
    500 tools is ~120 kB, and validating and dumping it again on every request cost more than the rest of the request
    together (benchmarks/mcp_overhead.py). What the runner checks before a handler is checked here first (the
    initialize gate, the params against the version's schema), and anything unusual (bad params, no scope, the
    2026-07-28 era, whose answers carry a per-request stamp) takes the package's ordinary path to the handler."""

    def __init__(self, listed_view: Callable[[ServerRequestContext[Any, Any]], Awaitable[ToolView | None]]) -> None:
        self._listed_view = listed_view
        self._answers: OrderedDict[tuple[str, str], dict[str, Any]] = OrderedDict()

    async def __call__(self, ctx: ServerRequestContext[Any, Any], call_next: CallNext) -> HandlerResult:
        version = ctx.protocol_version
        if (ctx.method != "tools/list" or ctx.request_id is None or version in MODERN_PROTOCOL_VERSIONS
                or ctx.session.client_params is None):
            return await call_next(ctx)
        try:
            validate_client_request("tools/list", version, ctx.params)
        except (ValidationError, KeyError, ValueError):
            return await call_next(ctx)  # the runner answers it as it always does
        view = await self._listed_view(ctx)
        if view is None:
            return await call_next(ctx)
        key = (view.fingerprint, version)
        answer = self._answers.get(key)
        if answer is None:
            answer = self._answers[key] = serialize_server_result("tools/list", version, dict(view.answer))
            while len(self._answers) > _CACHED_ANSWERS:
                self._answers.popitem(last=False)
        return dict(answer)


def execute_request(
    access: McpAccess, spec: ToolSpec, arguments: dict[str, Any], idempotency_key: str | None = None,
) -> ExecuteRequest:
    """The execute a call of ``spec`` makes (a wrong argument type is the pipeline's VALIDATION_ERROR)."""
    return ExecuteRequest.model_validate({
        "integration_name": spec.integration_name,
        "action_name": spec.action_name,
        "workspace_id": access.server.workspace_id,
        "integration_alias": spec.alias,
        "end_user_id": access.end_user_id,
        "partial_ids": list(spec.partial_ids) if spec.partial_ids is not None else None,
        "input": {**spec.input_defaults, **arguments},
        "idempotency_key": idempotency_key,
        "source": ExecuteSource.MCP_TOOLS,
        "mcp_server_id": access.server.id,
    })


def _execute(engine: Engine, access: McpAccess, spec: ToolSpec, request: ExecuteRequest) -> ExecuteResult:
    if spec.connection_id is not None:  # a connection the tool row pins (checked for the workspace when set)
        pinned = engine.connections.get(access.caller, spec.connection_id)
        request = request.model_copy(update={"connection_external_id": pinned.external_id})
    return engine.execute(request, access.caller)


def success_result(output: Any) -> types.CallToolResult:
    text = json.dumps(output, ensure_ascii=False, default=str)
    structured = output if isinstance(output, dict) else {"result": output}
    return types.CallToolResult(content=[types.TextContent(text=text)], structured_content=structured)


def _hosted_link(engine: Engine, ctx: ServerRequestContext[Any, Any], access: McpAccess,
                 pending: ApprovalRequiredError) -> str | None:
    """The approval's hosted page for the agent that asked (None over stdio: no server serves the page there)."""
    request = ctx.request
    if not isinstance(request, Request):
        return None
    token = engine.approval_links.shown(access.caller, [pending.approval], requester=True).get(pending.approval.id)
    return review_url(request, token) if token is not None else None


def pending_result(pending: ApprovalRequiredError, hosted_approval_url: str | None = None) -> types.CallToolResult:
    """A call an approval policy paused: not an error, and not done. The model reads that a person must approve it
    (at ``hosted_approval_url`` when there is one) and that the same call, made again once approved, runs; the
    structured content is execute's 202 body."""
    approval = pending.approval.model_copy(update={"hosted_approval_url": hosted_approval_url})
    link = f" Approval link: {approval.hosted_approval_url}." if approval.hosted_approval_url else ""
    text = (f"Approval pending: this call needs a person's approval before it runs (approval {approval.id}, "
            f"expires {approval.expires_at}).{link} Make the same call again once it is approved; it then runs once.")
    body = ApprovalRequired(approval=PendingApproval.of_approval(approval, pending.idempotency_key))
    return types.CallToolResult(content=[types.TextContent(text=text)],
                                structured_content=body.model_dump(mode="json", exclude_none=True))


def error_result(error: ApiError) -> types.CallToolResult:
    """The Weavz error as a tool result: ``CODE: message`` for the model, the error body as structured content."""
    return types.CallToolResult(
        content=[types.TextContent(text=f"{error.code}: {error.message}")],
        structured_content=error.to_body(),
        is_error=True,
    )


def _idempotency_key(params: types.CallToolRequestParams) -> str | None:
    key = (params.meta or {}).get(IDEMPOTENCY_META_KEY)
    return key if isinstance(key, str) and key else None
