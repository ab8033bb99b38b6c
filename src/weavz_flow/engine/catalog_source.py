"""The engine's catalog and native integrations, given by injection or loaded lazily on first use.

Loading the full catalog reads the SDK cache (and builds it once per SDK version), so an engine that only serves
KV calls or CRUD on known names never pays for it until a lookup needs it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping

from weavz_flow.catalog.catalog import Catalog
from weavz_flow.integrations.base import NativeIntegration
from weavz_flow.integrations.registry import NATIVE_INTEGRATIONS, load_full_catalog


class CatalogSource:
    def __init__(
        self,
        catalog: Catalog | Callable[[], Catalog] | None = None,
        natives: Mapping[str, NativeIntegration] | None = None,
    ) -> None:
        self.natives: Mapping[str, NativeIntegration] = NATIVE_INTEGRATIONS if natives is None else natives
        self._catalog = catalog if isinstance(catalog, Catalog) else None
        self._load: Callable[[], Catalog] = (
            catalog if callable(catalog) and not isinstance(catalog, Catalog) else self._default_catalog
        )
        self._lock = threading.Lock()

    def _default_catalog(self) -> Catalog:
        if self.natives is NATIVE_INTEGRATIONS:
            return load_full_catalog()
        # Injected natives lay over the SDK catalog the same way the registry's own do.
        return load_full_catalog().overlay(i.catalog_entry() for i in self.natives.values())

    def catalog(self) -> Catalog:
        if self._catalog is None:
            with self._lock:
                if self._catalog is None:
                    self._catalog = self._load()
        return self._catalog
