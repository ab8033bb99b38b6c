"""Lookup over every integration whose schemas we know, with "did you mean" on a miss."""

from __future__ import annotations

from collections import ChainMap
from collections.abc import Iterable, Iterator, Mapping

from weavz_flow.catalog.model import ActionInfo, IntegrationInfo
from weavz_flow.errors import ApiError, ErrorCode
from weavz_flow.suggest import closest, did_you_mean


class Catalog:
    """Integrations by name. Later layers overlay richer entries (native integrations) on the SDK's.

    ``integrations`` may be a mapping whose values are built on access (the SDK catalog decodes each integration on
    first use); the catalog never copies its values, so lookups stay lazy through :meth:`overlay`.
    """

    def __init__(self, integrations: Iterable[IntegrationInfo] | Mapping[str, IntegrationInfo] = ()) -> None:
        self._by_name: Mapping[str, IntegrationInfo] = (
            integrations if isinstance(integrations, Mapping) else {i.name: i for i in integrations}
        )

    def overlay(self, integrations: Iterable[IntegrationInfo] | Mapping[str, IntegrationInfo]) -> Catalog:
        """A new catalog where the given entries replace those of the same name.

        A mapping is used as it is, so its values may be built on access, like the SDK catalog's.
        """
        top = integrations if isinstance(integrations, Mapping) else {i.name: i for i in integrations}
        if not top:
            return Catalog(self._by_name)
        return Catalog(ChainMap(top, self._by_name))  # type: ignore[arg-type]  # ChainMap wants MutableMappings

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    def __iter__(self) -> Iterator[IntegrationInfo]:
        return iter(self._by_name.values())

    def __len__(self) -> int:
        return len(self._by_name)

    @property
    def names(self) -> Mapping[str, IntegrationInfo]:
        return self._by_name

    def find(self, name: str) -> IntegrationInfo | None:
        return self._by_name.get(name)

    def integration(self, name: str) -> IntegrationInfo:
        info = self._by_name.get(name)
        if info is None:
            hint = did_you_mean(name, self._by_name)
            raise ApiError(
                ErrorCode.INTEGRATION_NOT_FOUND,
                f"Integration '{name}' not found" + (f"; {hint}" if hint else ""),
                details={"integrationName": name, "suggestions": closest(name, self._by_name)},
            )
        return info

    def action(self, integration: str, action: str) -> ActionInfo:
        info = self.integration(integration)
        found = info.actions.get(action)
        if found is None:
            hint = did_you_mean(action, info.actions)
            raise ApiError(
                ErrorCode.ACTION_NOT_FOUND,
                f"Action '{action}' not found in integration '{integration}'" + (f"; {hint}" if hint else ""),
                details={"integrationName": integration, "actionName": action,
                         "suggestions": closest(action, info.actions)},
            )
        return found
