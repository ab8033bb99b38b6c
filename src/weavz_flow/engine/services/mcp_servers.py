"""MCP servers (issue 16): a server belongs to a workspace and exposes its integrations as tools to AI agents.

Natural key (workspace, name). A server's explicit tools refine what the workspace's aliases offer
(:mod:`~weavz_flow.engine.services.mcp_tool_checks` holds their rules); its tokens are
:mod:`~weavz_flow.engine.services.mcp_tokens`'s. Only TOOLS mode is served: CODE mode needs a code sandbox, which
weavz-flow does not have yet, and is refused with MCP_MODE_UNSUPPORTED. A workspace-scoped caller sees only the
servers of its workspaces; any other is answered as one that does not exist.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from weavz_flow.engine import tables as t
from weavz_flow.engine.caller import Caller
from weavz_flow.engine.catalog_source import CatalogSource
from weavz_flow.engine.mcp_access import McpAccess, TokenKind
from weavz_flow.engine.models import Page
from weavz_flow.engine.naming import check_name, invalid
from weavz_flow.engine.rows import row_dicts
from weavz_flow.engine.services.api_keys import hash_key
from weavz_flow.engine.services.mcp_tokens import (
    auth_statement,
    authenticate_token,
    bearer_blocked,
    has_bearer,
    new_bearer,
    strict_per_user,
    token_info,
    token_row,
)
from weavz_flow.engine.services.mcp_tool_checks import alias_key, check_tool, duplicate
from weavz_flow.engine.services.scope import allowed_workspaces, conflict_as, not_found, page_bounds, workspace_row
from weavz_flow.engine.stamps import format_time, new_id
from weavz_flow.engine.store import Store
from weavz_flow.engine.tables import AnyRow
from weavz_flow.errors import ApiError, ErrorCode
from weavz_flow.size_limits import DEFAULT_SIZE_LIMITS, SizeLimits, check_json_size
from weavz_flow.wire.mcp import (
    McpServer,
    McpServerCreate,
    McpServerUpdate,
    McpTokenCreate,
    McpTokenInfo,
    McpTool,
    McpToolCreate,
    McpToolUpdate,
)
from weavz_flow.wire.vocabulary import McpMode

_s = t.mcp_servers
_tools = t.mcp_tools
_tok = t.mcp_tokens
_eu = t.end_users

_SERVER_COLUMNS = tuple(c.name for c in _s.c if c.name != "bearer_hash")
_TOOL_COLUMNS = tuple(c.name for c in _tools.c if c.name != "alias_key")
_TOOL_ORDER = (_tools.c.server_id, _tools.c.sort_order, _tools.c.created_at, _tools.c.id)


def server_model(row: AnyRow | dict[str, Any]) -> McpServer:
    data = row if isinstance(row, dict) else row._mapping
    return McpServer.model_validate({k: data[k] for k in _SERVER_COLUMNS})


def tool_model(row: AnyRow | dict[str, Any]) -> McpTool:
    data = row if isinstance(row, dict) else row._mapping
    return McpTool.model_validate({k: data[k] for k in _TOOL_COLUMNS})


class McpServerService:
    """``clock`` gives the time that token expiry is reckoned by (tests set it)."""

    def __init__(
        self, store: Store, source: CatalogSource, limits: SizeLimits = DEFAULT_SIZE_LIMITS, *,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self._store = store
        self._source = source
        self._limits = limits
        self.clock: Callable[[], datetime] = clock if clock is not None else (lambda: datetime.now(UTC))
        self._auth: sa.Select[tuple[object, ...]] | None = None

    # -- servers --------------------------------------------------------------------------------------------------

    def create(self, caller: Caller, request: McpServerCreate) -> tuple[McpServer, str | None]:
        """The new server and, for the bearer modes, its static bearer: shown this once, stored as a sha256."""
        check_name("name", request.name)
        _check_mode(request.mode)
        settings = self._check_json("settings", request.settings)
        bearer = new_bearer() if has_bearer(request.auth_mode) else None
        now = self._now()
        row = {
            "id": new_id(), "org_id": caller.org_id, "workspace_id": request.workspace_id, "name": request.name,
            "description": request.description, "mode": str(request.mode), "auth_mode": str(request.auth_mode),
            "settings": settings, "end_user_access": request.end_user_access, "end_user_id": request.end_user_id,
            "created_by": request.created_by, "suspended": False,
            "bearer_hash": hash_key(bearer) if bearer is not None else None, "created_at": now, "updated_at": now,
        }
        with _name_conflict(request.name), self._store.write() as conn:
            workspace_row(conn, caller, request.workspace_id)
            if request.end_user_id is not None:
                _end_user(conn, request.workspace_id, request.end_user_id)
            if bearer is not None and request.end_user_id is None:
                self._check_bearer_allowed(conn, request.workspace_id)
            _check_name_free(conn, request.workspace_id, request.name)
            conn.execute(sa.insert(_s).values(row))
        return server_model(row), bearer

    def list_page(
        self, caller: Caller, *, workspace_id: str | None = None, limit: int | None = None,
        offset: int | None = None, include_suspended: bool = False,
    ) -> Page[McpServer]:
        limit, offset = page_bounds(limit, offset, maximum=1000)
        where: list[Any] = [_s.c.org_id == caller.org_id]
        if not include_suspended:
            where.append(_s.c.suspended == sa.false())
        with self._store.read() as conn:
            if workspace_id is not None:
                workspace_row(conn, caller, workspace_id)
                where.append(_s.c.workspace_id == workspace_id)
            elif caller.workspace_ids is not None:
                where.append(_s.c.workspace_id.in_(sorted(caller.workspace_ids)))
            total = conn.execute(sa.select(sa.func.count()).select_from(_s).where(*where)).scalar_one()
            rows = conn.execute(
                sa.select(_s).where(*where).order_by(_s.c.created_at, _s.c.id).limit(limit).offset(offset)
            ).all()
        return Page([server_model(r) for r in rows], total)

    def list_many(self, caller: Caller, workspace_ids: Iterable[str]) -> list[McpServer]:
        """The servers of several workspaces in one query (for plan), suspended ones included."""
        ids = allowed_workspaces(caller, workspace_ids)
        if not ids:
            return []
        with self._store.read() as conn:
            rows = row_dicts(conn.execute(
                sa.select(_s).where(_s.c.org_id == caller.org_id, _s.c.workspace_id.in_(ids))
                .order_by(_s.c.workspace_id, _s.c.name)
            ))
        return [server_model(r) for r in rows]

    def get(self, caller: Caller, server_id: str) -> McpServer:
        with self._store.read() as conn:
            return server_model(self._row(conn, caller, server_id))

    def update(self, caller: Caller, server_id: str, request: McpServerUpdate) -> McpServer:
        """A PATCH. Leaving the bearer modes forgets the static bearer; entering one makes none: the new bearer
        comes from :meth:`regenerate_bearer`, the one answer that shows it."""
        fields = request.model_fields_set
        if not fields:
            raise ApiError(ErrorCode.NO_UPDATES, "Nothing to update")
        for field in ("name", "mode", "auth_mode", "settings"):
            if field in fields and getattr(request, field) is None:
                raise invalid(_camel(field), f"{_camel(field)} cannot be cleared")
        changes: dict[str, Any] = request.model_dump(include=fields)
        if "name" in changes:
            check_name("name", changes["name"])
        if "mode" in changes:
            _check_mode(McpMode(changes["mode"]))
        if "settings" in changes:
            changes["settings"] = self._check_json("settings", changes["settings"])
        with _name_conflict(request.name or ""), self._store.write() as conn:
            current = self._row(conn, caller, server_id)
            if changes.get("name", current.name) != current.name:
                _check_name_free(conn, current.workspace_id, changes["name"])
            if changes.get("end_user_id") is not None:
                _end_user(conn, current.workspace_id, changes["end_user_id"])
            auth_mode = changes.get("auth_mode", current.auth_mode)
            end_user_id = changes.get("end_user_id", current.end_user_id)
            if not has_bearer(auth_mode):
                changes["bearer_hash"] = None
            elif end_user_id is None and {"auth_mode", "end_user_id"} & changes.keys():
                self._check_bearer_allowed(conn, current.workspace_id)
            changes = {k: str(v) if k in ("mode", "auth_mode") else v for k, v in changes.items()}
            changes["updated_at"] = self._now()
            conn.execute(sa.update(_s).where(_s.c.id == server_id).values(changes))
            return server_model(self._row(conn, caller, server_id))

    def delete(self, caller: Caller, server_id: str) -> None:
        """Deletes the server with its tools and tokens."""
        with self._store.write() as conn:
            self._row(conn, caller, server_id)
            conn.execute(sa.delete(_s).where(_s.c.id == server_id))

    # -- tools ----------------------------------------------------------------------------------------------------

    def tools(self, caller: Caller, server_id: str) -> list[McpTool]:
        with self._store.read() as conn:
            self._row(conn, caller, server_id)
            rows = conn.execute(sa.select(_tools).where(_tools.c.server_id == server_id).order_by(*_TOOL_ORDER)).all()
        return [tool_model(r) for r in rows]

    def tools_many(self, caller: Caller, server_ids: Iterable[str]) -> dict[str, list[McpTool]]:
        """The tools of several servers in one query (for plan): every server the caller may see among
        ``server_ids`` is a key, with its tools in order (an empty list for none)."""
        ids = sorted(set(server_ids))
        if not ids:
            return {}
        with self._store.read() as conn:
            rows = row_dicts(conn.execute(
                sa.select(_s.c.id.label("owner_id"), _s.c.workspace_id.label("owner_workspace_id"), _tools)
                .select_from(_s.outerjoin(_tools, _tools.c.server_id == _s.c.id))
                .where(_s.c.org_id == caller.org_id, _s.c.id.in_(ids))
                .order_by(_s.c.id, _tools.c.sort_order, _tools.c.created_at, _tools.c.id)
            ))
        found: dict[str, list[McpTool]] = {}
        for row in rows:
            if not caller.may_access(row["owner_workspace_id"]):
                continue
            tools = found.setdefault(row["owner_id"], [])
            if row["id"] is not None:
                tools.append(tool_model(row))
        return found

    def add_tool(self, caller: Caller, server_id: str, request: McpToolCreate) -> McpTool:
        self._source.catalog().action(request.integration_name, request.action_name)  # 404s as execute's
        input_defaults = self._check_json("inputDefaults", request.input_defaults)
        now = self._now()
        row = {
            "id": new_id(), "server_id": server_id, "tool_type": str(request.tool_type),
            "integration_name": request.integration_name, "action_name": request.action_name,
            "integration_alias": request.integration_alias, "alias_key": alias_key(request.integration_alias),
            "connection_id": request.connection_id, "display_name": request.display_name,
            "description": request.description, "input_defaults": input_defaults,
            "partial_ids": list(dict.fromkeys(request.partial_ids)), "sort_order": request.sort_order,
            "created_at": now, "updated_at": now,
        }
        with self._tool_conflict(request.integration_name, request.action_name, request.integration_alias), \
                self._store.write() as conn:
            server = self._row(conn, caller, server_id)
            check_tool(conn, caller, server, integration_name=request.integration_name,
                       action_name=request.action_name, alias=request.integration_alias,
                       connection_id=request.connection_id, partial_ids=row["partial_ids"])
            conn.execute(sa.insert(_tools).values(row))
        return tool_model(row)

    def update_tool(self, caller: Caller, server_id: str, tool_id: str, request: McpToolUpdate) -> McpTool:
        """A PATCH: an explicit null clears ``displayName``, ``description``, ``connectionId`` and
        ``integrationAlias``, empties ``inputDefaults`` and ``partialIds`` and puts ``sortOrder`` back to 0."""
        fields = request.model_fields_set
        if not fields:
            raise ApiError(ErrorCode.NO_UPDATES, "Nothing to update")
        changes: dict[str, Any] = request.model_dump(include=fields)
        if "input_defaults" in changes:
            changes["input_defaults"] = self._check_json("inputDefaults", changes["input_defaults"] or {})
        if "partial_ids" in changes:
            changes["partial_ids"] = list(dict.fromkeys(changes["partial_ids"] or []))
        if "sort_order" in changes:
            changes["sort_order"] = changes["sort_order"] or 0
        with self._store.write() as conn:
            server = self._row(conn, caller, server_id)
            current = self._tool_row(conn, server_id, tool_id)
            alias = changes.get("integration_alias", current.integration_alias)
            with self._tool_conflict(current.integration_name, current.action_name, alias):
                check_tool(conn, caller, server, integration_name=current.integration_name,
                           action_name=current.action_name, alias=alias,
                           connection_id=changes.get("connection_id", current.connection_id),
                           partial_ids=changes.get("partial_ids", current.partial_ids), tool_id=tool_id)
                changes["alias_key"] = alias_key(alias)
                changes["updated_at"] = self._now()
                conn.execute(sa.update(_tools).where(_tools.c.id == tool_id).values(changes))
            return tool_model(self._tool_row(conn, server_id, tool_id))

    def delete_tool(self, caller: Caller, server_id: str, tool_id: str) -> None:
        with self._store.write() as conn:
            self._row(conn, caller, server_id)
            self._tool_row(conn, server_id, tool_id)
            conn.execute(sa.delete(_tools).where(_tools.c.id == tool_id))

    # -- tokens ---------------------------------------------------------------------------------------------------

    def regenerate_bearer(self, caller: Caller, server_id: str) -> str:
        """A new static bearer, which replaces the old one at once (409 MCP_BEARER_DISABLED when the server's
        auth mode has none)."""
        bearer = new_bearer()
        with self._store.write() as conn:
            server = self._row(conn, caller, server_id)
            if not has_bearer(server.auth_mode):
                raise ApiError(ErrorCode.MCP_BEARER_DISABLED,
                               f"This server's authMode is '{server.auth_mode}', which has no static bearer; "
                               "change it to 'bearer' or 'oauth_and_bearer' first",
                               details={"authMode": server.auth_mode})
            if server.end_user_id is None:
                self._check_bearer_allowed(conn, server.workspace_id)
            conn.execute(sa.update(_s).where(_s.c.id == server_id)
                         .values(bearer_hash=hash_key(bearer), updated_at=self._now()))
        return bearer

    def mint_token(
        self, caller: Caller, server_id: str, request: McpTokenCreate, *, oauth: bool
    ) -> tuple[str, McpTokenInfo]:
        """A token for one end user of the server's workspace (its external id): a per-end-user bearer ``mcp_``
        (``/access-tokens``) or, with ``oauth``, an OAuth access token ``mcpo_`` (``/oauth-tokens``). The value is
        shown this once; the store keeps its sha256."""
        kind = TokenKind.OAUTH if oauth else TokenKind.BEARER
        with self._store.write() as conn:
            server = self._row(conn, caller, server_id)
            end_user = _end_user(conn, server.workspace_id, request.end_user_id)
            plain, row = token_row(server_id, end_user, request, kind, self.clock())
            conn.execute(sa.insert(_tok).values(row))
        return plain, token_info(row)

    def list_tokens(self, caller: Caller, server_id: str) -> list[McpTokenInfo]:
        """The server's per-end-user tokens, newest first, without their values (our extension:
        ``GET /api/v1/mcp/servers/{id}/access-tokens``; Weavz has no such listing)."""
        with self._store.read() as conn:
            self._row(conn, caller, server_id)
            rows = conn.execute(
                sa.select(_tok).where(_tok.c.server_id == server_id).order_by(_tok.c.created_at.desc(), _tok.c.id)
            ).all()
        return [token_info(r) for r in rows]

    def revoke_token(self, caller: Caller, server_id: str, token_id: str) -> None:
        """Revokes one per-end-user token at once (our extension: ``DELETE .../access-tokens/{tokenId}``, for
        tokens of both kinds). Revoking a revoked token changes nothing."""
        with self._store.write() as conn:
            self._row(conn, caller, server_id)
            found = conn.execute(
                sa.select(_tok.c.revoked_at).where(_tok.c.id == token_id, _tok.c.server_id == server_id)
            ).first()
            if found is None:
                raise not_found("MCP token", token_id, ErrorCode.MCP_TOKEN_NOT_FOUND)
            if found.revoked_at is None:
                conn.execute(sa.update(_tok).where(_tok.c.id == token_id).values(revoked_at=self._now()))

    def authenticate(self, server_id: str, plain_token: str) -> McpAccess:
        """What ``plain_token`` grants on the server: no caller, the token is the credential. 401 INVALID_TOKEN for
        a wrong, unknown or wrong-kind token or another server's, 401 MCP_TOKEN_EXPIRED / MCP_TOKEN_REVOKED /
        MCP_SERVER_SUSPENDED, 403 MCP_BEARER_BLOCKS_PER_USER for a static bearer that no call could use. One
        indexed query, no write."""
        if self._auth is None:
            self._auth = auth_statement(self._no_connection_needed())
        return authenticate_token(self._store, self._auth, server_id, plain_token, now=self.clock, model=server_model)

    # -- helpers --------------------------------------------------------------------------------------------------

    def _now(self) -> str:
        return format_time(self.clock())

    def _check_json(self, field: str, value: Any) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise invalid(field, f"{field} must be an object")
        check_json_size(value, field, self._limits.metadata_bytes)
        return value

    def _check_bearer_allowed(self, conn: sa.Connection, workspace_id: str) -> None:
        if conn.execute(sa.select(strict_per_user(workspace_id, self._no_connection_needed()))).scalar():
            raise bearer_blocked(workspace_id)

    def _no_connection_needed(self) -> list[str]:
        """The catalog's integrations that take no credentials: a per_user alias of one needs no end user."""
        return [i.name for i in self._source.catalog() if not i.needs_connection]

    def _tool_conflict(self, integration_name: str, action_name: str, alias: str | None) -> Any:
        error = duplicate(integration_name, action_name, alias)
        return conflict_as(error.code, error.message, error.details)

    @staticmethod
    def _row(conn: sa.Connection, caller: Caller, server_id: str) -> AnyRow:
        row = conn.execute(sa.select(_s).where(_s.c.id == server_id, _s.c.org_id == caller.org_id)).first()
        if row is None or not caller.may_access(row.workspace_id):  # out of scope: as if it did not exist
            raise not_found("MCP server", server_id, ErrorCode.MCP_SERVER_NOT_FOUND)
        return row

    @staticmethod
    def _tool_row(conn: sa.Connection, server_id: str, tool_id: str) -> AnyRow:
        row = conn.execute(sa.select(_tools).where(_tools.c.id == tool_id, _tools.c.server_id == server_id)).first()
        if row is None:
            raise not_found("MCP tool", tool_id, ErrorCode.MCP_TOOL_NOT_FOUND)
        return row


