"""Checking a workspace integration's ``settings`` object (weavz-api.md §1.9, weavz-sdk-wire.md §3)."""

from __future__ import annotations

from typing import Any

from weavz_flow.credential_hosts import check_url
from weavz_flow.engine.naming import PersistenceScope, invalid
from weavz_flow.wire.vocabulary import END_USER_CONNECT_SETTING, EndUserConnect


def check_settings(settings: dict[str, Any] | None) -> dict[str, Any]:
    """The settings to store (``{}`` for None). Unknown keys are kept, as Weavz keeps them."""
    if settings is None:
        return {}
    if not isinstance(settings, dict):
        raise invalid("settings", "settings must be an object")
    persistence = settings.get("persistence")
    if persistence is not None:
        if not isinstance(persistence, dict):
            raise invalid("settings.persistence", "settings.persistence must be an object")
        scope = persistence.get("scope", PersistenceScope.END_USER.value)
        if scope not in {s.value for s in PersistenceScope}:
            raise invalid("settings.persistence.scope",
                          "settings.persistence.scope must be one of end_user, workspace, external")
        if scope == PersistenceScope.EXTERNAL and not persistence.get("externalId"):
            raise invalid("settings.persistence.externalId",
                          "settings.persistence.externalId is required when the scope is external")
    check_url("settings.baseUrl", settings.get("baseUrl"))
    connect = settings.get(END_USER_CONNECT_SETTING)
    ways = [c.value for c in EndUserConnect]
    if connect is not None and connect not in ways:
        field = f"settings.{END_USER_CONNECT_SETTING}"
        raise invalid(field, f"{field} must be one of: {', '.join(ways)}")
    return dict(settings)
