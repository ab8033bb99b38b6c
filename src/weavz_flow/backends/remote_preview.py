"""``--dry-run`` over a Weavz-compatible API: the local engine's steps 2-6 rebuilt client-side, since the API has no
dry-run endpoint.

Alias choice, partial selection and the merge are the engine's own functions (engine/alias_choice.py,
engine/partial_merge.py) over what the documented GETs return: the catalog (given by the caller) for action defaults,
``GET .../integrations`` and ``GET /partials``, and ``POST /connections/resolve`` for the connection. That endpoint
takes no alias, so for an alias other than the one it would pick, the alias's strategy is followed with
``GET /connections?id=`` and the end user's connections. Only a connection's id and externalId are read, never a
secret.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from weavz_flow.backends.execution import ExecuteCall, ExecutePreview
from weavz_flow.backends.live import LiveWorkspace
from weavz_flow.catalog.catalog import Catalog
from weavz_flow.engine.alias_choice import (
    check_enabled,
    choose_alias,
    connection_not_found,
    connection_required,
    end_user_not_found,
    per_user_required,
)
from weavz_flow.engine.applied_partial import enforced_by
from weavz_flow.engine.partial_merge import choose_partials, merge_input
from weavz_flow.engine.stamps import normalize_time
from weavz_flow.errors import ApiError, ErrorCode
from weavz_flow.wire.connections import Connection, ConnectionEnvelope, ConnectionResolve
from weavz_flow.wire.end_users import EndUserList, EndUserWithConnections
from weavz_flow.wire.partials import Partial, PartialList
from weavz_flow.wire.vocabulary import Strategy
from weavz_flow.wire.workspace_integrations import WorkspaceIntegration, WorkspaceIntegrationList

# Answers of POST /connections/resolve that already say what the local engine says for the same situation.
_LOCAL_CONNECTION_ERRORS = frozenset({ErrorCode.CONNECTION_REQUIRED, ErrorCode.CONNECTION_NOT_FOUND,
                                      ErrorCode.END_USER_NOT_FOUND})

Send = Callable[..., Any]  # (model, method, path, *, params=None, json=None) -> the answer read with model; ApiError
Pages = Callable[..., list[Any]]  # (path, list model, params=None) -> every item of a paged list


class RemotePreview:
    """One dry run's reads, through the backend's ``request`` and ``pages`` (so they count as its round trips)."""

    def __init__(self, send: Send, pages: Pages, catalog: Catalog | None) -> None:
        self._send = send
        self._pages = pages
        self._catalog = catalog

    def preview(self, workspace: LiveWorkspace, call: ExecuteCall) -> ExecutePreview:
        """What ``call`` would do in ``workspace``, with the local engine's errors in the engine's order."""
        notes: list[str] = []
        integration, action, defaults, needs_connection = call.integration, call.action, {}, None
        catalog = self._catalog
        if catalog is not None:
            integration_info = catalog.integration(call.integration)  # 2: the engine's 404s
            action_info = catalog.action(call.integration, call.action)
            integration, action = integration_info.name, action_info.name
            defaults, needs_connection = action_info.defaults(), integration_info.needs_connection
        else:
            notes.append("no catalog: action defaults are left out, and the integration and action are not checked")
        listed = self._send(WorkspaceIntegrationList, "GET", f"/api/v1/workspaces/{workspace.id}/integrations")
        aliases: list[WorkspaceIntegration] = listed.items
        target = choose_alias(aliases, integration, integration_alias=call.alias)  # 3
        if target is not None:
            check_enabled(target.alias, target.enabled_actions, action)
        connection = self._preview_connection(workspace, integration, needs_connection, target, aliases, call,
                                              notes)  # 4
        ids = {a.alias: a.id for a in aliases}
        read = self._send(PartialList, "GET", "/api/v1/partials", params={"workspaceId": workspace.id})
        partials = [_selectable(p, ids) for p in read.items]
        selected = choose_partials(partials, alias_id=target.id if target else None,  # 5
                                   alias=target.alias if target else None, action_name=action,
                                   partial_ids=call.partials)
        merged = merge_input(defaults, selected, call.input)  # 6
        return ExecutePreview(
            workspace=call.workspace, integration=integration, action=action,
            alias=target.alias if target else None, final_input=dict(merged.values),
            enforced_keys=merged.enforced_keys, partials=merged.partials,
            connection_external_id=connection.external_id if connection else None,
            connection_id=connection.id if connection else None, end_user=call.end_user, notes=tuple(notes),
            enforced_by=enforced_by(merged.sources, merged.partials), overridden_keys=merged.overridden_keys,
        )

    def _preview_connection(
        self, workspace: LiveWorkspace, integration: str, needs_connection: bool | None,
        target: WorkspaceIntegration | None, aliases: Sequence[WorkspaceIntegration], call: ExecuteCall,
        notes: list[str],
    ) -> Connection | None:
        """The connection as the engine's step 4 picks it: only its id and externalId are read, never a secret."""
        external_id = call.connection_external_id
        if external_id is None and needs_connection is False:
            return None
        if external_id is None and not _resolve_targets(aliases, integration, target):
            # The resolve endpoint has no alias field: for an alias beside the integration's default one, the
            # alias's own strategy is followed here with the documented reads.
            return self._alias_connection(workspace, integration, target, call.end_user)
        body = ConnectionResolve.model_construct(integration_name=integration, workspace_id=workspace.id,
                                                 external_id=external_id, end_user_id=call.end_user)
        try:
            return self._send(ConnectionEnvelope, "POST", "/api/v1/connections/resolve", json=body).connection
        except ApiError as exc:
            if names_workspace(exc, workspace) or exc.code in _LOCAL_CONNECTION_ERRORS:
                error = exc
            elif exc.status == 404:  # another server's wording of "none": say it as the local engine does
                error = connection_not_found(external_id, integration) if external_id is not None \
                    else _required_for(integration, target, call.end_user)
            else:
                raise
        if needs_connection is None and error.code is ErrorCode.CONNECTION_REQUIRED:
            notes.append(f"no connection resolved ({error.message}); without the catalog it is not known whether "
                         f"'{integration}' needs one")
            return None
        raise error

    def _alias_connection(
        self, workspace: LiveWorkspace, integration: str, target: WorkspaceIntegration | None, end_user: str | None,
    ) -> Connection:
        assert target is not None  # no alias at all is what the resolve endpoint answers for itself
        strategy = _strategy(target)
        if strategy is not Strategy.FIXED and end_user is not None:
            users = self._pages("/api/v1/end-users", EndUserList, {"workspaceId": workspace.id})
            user = next((u for u in users if u.external_id == end_user), None)
            if user is None:
                raise end_user_not_found(end_user)
            read = self._send(EndUserWithConnections, "GET", f"/api/v1/end-users/{user.id}")
            owned = [c for c in read.connections if c.integration_name == integration and c.status == "ACTIVE"]
            owned.sort(key=lambda c: c.id)
            owned.sort(key=lambda c: _sortable_time(c.created_at), reverse=True)  # newest, as the engine
            if owned:
                return owned[0]
        if strategy is Strategy.PER_USER or target.connection_id is None:
            raise _required_for(integration, target, end_user)
        try:
            return self._send(ConnectionEnvelope, "GET", "/api/v1/connections",
                              params={"id": target.connection_id}).connection
        except ApiError as exc:
            if exc.status == 404:  # deleted since the alias was read
                raise _required_for(integration, target, end_user) from None
            raise


