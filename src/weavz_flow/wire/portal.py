"""End-user portal bodies (weavz-api.md §2.6 "connect-token", "invite"; weavz-sdk-wire.md §2.4).

The link a token opens is this server's ``/connect/portal?token=eut_…``; a client (the remote backend) and the
server build it with the same :func:`portal_url`.
"""

from __future__ import annotations

from urllib.parse import urlencode

from pydantic import Field

from weavz_flow.wire.base import Email, Ref, WireModel, WireRequest

PORTAL_PATH = "/connect/portal"
# How long a link works (weavz-api.md §2.6): the engine checks these bounds, the CLI's --expires too.
MIN_EXPIRES_IN_S = 3_600
MAX_EXPIRES_IN_S = 2_592_000
DEFAULT_EXPIRES_IN_S = 604_800


def portal_url(base_url: str, token: str) -> str:
    """The portal page of ``token`` on the server at ``base_url``."""
    return f"{base_url.rstrip('/')}{PORTAL_PATH}?{urlencode({'token': token})}"


class PortalTokenCreate(WireRequest):
    """May be ``{}``: a link to every alias of the end user's workspace that resolves per user, for 7 days."""

    integration_name: Ref | None = None
    workspace_integration_id: Ref | None = Field(default=None, description="use when aliases repeat an integration")
    expires_in: int | None = Field(default=None, description="seconds, 3,600 to 2,592,000 (default 604,800)")


class PortalInviteCreate(PortalTokenCreate):
    email: Email


class PortalLink(WireModel):
    connect_url: str
    token: str  # eut_…: shown once, stored only as its sha256
    expires_at: str


class PortalInvite(PortalLink):
    email_sent: bool = Field(default=False, description=(
        "always false: weavz-flow records the invite but sends no email; deliver connectUrl yourself"))
    invite_id: str
    email: str
