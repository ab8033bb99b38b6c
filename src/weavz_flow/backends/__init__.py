"""Backends: where live state lives and actions run. One protocol, two implementations (local engine, remote API)."""

from weavz_flow.backends.errors import BackendUnavailableError, LockHeldError
from weavz_flow.backends.execution import ExecuteCall, ExecuteOutcome, ExecutePreview, OutcomeStatus
from weavz_flow.backends.live import (
    LiveAlias,
    LiveConnection,
    LiveEndUser,
    LivePartial,
    LiveWorkspace,
    WorkspaceSnapshot,
)
from weavz_flow.backends.protocol import Backend, BackendCapabilities
from weavz_flow.backends.specs import AliasSpec, ConnectionSpec, EndUserSpec, PartialSpec, WorkspaceSpec

__all__ = [
    "AliasSpec",
    "Backend",
    "BackendCapabilities",
    "BackendUnavailableError",
    "ConnectionSpec",
    "EndUserSpec",
    "ExecuteCall",
    "ExecuteOutcome",
    "ExecutePreview",
    "LiveAlias",
    "LiveConnection",
    "LiveEndUser",
    "LivePartial",
    "LiveWorkspace",
    "LockHeldError",
    "OutcomeStatus",
    "PartialSpec",
    "WorkspaceSnapshot",
    "WorkspaceSpec",
]
