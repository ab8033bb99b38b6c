"""Where a credential may go: the host of its connection's own base URL, or the integration's default host.

A host is an origin (scheme, host, port) as httpx, which sends the request, parses it: case and the default port do
not matter, a longer name (``slack.com.evil.test``) or userinfo (``slack.com@evil.test``) is another host. An alias's
``settings.baseUrl`` may only name one of those origins for an integration that takes credentials; the execute
pipeline checks the URL in effect again, so an alias stored before this rule (or a connection chosen by
``connectionExternalId``) cannot move a credential either.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

import httpx

from weavz_flow.errors import ApiError, ErrorCode

RULE = ("a credential is only sent to the host of its connection's own baseUrl or to the integration's default "
        "host; an alias's settings.baseUrl cannot move it elsewhere")
_DEFAULT_PORTS = {"http": 80, "https": 443}
_HOST = re.compile(r"[a-z0-9._:-]+")  # a DNS name (IDNA-encoded), an IPv4 or an IPv6 address

Origin = tuple[str, str, int]


@lru_cache(maxsize=1024)
def origin(url: str) -> Origin | None:
    """(scheme, host, port) of an absolute http(s) URL without userinfo, query or fragment; None for anything else.

    The host is compared as sent (IDNA-encoded, lower case); a trailing dot makes another host, which is refused."""
    try:
        parsed = httpx.URL(url)
        host = parsed.raw_host.decode("ascii").lower()
    except (httpx.InvalidURL, TypeError, ValueError):
        return None
    scheme = parsed.scheme.lower()
    if (scheme not in _DEFAULT_PORTS or not _HOST.fullmatch(host) or parsed.userinfo or parsed.query
            or parsed.fragment):
        return None
    return scheme, host, parsed.port or _DEFAULT_PORTS[scheme]


def shown(found: Origin | None) -> str:
    if found is None:
        return "(not an http(s) URL)"
    scheme, host, port = found
    return f"{scheme}://{host}" + ("" if port == _DEFAULT_PORTS[scheme] else f":{port}")


def check_url(field: str, url: str | None) -> str | None:
    """A base URL as it may be stored: absolute http(s), a host, no userinfo, query or fragment (400 otherwise)."""
    if url is None:
        return None
    if not isinstance(url, str) or origin(url) is None:
        message = f"{field} must be an absolute http(s) URL with a host and no user, password, query or fragment"
        raise ApiError(ErrorCode.VALIDATION_ERROR, message, details={"fields": [{"field": field, "message": message}]})
    return url


def allowed_origins(connection_base: str | None, default_base: str | None) -> set[Origin]:
    return {o for o in (origin(connection_base or ""), origin(default_base or "")) if o is not None}


def check_credential_host(
    url: str | None, allowed: Iterable[Origin], *, integration: str, field: str = "settings.baseUrl",
) -> None:
    """400 CREDENTIAL_HOST_DENIED unless ``url`` (where a credential would go) is on one of the ``allowed`` origins."""
    if url is None:
        return
    allowed = set(allowed)
    found = origin(url)
    if found is not None and found in allowed:
        return
    hosts = sorted(shown(o) for o in allowed)
    raise ApiError(
        ErrorCode.CREDENTIAL_HOST_DENIED,
        f"{field} {shown(found)} is not allowed for '{integration}': {RULE}"
        + (f" (allowed here: {', '.join(hosts)})" if hosts else ""),
        details={"field": field, "host": shown(found), "allowedHosts": hosts, "integrationName": integration},
    )
