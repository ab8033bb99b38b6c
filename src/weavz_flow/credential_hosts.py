"""Where a credential may go: the host of its connection's own base URL, or the integration's default host.

A host is an origin (scheme, host, port): case and the default port do not matter; a longer name
(``slack.com.evil.test``), a trailing dot or another port is another host. URLs whose authority is anything but a
plain host and port (userinfo as in ``slack.com@evil.test``, backslashes, spaces, percent signs, non-ASCII) or that
carry a query or fragment are not base URLs at all, so no two URL parsers (ours, httpx's) can disagree on the host.
An alias's ``settings.baseUrl`` may only name one of the allowed origins for an integration that takes credentials;
the execute pipeline checks the URL in effect again, so an alias stored before the rule (or a connection chosen by
``connectionExternalId`` or an end user) cannot move a credential either.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from urllib.parse import urlsplit

from weavz_flow.errors import ApiError, ErrorCode

RULE = ("a credential is only sent to the host of its connection's own baseUrl or to the integration's default "
        "host; an alias's settings.baseUrl cannot move it elsewhere")
_DEFAULT_PORTS = {"http": 80, "https": 443}
# A DNS name or IPv4 address, or a bracketed IPv6 address; an optional port. Nothing else may stand in the authority.
_AUTHORITY = re.compile(r"(?P<host>[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::(?P<port>[0-9]{1,5}))?")
_URL_CHARS = re.compile(r"[A-Za-z0-9\-._~:/\[\]!$&'()*+,;=%]*")  # RFC 3986 characters but '?', '#', '@'

Origin = tuple[str, str, int]


@lru_cache(maxsize=1024)
def origin(url: str) -> Origin | None:
    """(scheme, host, port) of an absolute http(s) base URL; None for anything else (see the module's rules)."""
    if not isinstance(url, str) or not _URL_CHARS.fullmatch(url):
        return None
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    found = _AUTHORITY.fullmatch(parts.netloc)
    if scheme not in _DEFAULT_PORTS or found is None or "%" in parts.netloc:
        return None
    port = int(found["port"]) if found["port"] else _DEFAULT_PORTS[scheme]
    if not 0 < port < 65536:
        return None
    return scheme, found["host"].lower(), port


def shown(found: Origin | None) -> str:
    if found is None:
        return "(not an http(s) base URL)"
    scheme, host, port = found
    return f"{scheme}://{host}" + ("" if port == _DEFAULT_PORTS[scheme] else f":{port}")


def check_url(field: str, url: str | None) -> str | None:
    """A base URL as it may be stored (400 VALIDATION_ERROR otherwise)."""
    if url is None:
        return None
    if not isinstance(url, str) or origin(url) is None:
        message = (f"{field} must be an absolute http(s) URL of a plain host and port (no user, password, query or "
                   "fragment; an international name in its xn-- form)")
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
