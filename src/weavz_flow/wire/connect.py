"""Hosted connect bodies (weavz-api.md §2.5; weavz-sdk-wire.md §2.4): a ``cst_`` token and the session behind it.

``POST /api/v1/connect/token`` makes a session and answers its token once; ``POST /api/v1/connect/session/poll``
(``{token}``) answers the session's fields at the top level, as the docs' example does and as the SDK's
``connect.wait`` reads ``status``; ``GET /api/v1/connect/session/{id}`` answers ``{session}``. No model here can carry
a credential: the person enters it on the connect page, which never echoes it.
"""

from __future__ import annotations

from enum import StrEnum

from weavz_flow.wire.base import BaseUrl, ExternalId, ExternalRef, Ref, Text, WireModel, WireRequest
from weavz_flow.wire.vocabulary import ConnectionScope


class ConnectStatus(StrEnum):
    """A session's status, upper case as the SDK compares it (``connect.wait`` stops on COMPLETED and FAILED)."""

    PENDING = "PENDING"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"
    EXPIRED = "EXPIRED"  # a PENDING session past its expiresAt; never stored, always derived


class ConnectTokenCreate(WireRequest):
    integration_name: Ref
    connection_name: ExternalId  # the display name of the connection it makes
    external_id: ExternalId  # the connection's externalId
    workspace_id: Ref
    end_user_id: ExternalRef | None = None  # the end user's externalId; made in the workspace if it does not exist
    workspace_integration_id: Ref | None = None
    auth_method_key: Ref | None = None
    scope: ConnectionScope | None = None
    oauth_app_mode: Ref | None = None
    oauth_app_id: Ref | None = None
    success_redirect_uri: Text | None = None
    error_redirect_uri: Text | None = None
    # Not a Weavz field (as on a connection): the provider host the connection made here talks to (an enterprise
    # host, a stub); the connect page shows it to the person who enters the credential.
    base_url: BaseUrl | None = None


class ConnectToken(WireModel):
    token: str  # cst_..., shown once
    connect_url: str
    expires_at: str
    session_id: str


class ConnectPoll(WireRequest):
    token: Text


class ConnectSession(WireModel):
    id: str
    workspace_id: str
    integration_name: str
    connection_name: str
    external_id: str
    end_user_id: str | None = None  # the end user's externalId
    workspace_integration_id: str | None = None
    scope: str
    status: ConnectStatus
    connection_id: str | None = None  # when COMPLETED
    error: str | None = None  # when FAILED: what went wrong, for the caller
    error_code: str | None = None
    expires_at: str
    completed_at: str | None = None
    created_at: str


class ConnectSessionEnvelope(WireModel):
    session: ConnectSession
