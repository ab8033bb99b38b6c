"""The native integrations: a plain typed dict, no discovery magic. Adding one is one module plus one line here."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

from weavz_flow.catalog.catalog import Catalog
from weavz_flow.catalog.sdk_cache import load_sdk_catalog
from weavz_flow.integrations import data_transformer, github, google_sheets, http, kv_store, slack, storage
from weavz_flow.integrations.base import NativeIntegration

NATIVE_INTEGRATIONS: Mapping[str, NativeIntegration] = {
    "slack": slack.INTEGRATION,
    "github": github.INTEGRATION,
    "google-sheets": google_sheets.INTEGRATION,
    "http": http.INTEGRATION,
    "data-transformer": data_transformer.INTEGRATION,
    "kv-store": kv_store.INTEGRATION,
    "storage": storage.INTEGRATION,
}


def native_catalog() -> Catalog:
    return Catalog(i.catalog_entry() for i in NATIVE_INTEGRATIONS.values())


def load_full_catalog(*, on_build: Callable[[Path], None] | None = None) -> Catalog:
    """The SDK's catalog with the native integrations' own entries laid over it (their non-native SDK actions kept).

    ``on_build`` is called before the SDK cache is (re)built, which takes seconds once per SDK version, so that a
    command can tell its user why it pauses.
    """
    sdk = load_sdk_catalog(on_build=on_build)
    return sdk.overlay(i.catalog_entry(sdk.find(i.name)) for i in NATIVE_INTEGRATIONS.values())
