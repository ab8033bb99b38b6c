"""``POST /api/v1/connections/resolve``: which connection a workspace would use for an integration.

An ``externalId`` names it directly; otherwise the workspace's alias for the integration decides, with the end
user's own connection first when ``endUserId`` is given (the execute pipeline's step 4 without an action).
"""

from __future__ import annotations

from weavz_flow.engine.caller import Caller
from weavz_flow.engine.models import Connection
from weavz_flow.engine.resolution import Target, pick_workspace_integration, resolve_connection
from weavz_flow.engine.services import connection_rows
from weavz_flow.engine.services.scope import workspace_row
from weavz_flow.engine.store import Store
from weavz_flow.errors import ApiError, ErrorCode


def lookup_connection(
    store: Store, caller: Caller, *, integration_name: str, workspace_id: str, external_id: str | None = None,
    end_user_id: str | None = None,
) -> Connection:
    with store.read() as conn:
        workspace_row(conn, caller, workspace_id)
        # An explicit connection bypasses the workspace's aliases (weavz-api.md §3.1), so several aliases of the
        # integration, which would make alias resolution ambiguous, do not matter here.
        target = Target(None) if external_id is not None else pick_workspace_integration(
            conn, workspace_id, integration_name)
        row = resolve_connection(
            conn, org_id=caller.org_id, workspace_id=workspace_id, integration_name=integration_name,
            needs_connection=True, target=target, connection_external_id=external_id, end_user_id=end_user_id,
        )
    if row is None:  # resolve_connection only answers None when no connection is needed, which we said it is
        raise ApiError(ErrorCode.CONNECTION_NOT_FOUND, f"No connection for '{integration_name}'")
    return connection_rows.model(row)