def _check_mode(mode: McpMode) -> None:
    if mode == McpMode.CODE:
        raise ApiError(ErrorCode.MCP_MODE_UNSUPPORTED,
                       "mode CODE (weavz_search, weavz_read_api, weavz_execute) needs a code sandbox, which "
                       "weavz-flow does not support yet; use mode TOOLS",
                       details={"mode": str(mode), "supported": [str(McpMode.TOOLS)]})


def _end_user(conn: sa.Connection, workspace_id: str, external_id: str) -> AnyRow:
    row = conn.execute(sa.select(_eu.c.id, _eu.c.external_id).where(
        _eu.c.workspace_id == workspace_id, _eu.c.external_id == external_id)).first()
    if row is None:
        raise ApiError(ErrorCode.END_USER_NOT_FOUND, f"End user '{external_id}' not found in this workspace",
                       details={"endUserId": external_id})
    return row


def _name_taken(name: str) -> ApiError:
    return ApiError(ErrorCode.DUPLICATE, f"An MCP server named '{name}' already exists in this workspace",
                    details={"name": name}, status=409)


def _name_conflict(name: str) -> Any:
    taken = _name_taken(name)
    return conflict_as(taken.code, taken.message, taken.details)


def _check_name_free(conn: sa.Connection, workspace_id: str, name: str) -> None:
    if conn.execute(sa.select(_s.c.id).where(_s.c.workspace_id == workspace_id, _s.c.name == name)).first():
        raise _name_taken(name)


def _camel(field: str) -> str:
    head, *rest = field.split("_")
    return head + "".join(p.title() for p in rest)