def names_workspace(exc: ApiError, workspace: LiveWorkspace) -> bool:
    """A 404 about the workspace itself (not about an alias, partial or connection inside it)."""
    details = exc.details or {}
    return exc.status == 404 and (details.get("id") == workspace.id or details.get("workspaceId") == workspace.id
                                  or workspace.id in exc.message)


def _resolve_targets(aliases: Sequence[WorkspaceIntegration], integration: str,
                     target: WorkspaceIntegration | None) -> bool:
    """Whether ``POST /connections/resolve``, which picks the alias without being told one, picks ``target``."""
    try:
        return choose_alias(aliases, integration) is target
    except ApiError:  # several aliases, none named like the integration
        return False


def _required_for(integration: str, target: WorkspaceIntegration | None, end_user: str | None) -> ApiError:
    """The engine's CONNECTION_REQUIRED for this alias and strategy (engine/resolution.py, resolve_connection)."""
    if target is None:
        return connection_required(integration, "the workspace has no alias for this integration; add one or give "
                                                "connectionExternalId")
    strategy = _strategy(target)
    if strategy is Strategy.PER_USER or (strategy is Strategy.PER_USER_WITH_FALLBACK and target.connection_id is None):
        return per_user_required(integration, target.alias, strategy, end_user)
    return connection_required(integration, f"alias '{target.alias}' has no connection")


def _sortable_time(text: Any) -> str:
    try:
        return normalize_time(str(text))
    except ValueError:
        return str(text or "")


def _strategy(alias: WorkspaceIntegration) -> Strategy | None:
    """The alias's strategy; None for one this client does not know (followed as the fixed connection is not)."""
    try:
        return Strategy(alias.connection_strategy or Strategy.FIXED)
    except ValueError:
        return None


def _selectable(partial: Partial, alias_ids: dict[str, str]) -> Partial:
    """``partial`` as the engine's selection reads it: its alias's id (a server that leaves out
    workspaceIntegrationId still names the alias) and a creation time that sorts."""
    alias_id = partial.workspace_integration_id or alias_ids.get(partial.integration_alias or "")
    return partial.model_copy(update={"workspace_integration_id": alias_id,
                                      "created_at": _sortable_time(partial.created_at)})
