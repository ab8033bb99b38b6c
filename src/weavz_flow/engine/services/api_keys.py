"""API keys: ``wvz_`` + random, shown once, stored as sha256; optional expiry and workspace scope."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from weavz_flow.engine import tables as t
from weavz_flow.engine.caller import Caller
from weavz_flow.engine.config_cache import ConfigCache, current_config_version, read_config_version
from weavz_flow.engine.inputs import ApiKeyCreate
from weavz_flow.engine.models import ApiKey, CreatedApiKey, Page
from weavz_flow.engine.naming import check_name, invalid
from weavz_flow.engine.services.scope import not_found
from weavz_flow.engine.stamps import ago, format_time, new_id, parse_time, utc_now
from weavz_flow.engine.store import Store
from weavz_flow.errors import ApiError, ErrorCode
from weavz_flow.sensitive import Sensitive

KEY_PREFIX = "wvz_"
# last_used_at is advisory; writing it at most this often keeps authentication a read on the hot path.
_LAST_USED_RESOLUTION_S = 60.0


def hash_key(plain: str) -> str:
    return hashlib.sha256(plain.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class _KnownKey:
    """What authentication needs of a key's row, cached for one config version."""

    caller: Caller
    expires_at: str | None
    last_used_at: str | None


class ApiKeyService:
    def __init__(self, store: Store) -> None:
        self._store = store
        # Keys by hash, valid for one config version: every write that changes what a key may do (create, delete,
        # expiry, permissions; revision 0026) or removes its organization bumps the version, in any process, so a
        # revoked key is refused at the next request of every process. Only keys found are kept.
        self._known: ConfigCache[_KnownKey] = ConfigCache()

    def create(self, caller: Caller, request: ApiKeyCreate) -> CreatedApiKey:
        caller.require_org_wide("Managing API keys")
        return self.create_for_org(caller.org_id, request)

    def create_for_org(self, org_id: str, request: ApiKeyCreate) -> CreatedApiKey:
        """Bootstrap path (service key, local backend): no caller to authorize."""
        check_name("name", request.name)
        permissions = self._check_permissions(org_id, request.permissions)
        plain = KEY_PREFIX + secrets.token_urlsafe(32)
        row = {
            "id": new_id(),
            "org_id": org_id,
            "name": request.name,
            "key_hash": hash_key(plain),
            "key_prefix": plain[:8],
            "permissions": permissions,
            "expires_at": _check_expiry(request.expires_at),
            "last_used_at": None,
            "created_at": utc_now(),
        }
        with self._store.write() as conn:
            if conn.execute(sa.select(t.organizations.c.id).where(t.organizations.c.id == org_id)).first() is None:
                raise not_found("Organization", org_id)
            conn.execute(sa.insert(t.api_keys).values(row))
        return CreatedApiKey(api_key=_model(row), plain_key=Sensitive(plain))

    def list_page(self, caller: Caller) -> Page[ApiKey]:
        caller.require_org_wide("Managing API keys")
        with self._store.read() as conn:
            rows = conn.execute(
                sa.select(t.api_keys).where(t.api_keys.c.org_id == caller.org_id).order_by(t.api_keys.c.created_at)
            ).all()
        items = [_model(r._mapping) for r in rows]
        return Page(items, len(items))

    def delete(self, caller: Caller, key_id: str) -> str:
        caller.require_org_wide("Managing API keys")
        with self._store.write() as conn:
            gone = conn.execute(
                sa.delete(t.api_keys).where(t.api_keys.c.id == key_id, t.api_keys.c.org_id == caller.org_id)
                .returning(t.api_keys.c.id)
            ).first()
        if gone is None:
            raise not_found("API key", key_id)
        return key_id

    def authenticate(self, plain: str) -> Caller:
        """The caller a plain key stands for; 401 UNAUTHORIZED for an unknown, deleted or expired key."""
        if not plain or not plain.startswith(KEY_PREFIX):
            raise _unauthorized()
        digest = hash_key(plain)
        known = self._known.get(digest, current_config_version(self._store))
        if known is None:
            with self._store.read() as conn:
                version = read_config_version(conn)
                row = conn.execute(sa.select(t.api_keys).where(t.api_keys.c.key_hash == digest)).first()
            if row is None:
                raise _unauthorized()
            known = _KnownKey(_caller(row), row.expires_at, row.last_used_at)
            self._known.put(digest, version, known)
        now = utc_now()
        if known.expires_at is not None and known.expires_at <= now:
            raise _unauthorized()
        if known.last_used_at is None or known.last_used_at < ago(_LAST_USED_RESOLUTION_S):
            with self._store.write() as conn:
                conn.execute(sa.update(t.api_keys).where(t.api_keys.c.id == known.caller.api_key_id)
                             .values(last_used_at=now))
            # Not a version change (revision 0026 leaves last_used_at out), so the entry is renewed in place.
            self._known.refresh(digest, _KnownKey(known.caller, known.expires_at, now))
        return known.caller

    def _check_permissions(self, org_id: str, permissions: dict[str, Any] | None) -> dict[str, Any] | None:
        if permissions is None:
            return None
        _check_approvals(permissions.get("approvals"))
        scope = permissions.get("scope")
        if scope == "org":
            if permissions.get("workspaceIds") is not None:
                # Accepting both would make an org-wide key while the answer echoes the ids back as if they applied.
                raise invalid("permissions.workspaceIds", "an org-wide key (scope 'org') takes no workspaceIds; "
                              "use scope 'workspace' to limit it to those workspaces")
            return dict(permissions)
        if scope != "workspace":
            raise invalid("permissions.scope", "permissions.scope must be 'org' or 'workspace'")
        ids = permissions.get("workspaceIds")
        if not isinstance(ids, list) or not ids or not all(isinstance(i, str) for i in ids):
            raise invalid("permissions.workspaceIds", "a workspace-scoped key needs a non-empty list of workspaceIds")
        with self._store.read() as conn:
            found = set(conn.execute(
                sa.select(t.workspaces.c.id).where(t.workspaces.c.org_id == org_id, t.workspaces.c.id.in_(ids))
            ).scalars())
        missing = [i for i in ids if i not in found]
        if missing:
            raise ApiError(ErrorCode.NOT_FOUND, f"Workspace '{missing[0]}' not found", details={"id": missing[0]})
        return dict(permissions)


