"""The native integrations: a plain typed map of name to module, no discovery magic. Adding one is one module plus
one line here; an integration whose one native action is ``custom_api_call`` is one entry of
``custom_api_profiles.yaml`` instead.

A module is imported when its integration is first looked up (to execute it, say); the catalog reads the natives'
entries from a cache (:mod:`weavz_flow.catalog.overlay_cache`) so that ``validate`` never imports them at all.
"""

from __future__ import annotations

import importlib
import json
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from weavz_flow.catalog.catalog import Catalog
from weavz_flow.catalog.lazy_entries import LazyEntries
from weavz_flow.catalog.model import IntegrationInfo
from weavz_flow.catalog.overlay_cache import load_overlaid_catalog, sources_hash
from weavz_flow.catalog.sdk_cache import load_sdk_catalog
from weavz_flow.catalog.sdk_version import installed_version
from weavz_flow.integrations.custom_api_names import profile_names, profiles_hash

if TYPE_CHECKING:  # base is imported with the first integration module, not by the catalog path
    from weavz_flow.integrations.base import NativeIntegration

# Catalog name -> module of this package whose INTEGRATION it is.
MODULES: Mapping[str, str] = {
    "slack": "slack",
    "github": "github",
    "google-sheets": "google_sheets",
    "http": "http",
    "data-transformer": "data_transformer",
    "kv-store": "kv_store",
    "storage": "storage",
    "hash-encode": "hash_encode",
    "datetime": "date_time",
    "agent-memory": "agent_memory",
    "agent-scratchpad": "agent_scratchpad",
    "xml": "json_to_xml",
    "rss": "rss_feed",
    "qr-code": "qr_code",
    "notion": "notion",
    "airtable": "airtable",
    "dropbox": "dropbox",
    "google-drive": "google_drive",
    "google-calendar": "google_calendar",
    "google-docs": "google_docs",
    "gmail": "gmail",
    "openai": "openai",
    "claude": "claude",
    "google-gemini": "google_gemini",
    "microsoft-outlook": "microsoft_outlook",
    "microsoft-teams": "microsoft_teams",
    "microsoft-onedrive": "microsoft_onedrive",
    "microsoft-excel-365": "microsoft_excel",
}

# The natives whose actions reach nothing beyond this engine: its store (kv, memory) or plain computation, never a
# network (storage is not one: a file's content may be given as a URL, which it downloads). The server runs their
# calls on a few threads of their own (weavz_flow.server.execute_lanes): they are CPU work, and many threads
# contending for the GIL over them cost more than the work itself. tests/server/test_execute_lanes.py checks that
# none of their modules reaches the network.
STORE_LOCAL: frozenset[str] = frozenset({
    "kv-store", "agent-memory", "agent-scratchpad", "data-transformer", "hash-encode", "datetime", "xml",
    "qr-code",
})

_PACKAGE = Path(__file__).resolve().parent
# What the natives' catalog entries are built from: these modules and the catalog values they build.
NATIVE_SOURCES: tuple[Path, ...] = (_PACKAGE, _PACKAGE.parent / "catalog")


def _import_native(name: str) -> NativeIntegration:
    from weavz_flow.integrations.base import NativeIntegration

    if name not in MODULES:
        from weavz_flow.integrations.custom_api_natives import custom_api_integration

        return custom_api_integration(name)
    integration = importlib.import_module(f"{__package__}.{MODULES[name]}").INTEGRATION
    if not isinstance(integration, NativeIntegration) or integration.name != name:
        raise TypeError(f"{MODULES[name]}.INTEGRATION is not the native integration {name!r}")
    return integration


# The modules' integrations, then those whose one action is custom_api_call, built from custom_api_profiles.yaml (a
# name with a module of its own is that module's).
NATIVE_INTEGRATIONS: Mapping[str, NativeIntegration] = LazyEntries(
    [*MODULES, *(n for n in profile_names() if n not in MODULES)], _import_native
)


def native_catalog() -> Catalog:
    return Catalog(i.catalog_entry() for i in NATIVE_INTEGRATIONS.values())


def overlaid_native_entries(sdk: Catalog) -> list[IntegrationInfo]:
    """The natives' catalog entries, each over its SDK twin (built by importing every native module)."""
    return [i.catalog_entry(sdk.find(i.name)) for i in NATIVE_INTEGRATIONS.values()]


def native_catalog_key(sources: Sequence[Path] = NATIVE_SOURCES) -> str:
    """Everything besides the SDK catalog that the natives' entries depend on; their cache is rebuilt when it changes.

    pydantic derives the input fields from the models, and the Python version can change what annotations mean.
    """
    return json.dumps([
        installed_version("weavz_flow", "weavz-flow") or "unknown",
        installed_version("pydantic", "pydantic") or "unknown",
        f"{sys.version_info.major}.{sys.version_info.minor}",
        sources_hash(*sources),
        profiles_hash(),  # the data-file natives are built from YAML, which sources_hash does not read
    ])


def load_full_catalog(
    *, on_build: Callable[[Path], None] | None = None, cached: bool = True, cache_dir: Path | None = None
) -> Catalog:
    """The SDK's catalog with the native integrations' own entries laid over it (their non-native SDK actions kept).

    ``cached``: read the natives' entries from their cache (built on a miss) instead of importing their modules.
    ``on_build`` is called before the SDK cache is (re)built, which takes seconds once per SDK version, so that a
    command can tell its user why it pauses.
    """
    if cached:
        return load_overlaid_catalog(
            "native", native_catalog_key(), overlaid_native_entries, cache_dir, on_build=on_build
        )
    sdk = load_sdk_catalog(cache_dir, on_build=on_build)
    return sdk.overlay(overlaid_native_entries(sdk))
