"""A portal link for one end user, asked of a backend by workspace slug and end-user externalId (the names a
project uses), as ``weavz-flow connect link`` does."""

from __future__ import annotations

from dataclasses import dataclass

from weavz_flow.sensitive import Sensitive

# The default address of ``weavz-flow serve`` (its --host and --port defaults), where a local engine's links point
# unless told otherwise: the engine itself serves no page.
DEFAULT_PORTAL_BASE_URL = "http://127.0.0.1:8080"


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
