"""MCP tokens: the server's static bearer and per-end-user tokens, minted once, stored as sha256, checked per call.

Kinds and prefixes: the static bearer and per-end-user access tokens start with ``mcp_``, OAuth access tokens with
``mcpo_``; a token is only ever accepted as the kind it was minted as. :func:`authenticate_token` is on the hot path
of every MCP request: one indexed query reads the server, the token (by hash, on that server only) and whether the
workspace has a strict ``per_user`` alias, and nothing is written.

Which tokens a server accepts: the static bearer only in the bearer modes (``bearer``, ``oauth_and_bearer``); tokens
minted through the API for a named end user (``/access-tokens``, ``/oauth-tokens``) in every mode, since they carry
that end user. The static bearer carries none (unless the server names an ``endUserId``), so it is refused for a
workspace with a strict ``per_user`` alias of an integration that needs a connection (MCP_BEARER_BLOCKS_PER_USER):
no call through it could resolve a user's connection, and a fallback would hand out someone else's.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable, Collection
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from weavz_flow.engine import tables as t
from weavz_flow.engine.caller import Caller
from weavz_flow.engine.mcp_access import McpAccess, TokenKind
from weavz_flow.engine.naming import Strategy, invalid
from weavz_flow.engine.services.api_keys import hash_key
from weavz_flow.engine.stamps import format_time, new_id
from weavz_flow.engine.store import Store
from weavz_flow.engine.tables import AnyRow
from weavz_flow.errors import ApiError, ErrorCode
from weavz_flow.wire.mcp import McpServer, McpTokenCreate, McpTokenInfo
from weavz_flow.wire.vocabulary import MCP_BEARER_PREFIX, MCP_OAUTH_PREFIX, MCP_SCOPES, McpAuthMode

_s = t.mcp_servers
_tok = t.mcp_tokens
_wi = t.workspace_integrations

BEARER_MODES = frozenset({McpAuthMode.BEARER, McpAuthMode.OAUTH_AND_BEARER})
_TOKEN_TYPES = {TokenKind.BEARER: "mcp_bearer", TokenKind.OAUTH: "mcp_oauth"}


def has_bearer(auth_mode: str) -> bool:
    return auth_mode in BEARER_MODES


def new_bearer() -> str:
    return MCP_BEARER_PREFIX + secrets.token_urlsafe(32)


def strict_per_user(workspace_id: Any, no_connection_needed: Collection[str]) -> sa.Exists:
    """Whether the workspace (a value, or a column of the enclosing query) has a ``per_user`` alias (no fallback)
    of an integration that needs a connection."""
    return sa.exists().where(
        _wi.c.workspace_id == workspace_id,
        _wi.c.connection_strategy == str(Strategy.PER_USER),
        _wi.c.integration_name.not_in(sorted(no_connection_needed)),
    )


def bearer_blocked(workspace_id: str, *, status: int = 409) -> ApiError:
    """409 where a server is given a bearer mode; 403 where a static bearer is presented."""
    return ApiError(
        ErrorCode.MCP_BEARER_BLOCKS_PER_USER,
        "A static bearer carries no end user, and this workspace has integrations with the strict per_user "
        "strategy: use per-end-user tokens (access-tokens, oauth-tokens), give the server an endUserId, or change "
        "those integrations to per_user_with_fallback",
        details={"workspaceId": workspace_id}, status=status,
    )


def check_scopes(scopes: list[str]) -> list[str]:
    unknown = [s for s in scopes if s not in MCP_SCOPES]
    if unknown or not scopes:
        raise invalid("scopes", f"scopes must name at least one of {', '.join(MCP_SCOPES)}"
                      + (f"; unknown: {', '.join(unknown)}" if unknown else ""))
    return list(dict.fromkeys(scopes))


def token_row(
    server_id: str, end_user: AnyRow, request: McpTokenCreate, kind: TokenKind, now: datetime
) -> tuple[str, dict[str, Any]]:
    """A new token's plain value and its row (which holds only the hash)."""
    prefix = MCP_OAUTH_PREFIX if kind == TokenKind.OAUTH else MCP_BEARER_PREFIX
    plain = prefix + secrets.token_urlsafe(32)
    row = {
        "id": new_id(), "server_id": server_id, "token_hash": hash_key(plain), "kind": str(kind),
        "end_user_id": end_user.id, "end_user_external_id": end_user.external_id,
        "scopes": check_scopes(request.scopes), "expires_at": format_time(now + timedelta(seconds=request.expires_in)),
        "revoked_at": None, "created_at": format_time(now),
    }
    return plain, row


