"""Who is calling: an API key (``Authorization: Bearer wvz_...``) or the operator's service key.

The service key is the self-hosting bootstrap: with ``X-Service-Key`` equal to ``WEAVZ_FLOW_SERVICE_KEY`` a request
may create organizations and, with ``X-Org-ID``, act as that organization's admin (for example to create its first
API key). Without the environment variable the service key is refused. Keys are compared in constant time.
"""

from __future__ import annotations

import hmac

from weavz_flow.engine.caller import Caller
from weavz_flow.errors import ApiError, ErrorCode
from weavz_flow.server.settings import SERVICE_KEY_ENV, ServerSettings

SERVICE_KEY_HEADER = "X-Service-Key"
ORG_ID_HEADER = "X-Org-ID"


def unauthorized(message: str = "Missing or invalid API key") -> ApiError:
    return ApiError(ErrorCode.UNAUTHORIZED, message)


def service_key_matches(settings: ServerSettings, presented: str) -> bool:
    if settings.service_key is None:
        return False
    expected = settings.service_key.reveal().encode("utf-8")
    return hmac.compare_digest(expected, presented.encode("utf-8"))


def check_service_key(settings: ServerSettings, presented: str | None) -> None:
    """401 unless the service key is enabled and ``presented`` equals it."""
    if settings.service_key is None:
        raise unauthorized(f"The service key is disabled on this server (set {SERVICE_KEY_ENV} to enable it)")
    if not presented or not service_key_matches(settings, presented):
        raise unauthorized("Invalid service key")


def bearer_token(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def service_caller(org_id: str) -> Caller:
    """The service key acting for one organization: its admin, org-wide, no API key."""
    return Caller.system(org_id)
