"""The base URL a call goes to, and the hosts its credential may go to.

A profile's default base URL may name connection props in its host (``https://{subdomain}.zendesk.com/api/v2``):
each is filled with the connection's CUSTOM_AUTH prop of that name, which must be one or more plain DNS labels, so
the host stays under the provider's own domain whatever the connection holds. The connection's own base URL (a
self-hosted product, a test stub) takes precedence, as everywhere.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from weavz_flow.credential_hosts import Origin, allowed_origins, origin
from weavz_flow.errors import ApiError, ErrorCode
from weavz_flow.integrations.base import ActionContext
from weavz_flow.integrations.provider import ProviderProfile
from weavz_flow.integrations.provider_auth import template_names

_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_LABELS = re.compile(rf"{_LABEL}(?:\.{_LABEL})*")


def is_templated(base_url: str | None) -> bool:
    return bool(base_url) and bool(template_names(base_url or ""))


def default_base_url(ctx: ActionContext, profile: ProviderProfile) -> str | None:
    """The profile's default base URL for this connection (its host's props filled in)."""
    template = profile.default_base_url
    if template is None or not is_templated(template):
        return template
    props = _props(ctx)
    values: dict[str, str] = {}
    for name in sorted(template_names(template)):
        value = str(props.get(name) or "").strip()
        if not _LABELS.fullmatch(value):
            raise ApiError(
                ErrorCode.CONNECTION_REQUIRED,
                f"{profile.display_name} needs a connection whose {name} is a host name part (letters, digits, "
                f"hyphens and dots) for {ctx.integration}.{ctx.action}",
                details={"integrationName": ctx.integration, "actionName": ctx.action, "missing": [name]},
            )
        values[name] = value
    return template.format_map(values)


def base_url(ctx: ActionContext, profile: ProviderProfile) -> str | None:
    """Where a relative path goes: the connection's base URL, else the profile's default."""
    return ctx.base_url or default_base_url(ctx, profile)


def credential_origins(ctx: ActionContext, profile: ProviderProfile) -> set[Origin]:
    """The origins this call's credential may be sent to: the base URL in effect, the profile's default and its
    other base URLs."""
    default = None if ctx.base_url and is_templated(profile.default_base_url) else default_base_url(ctx, profile)
    allowed = allowed_origins(ctx.base_url, default)
    allowed.update(o for o in map(origin, profile.other_base_urls) if o is not None)
    return allowed


def _props(ctx: ActionContext) -> Mapping[str, object]:
    props = ctx.credentials.props if ctx.credentials is not None else None
    return props.reveal() if props is not None else {}
