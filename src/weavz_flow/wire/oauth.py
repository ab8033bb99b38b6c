"""OAuth app bodies (``/api/v1/oauth-apps``) and the OAuth status answer (``GET /api/v1/integrations/oauth-status``).

The Weavz docs name ``/api/v1/oauth-apps`` (weavz-api.md §2.12, a Team/Scale/Enterprise feature there) without its
shape, so this is a minimal one of our own, consistent with the other objects: one app per (organization,
integration), and ``apiBaseUrl`` (not a Weavz field) for a provider hosted elsewhere. The client secret is
write-only: it is encrypted on arrival and an answer only says whether one is set (``clientSecretSet``). URLs left
out take the integration's defaults (``integrations/oauth_providers.yaml``), which the answer shows filled in.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

from weavz_flow.wire.base import NO_NUL, BaseUrl, Listing, Ref, Secret, WireModel, WireRequest

CLIENT_ID_MAX = 500
SCOPE_MAX = 500

ClientId = Annotated[str, StringConstraints(min_length=1, max_length=CLIENT_ID_MAX, pattern=NO_NUL)]
Scope = Annotated[str, StringConstraints(min_length=1, max_length=SCOPE_MAX, pattern=r"^[^\s\x00]+$")]


class OAuthAppCreate(WireRequest):
    integration_name: Ref
    client_id: ClientId
    client_secret: Secret | None = None  # None: a public client (PKCE only)
    scopes: list[Scope] | None = Field(default=None, max_length=100,
                                       description="None or []: the integration's defaults")
    authorize_url: BaseUrl | None = None
    token_url: BaseUrl | None = None
    redirect_uri: BaseUrl | None = Field(default=None, description="None: this server's /connect/oauth2/callback")
    # Not in the Weavz docs (like a connection's baseUrl): the API host the app's tokens are for.
    api_base_url: BaseUrl | None = Field(default=None, description="OAUTH2 connections of this app without a "
                                         "baseUrl of their own call this host; None: the integration's default")


class OAuthAppUpdate(WireRequest):
    """A PATCH: the fields sent change; an explicit null clears (the secret, or a URL back to its default)."""

    client_id: ClientId | None = None
    client_secret: Secret | None = None
    scopes: list[Scope] | None = Field(default=None, max_length=100)
    authorize_url: BaseUrl | None = None
    token_url: BaseUrl | None = None
    redirect_uri: BaseUrl | None = None
    api_base_url: BaseUrl | None = None


class OAuthApp(WireModel):
    id: str
    org_id: str
    integration_name: str
    client_id: str
    client_secret_set: bool
    scopes: list[str]
    authorize_url: str
    token_url: str
    redirect_uri: str | None = None
    api_base_url: str | None = None
    created_at: str
    updated_at: str


class OAuthAppEnvelope(WireModel):
    oauth_app: OAuthApp


class OAuthAppList(Listing[OAuthApp]):
    items_field = "oauth_apps"
    oauth_apps: list[OAuthApp] = Field(default_factory=list)
    total: int


class OAuthStatus(WireModel):
    """Integrations whose OAuth2 is set up in the caller's organization: an OAuth app, or an OAUTH2 connection."""

    configured: list[str] = Field(default_factory=list)
