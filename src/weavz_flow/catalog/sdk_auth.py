"""Which SDK integrations need a connection. The SDK carries no auth metadata, so this list is ours.

Built-ins that run without any credential are listed by name; a trailing ``*`` covers a family of variants
(``agent-browser-stealth``, ``local-computer-control-agent``). Every other integration needs some connection.
"""

from __future__ import annotations

NO_CONNECTION: tuple[str, ...] = (
    "storage",
    "kv-store",
    "http",
    "graphql",
    "data-transformer",
    "datetime",
    "hash-encode",
    "code",
    "advanced-code",
    "agent-memory",
    "agent-scratchpad",
    "sequential-thinking",
    "xml",
    "web-reader",
    "weavz-dynamic-dashboard",
    "agent-browser*",
    "local-computer-control*",
    "qr-code",
    "rss",
)

# "Needs some connection": any of the Weavz connection types may be configured for it.
ANY_CONNECTION: tuple[str, ...] = ("OAUTH2", "SECRET_TEXT", "BASIC_AUTH", "CUSTOM_AUTH")

_EXACT = frozenset(p for p in NO_CONNECTION if not p.endswith("*"))
_PREFIXES = tuple(p[:-1] for p in NO_CONNECTION if p.endswith("*"))


def needs_no_connection(integration: str) -> bool:
    return integration in _EXACT or integration.startswith(_PREFIXES)


def sdk_auth_types(integration: str) -> tuple[str, ...]:
    return () if needs_no_connection(integration) else ANY_CONNECTION
