"""The persistence namespace of the built-ins (kv-store, storage), from the alias's ``settings.persistence``.

* ``end_user`` (the default): one namespace per end user, named by the request's ``endUserId`` (an external id; it
  need not be a registered end user). A request without ``endUserId`` uses the workspace's shared ``anonymous``
  namespace, so that calls without a user still have somewhere to keep state (the Weavz docs leave this open).
* ``workspace``: one namespace for the whole workspace, shared by every alias of every built-in.
* ``external``: the namespace named by ``settings.persistence.externalId`` (a tenant, job or session key),
  within the workspace.

Namespaces never cross workspaces: each starts with ``ws:<workspace id>``.
"""

from __future__ import annotations

from typing import Any

from weavz_flow.engine.naming import PersistenceScope
from weavz_flow.errors import ApiError, ErrorCode

ANONYMOUS = "anonymous"


def persistence_namespace(workspace_id: str, settings: dict[str, Any], end_user_id: str | None) -> str:
    persistence = settings.get("persistence") or {}
    scope = persistence.get("scope") or PersistenceScope.END_USER.value
    base = f"ws:{workspace_id}"
    if scope == PersistenceScope.WORKSPACE:
        return base
    if scope == PersistenceScope.EXTERNAL:
        external = persistence.get("externalId")
        if not external:
            raise ApiError(ErrorCode.VALIDATION_ERROR,
                           "settings.persistence.externalId is required when the persistence scope is external")
        return f"{base}/external:{external}"
    return f"{base}/end_user:{end_user_id if end_user_id else ANONYMOUS}"
