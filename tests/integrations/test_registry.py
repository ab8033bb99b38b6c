"""Every native integration, action and input field is the Weavz catalog's, so one flow file runs here and on Weavz."""

from __future__ import annotations

import json

import pytest

from weavz_flow.catalog.catalog import Catalog
from weavz_flow.integrations.base import NativeAction
from weavz_flow.integrations.native_action import ModelAction
from weavz_flow.integrations.registry import NATIVE_INTEGRATIONS, load_full_catalog

ACTIONS = [
    pytest.param(integration, action, id=f"{integration}.{action}")
    for integration, native in NATIVE_INTEGRATIONS.items()
    for action in native.actions
]

REQUIRED_NATIVE = {
    "slack": {"send_channel_message", "send_direct_message", "update_message", "get_channel_history",
              "list_channels", "add_reaction"},
    "github": {"create_issue", "get_issue", "list_issues", "update_issue", "add_comment_to_issue",
               "list_pull_requests"},
    "google-sheets": {"append_row", "append_rows", "read_range", "find_rows", "update_row"},
    "http": {"send_request"},
    "data-transformer": {"transform_json", "merge_objects", "filter_array", "batch_array"},
}

AUTH_TYPES = {
    "slack": ("SECRET_TEXT", "OAUTH2"),
    "github": ("SECRET_TEXT", "OAUTH2"),
    "google-sheets": ("OAUTH2",),
    "http": (),
    "data-transformer": (),
}


def test_the_required_actions_are_native() -> None:
    for integration, actions in REQUIRED_NATIVE.items():
        assert integration in NATIVE_INTEGRATIONS
        assert actions <= set(NATIVE_INTEGRATIONS[integration].actions)


@pytest.mark.parametrize(("integration", "auth_types"), AUTH_TYPES.items())
def test_auth_types(integration: str, auth_types: tuple[str, ...]) -> None:
    assert NATIVE_INTEGRATIONS[integration].auth_types == auth_types


def test_registry_keys_are_the_integration_names() -> None:
    for key, native in NATIVE_INTEGRATIONS.items():
        assert native.name == key
        for name, action in native.actions.items():
            assert isinstance(action, NativeAction)
            assert (action.info.integration, action.info.name) == (key, name)


@pytest.mark.parametrize(("integration", "action"), ACTIONS)
def test_action_matches_the_sdk_catalog(sdk_catalog: Catalog, integration: str, action: str) -> None:
    assert integration in sdk_catalog, f"{integration} is not in the Weavz catalog"
    sdk_action = sdk_catalog.action(integration, action)
    native = NATIVE_INTEGRATIONS[integration].actions[action].info
    assert native.field_names == sdk_action.field_names
    for field in sdk_action.fields:
        mine = native.field(field.name)
        assert mine is not None
        assert mine.required == field.required, f"{field.name}: required"
        assert mine.type == field.type, f"{field.name}: type"
    assert native.display_name == sdk_action.display_name


@pytest.mark.parametrize(("integration", "action"), ACTIONS)
def test_inputs_export_json_schema(integration: str, action: str) -> None:
    native = NATIVE_INTEGRATIONS[integration].actions[action]
    schema = native.info.input_schema()
    assert set(schema["properties"]) == set(native.info.field_names)
    json.dumps(schema)
    if isinstance(native, ModelAction):
        model_schema = native.input_model.model_json_schema()
        assert set(model_schema.get("properties", {})) == set(native.info.field_names)
        assert set(model_schema.get("required", [])) == set(native.info.required)


def test_the_full_catalog_marks_native_integrations(sdk_cache_dir: object) -> None:
    catalog = load_full_catalog()
    for name in NATIVE_INTEGRATIONS:
        info = catalog.integration(name)
        assert info.native
        assert info.auth_types == NATIVE_INTEGRATIONS[name].auth_types


def test_the_full_catalog_keeps_the_sdk_actions_that_are_not_native(sdk_catalog: Catalog) -> None:
    full = load_full_catalog()
    for name in NATIVE_INTEGRATIONS:
        if name not in sdk_catalog:
            continue
        assert set(full.integration(name).actions) == set(sdk_catalog.integration(name).actions) | set(
            NATIVE_INTEGRATIONS[name].actions)
    # hubspot runs only its custom_api_call here; its other catalog actions stay listed.
    assert "create_contact" in full.integration("hubspot").actions
    assert "create_contact" not in NATIVE_INTEGRATIONS["hubspot"].actions
