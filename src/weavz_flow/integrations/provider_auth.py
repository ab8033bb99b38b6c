"""Where a provider wants the connection's credential: typed placements, one per header, query parameter or basic pair.

A :class:`ProviderAuth` maps a connection type (``SECRET_TEXT``, ``BASIC_AUTH``, ``CUSTOM_AUTH``, ``OAUTH2``; ``*``
for any other) to the placements its credential fills. A placement's ``value`` is a template over the credential's
parts: ``{secret}`` (the OAuth access token, else the secret text, else a ``token`` prop: see
:meth:`Credentials.token`), ``{username}``, ``{password}``, and, for CUSTOM_AUTH, each prop by its name. A part the
connection lacks is CONNECTION_REQUIRED naming it. :mod:`provider_http` applies them, the one place that does.

Nothing here imports httpx (the catalog path loads profiles without it).
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from weavz_flow.errors import ApiError, ErrorCode

Where = Literal["header", "query", "basic"]
WHERES: tuple[Where, ...] = ("header", "query", "basic")
# Connection types a placement may be declared for; PLATFORM_OAUTH2 is placed as OAUTH2.
CONNECTION_TYPES = ("SECRET_TEXT", "BASIC_AUTH", "CUSTOM_AUTH", "OAUTH2", "*")
_FORMATTER = string.Formatter()
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def template_names(template: str) -> set[str]:
    return {name for _, name, _, _ in _FORMATTER.parse(template) if name is not None}


@dataclass(frozen=True, slots=True)
class Placement:
    """One credential part on the wire: ``header`` ``name: value``, ``query`` ``name=value``, or ``basic``
    ``Authorization: Basic base64(value:password)``."""

    where: Where
    name: str = "Authorization"  # header or query parameter name (basic: Authorization)
    value: str = "Bearer {secret}"  # template (basic: the user name)
    password: str = ""  # basic only: the password template

    def __post_init__(self) -> None:
        if self.where not in WHERES:
            raise ValueError(f"auth placement {self.where!r} is not one of {', '.join(WHERES)}")
        for template in (self.value, self.password):
            for name in template_names(template):
                if not _NAME.fullmatch(name):
                    raise ValueError(f"auth template {template!r}: {{{name}}} is not a credential part's name")

    def parts(self) -> set[str]:
        return template_names(self.value) | template_names(self.password)


@dataclass(frozen=True, slots=True)
class ProviderAuth:
    """Connection type -> the placements its credential fills. No entry for a type (and no ``*``): that type carries
    no credential to this provider, and a call with it is CONNECTION_REQUIRED."""

    by_type: Mapping[str, tuple[Placement, ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        unknown = set(self.by_type) - set(CONNECTION_TYPES)
        if unknown:
            raise ValueError(f"auth for unknown connection types: {', '.join(sorted(unknown))}")

    @property
    def needs_credential(self) -> bool:
        return bool(self.by_type)

    @property
    def connection_types(self) -> tuple[str, ...]:
        """The types a connection may have, in the catalog's order (``*`` stands for all four)."""
        if "*" in self.by_type:
            return CONNECTION_TYPES[:-1]
        return tuple(t for t in CONNECTION_TYPES if t in self.by_type)

    def placements(self, connection_type: str) -> tuple[Placement, ...] | None:
        kind = "OAUTH2" if connection_type == "PLATFORM_OAUTH2" else connection_type
        found = self.by_type.get(kind)
        return found if found is not None else self.by_type.get("*")


BEARER = ProviderAuth({"*": (Placement("header"),)})
NO_AUTH = ProviderAuth()
# The two schemes a profile may still name by string (older modules say ``auth="none"``).
NAMED: Mapping[str, ProviderAuth] = {"bearer": BEARER, "none": NO_AUTH}


def provider_auth(auth: ProviderAuth | str) -> ProviderAuth:
    return NAMED[auth] if isinstance(auth, str) else auth


def render(template: str, parts: Mapping[str, str], *, integration: str, action: str, display_name: str) -> str:
    """``template`` filled from the credential's ``parts``; a missing part is CONNECTION_REQUIRED naming it."""
    missing = sorted(n for n in template_names(template) if not parts.get(n))
    if missing:
        raise ApiError(
            ErrorCode.CONNECTION_REQUIRED,
            f"{display_name} needs a connection with {', '.join(missing)} for {integration}.{action}",
            details={"integrationName": integration, "actionName": action, "missing": missing},
        )
    return template.format_map(parts)