def token_info(row: AnyRow | dict[str, Any]) -> McpTokenInfo:
    data = row if isinstance(row, dict) else row._mapping
    kind = TokenKind(data["kind"])
    return McpTokenInfo(
        id=data["id"], end_user_id=data["end_user_external_id"], auth_method=str(kind),
        token_type=_TOKEN_TYPES[kind], scopes=list(data["scopes"]), expires_at=data["expires_at"],
        created_at=data["created_at"], revoked_at=data["revoked_at"],
    )


def auth_statement(no_connection_needed: Collection[str]) -> sa.Select[tuple[object, ...]]:
    """The one statement of every authentication: the server by primary key, its token by unique hash, and whether
    a static bearer is blocked (built once per catalog; parameters ``server_id`` and ``digest``)."""
    return (
        sa.select(
        _s,
            _tok.c.id.label("token_id"), _tok.c.token_hash, _tok.c.kind.label("token_kind"),
            _tok.c.end_user_external_id, _tok.c.scopes.label("token_scopes"),
            _tok.c.expires_at.label("token_expires_at"), _tok.c.revoked_at.label("token_revoked_at"),
            strict_per_user(_s.c.workspace_id, no_connection_needed).label("blocks_bearer"),
        )
        .select_from(_s.outerjoin(_tok, sa.and_(_tok.c.server_id == _s.c.id,
                                                _tok.c.token_hash == sa.bindparam("digest"))))
        .where(_s.c.id == sa.bindparam("server_id"))
    )


def authenticate_token(
    store: Store, statement: sa.Select[tuple[object, ...]], server_id: str, plain: str, *,
    now: Callable[[], datetime], model: Callable[[AnyRow], McpServer],
) -> McpAccess:
    """The access ``plain`` grants to the server (``statement`` is :func:`auth_statement`'s): one statement, in
    autocommit (a lone read needs no transaction, and saves the round trips of one)."""
    if not plain or not (plain.startswith(MCP_BEARER_PREFIX) or plain.startswith(MCP_OAUTH_PREFIX)):
        raise _invalid()
    digest = hash_key(plain)
    row = store.first(statement, {"digest": digest, "server_id": server_id})
    if row is None:
        raise _invalid()  # the same answer as for a wrong token: a token's holder learns nothing of other servers
    oauth = plain.startswith(MCP_OAUTH_PREFIX)
    if row.token_id is not None and hmac.compare_digest(row.token_hash, digest):
        kind = TokenKind(row.token_kind)
        if (kind == TokenKind.OAUTH) != oauth:
            raise _invalid()
        if row.token_revoked_at is not None:
            raise ApiError(ErrorCode.MCP_TOKEN_REVOKED, "This MCP token has been revoked")
        if row.token_expires_at <= format_time(now()):
            raise ApiError(ErrorCode.MCP_TOKEN_EXPIRED, "This MCP token has expired")
        end_user, scopes = row.end_user_external_id, frozenset(row.token_scopes or ())
    elif (not oauth and row.bearer_hash is not None and has_bearer(row.auth_mode)
          and hmac.compare_digest(row.bearer_hash, digest)):
        kind, end_user, scopes = TokenKind.SERVER_BEARER, row.end_user_id, frozenset(MCP_SCOPES)
        if end_user is None and row.blocks_bearer:
            raise bearer_blocked(row.workspace_id, status=403)
    else:
        raise _invalid()
    if row.suspended:
        raise ApiError(ErrorCode.MCP_SERVER_SUSPENDED, "This MCP server is suspended")
    server = model(row)
    caller = Caller(org_id=server.org_id, workspace_ids=frozenset({server.workspace_id}))
    return McpAccess(server=server, caller=caller, end_user_id=end_user, scopes=scopes, token_kind=str(kind))


def _invalid() -> ApiError:
    return ApiError(ErrorCode.INVALID_TOKEN, "Invalid MCP token")
