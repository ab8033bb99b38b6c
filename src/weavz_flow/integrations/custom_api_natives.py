"""A data-file integration as a native one: its profile (:mod:`custom_api_profiles`) as a :class:`ProviderProfile`,
and its catalog ``custom_api_call`` run by the executor of the entry's input shape (:mod:`custom_api_shapes`)."""

from __future__ import annotations

from functools import cache

from weavz_flow.catalog.catalog import Catalog
from weavz_flow.catalog.sdk_auth import sdk_auth_types
from weavz_flow.integrations.base import NativeIntegration
from weavz_flow.integrations.catalog_action import sdk_action_info
from weavz_flow.integrations.custom_api_call import ACTION, InputPlacement, path_custom_api_call
from weavz_flow.integrations.custom_api_profiles import ApiProfile, api_profiles
from weavz_flow.integrations.custom_api_shapes import shape_of
from weavz_flow.integrations.provider import ProviderProfile
from weavz_flow.integrations.provider_host import is_templated


def provider_profile(profile: ApiProfile, display_name: str) -> ProviderProfile:
    return ProviderProfile(
        name=profile.name,
        display_name=display_name,
        default_base_url=profile.base_url,
        other_base_urls=profile.other_base_urls,
        auth=profile.auth,
        headers=profile.headers,
    )


@cache
def _sdk_catalog() -> Catalog:
    """Read once for all of them (each read opens the SDK cache again)."""
    from weavz_flow.catalog.sdk_cache import load_sdk_catalog

    return load_sdk_catalog()


def custom_api_integration(name: str) -> NativeIntegration:
    profile = api_profiles()[name]
    info = sdk_action_info(name, ACTION)
    shape = shape_of(info, frozenset(profile.inputs))
    if shape is None:
        raise ValueError(f"{name}: no custom_api_call executor takes the fields {', '.join(info.field_names)}")
    twin = _sdk_catalog().integration(name)
    display_name = twin.display_name or name
    provider = provider_profile(profile, display_name)
    if profile.inputs:
        inputs = {k: InputPlacement(where, wire) for k, (where, wire) in profile.inputs.items()}
        action = path_custom_api_call(provider, inputs)
    else:
        action = shape.executor(provider)
    return NativeIntegration(
        name=name,
        display_name=display_name,
        description=twin.description,
        actions={ACTION: action},
        # The catalog's connection types stay as they are (a remote backend takes them all); a type the profile
        # places no credential for is refused when the call runs (CONNECTION_REQUIRED).
        auth_types=sdk_auth_types(name),
        # A host made of connection props is no default the engine can check a URL against before the call.
        default_base_url=None if is_templated(profile.base_url) else profile.base_url,
    )
