"""A portal link for one end user, asked of a backend by workspace slug and end-user externalId (the names a
project uses), as ``weavz-flow connect link`` does."""

from __future__ import annotations

from dataclasses import dataclass

from weavz_flow.public_url import DEFAULT_PUBLIC_URL
from weavz_flow.sensitive import Sensitive

# Where a local engine's portal links point unless told otherwise: the engine itself serves no page.
DEFAULT_PORTAL_BASE_URL = DEFAULT_PUBLIC_URL


@dataclass(frozen=True, slots=True)
class PortalLinkRequest:
    workspace: str  # slug
    end_user: str  # externalId
    integration: str | None = None  # narrow the portal to this integration's aliases
    expires_in_s: int | None = None  # None: the server's default (7 days)
    # Where the portal is served, for a backend that serves no page itself (the local engine); a remote backend's
    # server names its own address in the link.
    base_url: str | None = None


@dataclass(frozen=True, slots=True)
class PortalLink:
    url: Sensitive[str]  # holds the eut_ token: whoever has it manages that end user's connections
    expires_at: str