def _caller(row: Any) -> Caller:
    permissions = row.permissions or {}
    workspace_ids = None
    if permissions.get("scope") == "workspace":
        workspace_ids = frozenset(permissions.get("workspaceIds") or ())
    decide = (permissions.get("approvals") or {}).get("decide") is True
    return Caller(org_id=row.org_id, workspace_ids=workspace_ids, api_key_id=row.id, may_decide_approvals=decide)


def _check_approvals(approvals: Any) -> None:
    """``permissions.approvals`` is absent or ``{decide: bool}``."""
    if approvals is None:
        return
    if not isinstance(approvals, dict) or set(approvals) - {"decide"} or not isinstance(approvals.get("decide", False),
                                                                                            bool):
        raise invalid("permissions.approvals", "permissions.approvals must be {\"decide\": true} or "
                      "{\"decide\": false}")


def _check_expiry(expires_at: str | None) -> str | None:
    """The expiry as stored; 400 for a text that is not an ISO 8601 time or a time already past."""
    if expires_at is None:
        return None
    try:
        moment = parse_time(expires_at)
    except (TypeError, ValueError):
        raise invalid("expiresAt", "expiresAt must be an ISO 8601 time, e.g. 2030-01-31T00:00:00Z") from None
    stored = format_time(moment)
    if stored <= utc_now():
        raise invalid("expiresAt", f"expiresAt {expires_at} is in the past; a key must expire in the future")
    return stored


def _model(row: Any) -> ApiKey:
    return ApiKey.model_validate({k: v for k, v in dict(row).items() if k != "key_hash"})


def _unauthorized() -> ApiError:
    return ApiError(ErrorCode.UNAUTHORIZED, "Invalid or expired API key")
