"""The values of hosted connect: what makes a session, the session as the engine returns it, and the credential a
person (the connect page) or a provider (the OAuth2 callback) hands in to complete it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from weavz_flow.engine.inputs import EngineInput
from weavz_flow.engine.models import EngineModel
from weavz_flow.sensitive import Sensitive
from weavz_flow.wire import connect as wire_connect
from weavz_flow.wire.connect import ConnectStatus
from weavz_flow.wire.vocabulary import ConnectionType

__all__ = ["ConnectCredential", "ConnectSession", "ConnectSessionCreate", "ConnectStatus"]


class ConnectSessionCreate(EngineInput):
    """``POST /api/v1/connect/token`` (weavz-api.md §2.5)."""

    integration_name: str
    connection_name: str
    external_id: str
    workspace_id: str
    end_user_id: str | None = None  # the end user's externalId
    workspace_integration_id: str | None = None
    auth_method_key: str | None = None
    scope: str | None = None
    oauth_app_mode: str | None = None
    oauth_app_id: str | None = None
    success_redirect_uri: str | None = None
    error_redirect_uri: str | None = None
    base_url: str | None = None


class ConnectSession(wire_connect.ConnectSession, EngineModel):
    """The wire's session and what the connect page and the OAuth2 flow need besides (none of it secret)."""

    org_id: str
    workspace_name: str
    auth_method_key: str | None = None
    oauth_app_mode: str | None = None
    oauth_app_id: str | None = None
    base_url: str | None = None
    success_redirect_uri: str | None = None
    error_redirect_uri: str | None = None

    @property
    def pending(self) -> bool:
        return self.status == ConnectStatus.PENDING


@dataclass(frozen=True, slots=True)
class ConnectCredential:
    """A credential for :meth:`ConnectSessionService.complete`: its connection type and that type's fields. Secret
    parts are :class:`Sensitive`, so no repr or log shows them; build one with the class methods."""

    type: ConnectionType
    secret_text: Sensitive[str] | None = None  # SECRET_TEXT
    username: str | None = None  # BASIC_AUTH
    password: Sensitive[str] | None = None  # BASIC_AUTH
    props: Sensitive[dict[str, Any]] | None = None  # CUSTOM_AUTH: prop name -> value
    access_token: Sensitive[str] | None = None  # OAUTH2
    refresh_token: Sensitive[str] | None = None  # OAUTH2
    expires_in: int | None = None  # OAUTH2: seconds from now
    token_type: str | None = None  # OAUTH2
    scope: str | None = None  # OAUTH2: the scopes granted (Weavz's scope_oauth)

    @classmethod
    def secret(cls, secret_text: str) -> ConnectCredential:
        return cls(ConnectionType.SECRET_TEXT, secret_text=Sensitive(secret_text))

    @classmethod
    def basic(cls, username: str, password: str) -> ConnectCredential:
        return cls(ConnectionType.BASIC_AUTH, username=username, password=Sensitive(password))

    @classmethod
    def custom(cls, props: dict[str, Any]) -> ConnectCredential:
        return cls(ConnectionType.CUSTOM_AUTH, props=Sensitive(dict(props)))

    @classmethod
    def oauth2(
        cls, access_token: str, *, refresh_token: str | None = None, expires_in: int | None = None,
        token_type: str | None = None, scope: str | None = None,
    ) -> ConnectCredential:
        return cls(ConnectionType.OAUTH2, access_token=Sensitive(access_token),
                   refresh_token=Sensitive(refresh_token) if refresh_token is not None else None,
                   expires_in=expires_in, token_type=token_type, scope=scope)

    def fields(self) -> dict[str, Any]:
        """The credential fields of a connection create or update (:class:`~weavz_flow.engine.inputs.CredentialInput`),
        in clear, the ones not set left out."""
        def plain(value: Sensitive[Any] | None) -> Any:
            return value.reveal() if value is not None else None

        fields = {
            "secret_text": plain(self.secret_text), "username": self.username, "password": plain(self.password),
            "props": plain(self.props), "access_token": plain(self.access_token),
            "refresh_token": plain(self.refresh_token), "expires_in": self.expires_in,
            "token_type": self.token_type, "scope_oauth": self.scope,
        }
        return {k: v for k, v in fields.items() if v is not None}
