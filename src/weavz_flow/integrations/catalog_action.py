"""A native action whose input schema is the catalog's: the SDK catalog entry of the same integration and action.

The engine checks the final input against that entry once (:func:`weavz_flow.catalog.input_check.check_input`, step
7) and the action trusts it: ``run`` hands the handler the catalog's fields that are set, with the one coercion the
SDK's typing needs (it types every number as float, so an integral float becomes an int). An action adds code only
for what the catalog cannot say (an algorithm name among those it supports, say), through
:func:`~weavz_flow.integrations.native_action.invalid_input`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from weavz_flow.catalog.model import ActionInfo
from weavz_flow.integrations.base import ActionContext
from weavz_flow.integrations.native_action import Handler


@dataclass(frozen=True, slots=True)
class CatalogAction:
    integration: str
    name: str
    handler: Handler

    @property
    def info(self) -> ActionInfo:
        return sdk_action_info(self.integration, self.name)

    def run(self, ctx: ActionContext, input: dict[str, Any]) -> Any:
        return self.handler(ctx, catalog_values(self.info, input))


def catalog_actions(integration: str, handlers: Mapping[str, Handler]) -> dict[str, CatalogAction]:
    """An integration's actions from ``{action name: handler}``; each name must be an action of the SDK catalog."""
    return {name: CatalogAction(integration, name, handler) for name, handler in handlers.items()}


@cache
def sdk_action_info(integration: str, action: str) -> ActionInfo:
    """The SDK catalog's entry, read from its cache (imported here: the catalog path never imports the natives)."""
    from weavz_flow.catalog.sdk_cache import load_sdk_catalog

    return load_sdk_catalog().action(integration, action)


def catalog_values(info: ActionInfo, values: Mapping[str, Any]) -> dict[str, Any]:
    """The set values of the action's fields (keys the catalog does not name are left out, as Weavz ignores them)."""
    out: dict[str, Any] = {}
    for field in info.fields:
        value = values.get(field.name)
        if value is None:
            continue
        out[field.name] = int(value) if isinstance(value, float) and value.is_integer() else value
    return out
