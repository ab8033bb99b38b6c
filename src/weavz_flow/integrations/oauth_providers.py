"""The OAuth2 defaults of the native integrations, read from ``oauth_providers.yaml`` beside this module (each fact
with the provider documentation it comes from): authorize and token URLs, default scopes, extra authorize
parameters."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import yaml

PROVIDERS_FILE = "oauth_providers.yaml"


@dataclass(frozen=True, slots=True)
class OAuthProvider:
    integration: str
    authorize_url: str
    token_url: str
    scopes: tuple[str, ...]
    authorize_params: dict[str, str] = field(default_factory=dict)


@cache
def oauth_providers() -> dict[str, OAuthProvider]:
    text = resources.files(__package__).joinpath(PROVIDERS_FILE).read_text(encoding="utf-8")
    data: dict[str, dict[str, Any]] = yaml.safe_load(text)
    return {
        name: OAuthProvider(name, entry["authorize_url"], entry["token_url"], tuple(entry.get("scopes") or ()),
                            {str(k): str(v) for k, v in (entry.get("authorize_params") or {}).items()})
        for name, entry in data.items()
    }


def oauth_provider(integration: str) -> OAuthProvider | None:
    """The defaults for ``integration``; None when it has none (an OAuth app must then name its URLs)."""
    return oauth_providers().get(integration)
