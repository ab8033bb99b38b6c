"""A private channel to the backend's built-in ``kv-store``, where weavz-flow keeps its own state and lock.

It uses the documented API only (``POST /api/v1/actions/execute`` through a workspace integration), so it works the
same against hosted Weavz and ``weavz-flow serve``, with the credentials the project already has. The reserved alias
``weavz_flow_state`` keeps its values in one external persistence namespace (``weavz-flow-state``) of the state
workspace; by default that workspace is the reserved ``weavz-flow-state``, created on first write.
"""

from __future__ import annotations

from typing import Any

from weavz_flow.backends.execution import ExecuteCall
from weavz_flow.backends.live import LiveWorkspace
from weavz_flow.backends.protocol import Backend
from weavz_flow.backends.specs import AliasSpec, WorkspaceSpec
from weavz_flow.errors import ApiError, WeavzFlowError

STATE_ALIAS = "weavz_flow_state"
STATE_WORKSPACE = "weavz-flow-state"
STATE_NAMESPACE = "weavz-flow-state"
KV_STORE = "kv-store"
_SETTINGS = {"persistence": {"scope": "external", "externalId": STATE_NAMESPACE}}


class StateChannel:
    """get / put / delete / list appends on the state namespace; ``create`` makes the workspace and alias if
    missing (only writers call it: a plan never writes)."""

    def __init__(self, backend: Backend, workspace: str = STATE_WORKSPACE) -> None:
        self._backend = backend
        self.workspace = workspace
        self._ready = False
        # Set by kv_lock while this process holds the apply lock: the ticket's id, for the fence check.
        self.held_ticket: str | None = None

    # -- values ---------------------------------------------------------------------------------------------------

    def get(self, key: str) -> Any:
        """The value under ``key``, or None when it, the alias or the state workspace does not exist."""
        try:
            out = self._call("get", {"key": key})
        except ApiError as exc:
            if exc.status == 404:
                return None
            raise
        return out.get("value") if isinstance(out, dict) and out.get("found", True) else None

    def put(self, key: str, value: Any) -> None:
        self._write("put", {"key": key, "value": value})

    def delete(self, key: str) -> None:
        self._write("delete", {"key": key})

    def add_to_list(self, key: str, value: Any) -> list[Any]:
        """Append atomically (the engine locks the row) and return the whole list after the append."""
        out = self._write("add_to_list", {"key": key, "value": value})
        return list(out.get("value") or []) if isinstance(out, dict) else []

    def remove_from_list(self, key: str, value: Any) -> list[Any]:
        out = self._write("remove_from_list", {"key": key, "value": value})
        return list(out.get("value") or []) if isinstance(out, dict) else []

    # -- plumbing -------------------------------------------------------------------------------------------------

    def _call(self, action: str, values: dict[str, Any]) -> Any:
        call = ExecuteCall(workspace=self.workspace, integration=KV_STORE, action=action, input=values,
                           alias=STATE_ALIAS)
        return self._backend.execute(call).output

    def _write(self, action: str, values: dict[str, Any]) -> Any:
        try:
            return self._call(action, values)
        except ApiError as exc:
            if exc.status != 404 or self._ready:
                raise
        self.create()
        return self._call(action, values)

    def create(self) -> None:
        """The state workspace and its reserved alias, made when missing (a concurrent maker's 409 is fine)."""
        workspace = self._find_workspace()
        if workspace is None:
            try:
                workspace = self._backend.create_workspace(WorkspaceSpec(self.workspace, "weavz-flow state"))
            except ApiError as exc:
                if exc.status == 403:
                    raise WeavzFlowError(
                        f"cannot create the state workspace '{self.workspace}' ({exc.format_message()}); an API key "
                        "scoped to some workspaces keeps weavz-flow's state in one of them: set `state: {workspace: "
                        "SLUG}` in weavz-flow.yaml") from None
                if exc.status != 409:
                    raise
                workspace = self._find_workspace()
                if workspace is None:
                    raise
        spec = AliasSpec(workspace.id, STATE_ALIAS, KV_STORE, "per_user", None, None,
                         "weavz-flow state (reserved)", dict(_SETTINGS))
        try:
            self._backend.create_alias(spec)
        except ApiError as exc:
            if exc.status != 409:  # 409: it exists already (made by another apply, or before the 404 we met)
                raise
        self._ready = True

    def _find_workspace(self) -> LiveWorkspace | None:
        finder = getattr(self._backend, "all_workspaces", self._backend.list_workspaces)
        return next((w for w in finder() if w.slug == self.workspace), None)
