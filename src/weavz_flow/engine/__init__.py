"""The engine: store, credential encryption, services, connection resolution, partials and the execute pipeline."""

from weavz_flow.engine.caller import Caller
from weavz_flow.engine.credential_cipher import CredentialCipher
from weavz_flow.engine.engine import Engine
from weavz_flow.engine.execute_values import ConnectionRef, ExecuteRequest, ExecuteResult, ResolvedExecution
from weavz_flow.engine.inputs import (
    ApiKeyCreate,
    ConnectionCreate,
    ConnectionUpdate,
    CredentialInput,
    EndUserCreate,
    EndUserUpdate,
    PartialCreate,
    PartialUpdate,
    WorkspaceCreate,
    WorkspaceIntegrationCreate,
    WorkspaceIntegrationUpdate,
    WorkspaceUpdate,
)
from weavz_flow.engine.models import (
    ApiKey,
    Connection,
    CreatedApiKey,
    EndUser,
    Execution,
    Organization,
    Page,
    Partial,
    Workspace,
    WorkspaceIntegration,
)
from weavz_flow.engine.naming import ConnectionScope, ConnectionType, PersistenceScope, Strategy
from weavz_flow.engine.store import Store

__all__ = [
    "ApiKey",
    "ApiKeyCreate",
    "Caller",
    "Connection",
    "ConnectionCreate",
    "ConnectionRef",
    "ConnectionScope",
    "ConnectionType",
    "ConnectionUpdate",
    "CreatedApiKey",
    "CredentialCipher",
    "CredentialInput",
    "EndUser",
    "EndUserCreate",
    "EndUserUpdate",
    "Engine",
    "ExecuteRequest",
    "ExecuteResult",
    "Execution",
    "Organization",
    "Page",
    "Partial",
    "PartialCreate",
    "PartialUpdate",
    "PersistenceScope",
    "ResolvedExecution",
    "Store",
    "Strategy",
    "Workspace",
    "WorkspaceCreate",
    "WorkspaceIntegration",
    "WorkspaceIntegrationCreate",
    "WorkspaceIntegrationUpdate",
    "WorkspaceUpdate",
]
