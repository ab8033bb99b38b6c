"""The SDK catalog as loaded from the cache: same content as the SDK, lazily decoded, rebuilt when unusable."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from weavz_flow.catalog.catalog import Catalog
from weavz_flow.catalog.model import IntegrationInfo
from weavz_flow.catalog.sdk_auth import ANY_CONNECTION, NO_CONNECTION
from weavz_flow.catalog.sdk_cache import (
    CACHE_DIR_ENV,
    default_cache_dir,
    load_sdk_catalog,
    sdk_cache_info,
    sdk_cache_path,
    sdk_entries,
)
from weavz_flow.catalog.sdk_cache_format import CacheFile, encode
from weavz_flow.catalog.sdk_version import sdk_version
from weavz_flow.errors import ApiError, ErrorCode
from weavz_flow.integrations.registry import load_full_catalog


def fields(catalog: Catalog, key: str) -> list[tuple[str, str | None, bool]]:
    integration, action = key.split(".", 1)
    return [(f.name, f.type, f.required) for f in catalog.action(integration, action).fields]


def test_counts(sdk_catalog: Catalog) -> None:
    infos = list(sdk_catalog)
    actions = [a for i in infos for a in i.actions.values()]
    all_fields = [f for a in actions for f in a.fields]
    assert len(infos) == 1079
    assert len(actions) == 10850
    assert len(all_fields) == 34892
    assert sum(f.required for f in all_fields) == 14554
    assert sum(bool(a.required) for a in actions) == 8370
    assert sum(not a.fields for a in actions) == 448
    # aliased fields keep their wire names, never the Python ones
    assert sum(f.name == "from" for f in all_fields) == 93
    assert sum(f.name == "per-page" for f in all_fields) == 11
    assert not any(f.name == "from_" or f.name.endswith("_") for f in all_fields)


def test_slack(sdk_catalog: Catalog) -> None:
    slack = sdk_catalog.integration("slack")
    assert slack.display_name == "Slack"
    assert len(slack.actions) == 42
    assert list(slack.actions)[:3] == ["send_channel_message", "send_direct_message", "update_message"]
    action = slack.actions["send_channel_message"]
    assert action.display_name == "Send Channel Message"
    assert [(f.name, f.type, f.required) for f in action.fields] == [
        ("channel", "string", True),
        ("text", "string", True),
        ("blocks", None, False),
        ("thread_ts", "string", False),
        ("unfurl_links", "boolean", False),
    ]
    assert action.field("text").description == "Message text. Supports Slack mrkdwn formatting."  # type: ignore[union-attr]
    assert slack.auth_types == ANY_CONNECTION
    assert slack.native is False


def test_github(sdk_catalog: Catalog) -> None:
    github = sdk_catalog.integration("github")
    assert len(github.actions) == 27
    assert github.actions["create_issue"].required == ("repository", "title")
    assert fields(sdk_catalog, "github.list_issues") == [
        ("repository", "string", True),
        ("state", "string", False),
        ("labels", "string", False),
        ("sort", "string", False),
        ("per_page", "number", False),
    ]


def test_google_sheets(sdk_catalog: Catalog) -> None:
    sheets = sdk_catalog.integration("google-sheets")
    assert sheets.display_name == "Google Sheets"
    assert len(sheets.actions) == 17
    append = sheets.actions["append_row"]
    assert append.required == ("values",)
    assert {"spreadsheetId", "sheetName", "spreadsheet_dropdown", "sheet_dropdown"} <= set(append.field_names)
    assert sheets.actions["find_rows"].required == ("column", "searchValue")


def test_notion_is_known_though_not_native(sdk_catalog: Catalog) -> None:
    assert fields(sdk_catalog, "notion.createPage") == [
        ("pageId", "string", True),
        ("title", "string", False),
        ("content", "string", False),
    ]
    assert sdk_catalog.action("notion", "createPage").input_schema()["required"] == ["pageId"]


def test_http(sdk_catalog: Catalog) -> None:
    http = sdk_catalog.integration("http")
    assert http.display_name == "HTTP"
    assert http.auth_types == ()
    assert fields(sdk_catalog, "http.send_request")[:6] == [
        ("method", "string", True),
        ("url", "string", True),
        ("headers", "object", True),
        ("queryParams", "object", True),
        ("authType", "string", True),
        ("authFields", "object", False),
    ]


def test_aliased_field_uses_the_wire_name(sdk_catalog: Catalog) -> None:
    send = sdk_catalog.action("aws-ses", "send_email")
    assert send.field_names[0] == "from"
    assert send.field("from").required  # type: ignore[union-attr]
    assert send.input_schema()["properties"]["from"]["type"] == "string"
    sms = sdk_catalog.action("africas-talking", "send_sms")
    assert ("from", "string", False) in fields(sdk_catalog, "africas-talking.send_sms")
    assert sms.props()["from"] == {
        "type": "SHORT_TEXT",
        "displayName": "from",
        "description": "Optional registered sender ID or short code.",
        "required": False,
    }


def test_unusual_action_names_survive(sdk_catalog: Catalog) -> None:
    assert "Create Customer" in sdk_catalog.integration("woocommerce").actions
    assert "send-email" in sdk_catalog.integration("smtp").actions
    assert "createCustomer" in sdk_catalog.integration("bigcommerce").actions


def test_no_connection_list_names_real_integrations(sdk_catalog: Catalog) -> None:
    for pattern in NO_CONNECTION:
        prefix = pattern.removesuffix("*")
        matches = [n for n in sdk_catalog.names if n == pattern or (pattern.endswith("*") and n.startswith(prefix))]
        assert matches, pattern
        for name in matches:
            assert sdk_catalog.integration(name).auth_types == (), name
    assert sdk_catalog.integration("agent-browser-stealth-ai").needs_connection is False
    assert sdk_catalog.integration("local-computer-control-agent").needs_connection is False
    assert sdk_catalog.integration("azure-blob-storage").needs_connection is True
    no_auth = [i.name for i in sdk_catalog if not i.needs_connection]
    assert len(no_auth) == 17 + 4 + 2  # exact names, agent-browser family, local-computer-control family


def test_lookup_is_lazy_and_suggests(sdk_cache_dir: Path) -> None:
    entries = sdk_entries(sdk_cache_dir)
    catalog = Catalog(entries)
    assert len(catalog) == 1079 and "notion" in catalog
    assert entries.built_count == 0
    with pytest.raises(ApiError) as err:
        catalog.integration("googel-sheets")
    assert err.value.code is ErrorCode.INTEGRATION_NOT_FOUND
    assert "did you mean 'google-sheets'" in err.value.message
    assert entries.built_count == 0
    with pytest.raises(ApiError) as err:
        catalog.action("slack", "send_chanel_message")
    assert err.value.code is ErrorCode.ACTION_NOT_FOUND
    assert err.value.details["suggestions"][0] == "send_channel_message"  # type: ignore[index]
    assert entries.built_count == 1


def test_full_catalog_overlays_natives_on_the_sdk(sdk_cache_dir: Path) -> None:
    full = load_full_catalog()
    assert len(full) >= 1079
    assert full.action("notion", "createPage").required == ("pageId",)


def test_loading_never_imports_the_sdk_catalogue(sdk_cache_dir: Path) -> None:
    probe = (
        "import sys\n"
        "from weavz_flow.catalog.sdk_cache import load_sdk_catalog\n"
        "c = load_sdk_catalog()\n"
        "c.action('slack', 'send_channel_message')\n"
        "heavy = sorted(m for m in ('weavz_sdk', 'weavz_sdk.integrations', 'pydantic') if m in sys.modules)\n"
        "print(','.join(heavy) or 'none')\n"
    )
    env = {**os.environ, CACHE_DIR_ENV: str(sdk_cache_dir)}
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, env=env)
    assert out.stdout.strip() == "none"


def test_cache_info_and_location(sdk_cache_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    info = sdk_cache_info(sdk_cache_dir)
    assert info is not None
    assert (info.integrations, info.actions, info.sdk_version) == (1079, 10850, sdk_version())
    assert info.path == sdk_cache_path(sdk_cache_dir) == sdk_cache_dir / f"sdk-catalog-{sdk_version()}.cache"
    assert sdk_cache_info(tmp_path) is None
    monkeypatch.delenv(CACHE_DIR_ENV)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_cache_dir() == tmp_path / "xdg" / "weavz-flow"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_cache_dir() == tmp_path / "home" / ".cache" / "weavz-flow"
    monkeypatch.setenv(CACHE_DIR_ENV, str(tmp_path / "explicit"))
    assert default_cache_dir() == tmp_path / "explicit"


def test_sdk_version_matches_the_metadata_api() -> None:
    from importlib import metadata

    assert sdk_version() == metadata.version("weavz-io-sdk")


@pytest.mark.slow
def test_cache_of_another_sdk_version_is_rebuilt(tmp_path: Path) -> None:
    path = sdk_cache_path(tmp_path)
    stale = IntegrationInfo(name="stale-only", display_name="Stale")
    path.write_bytes(encode("0.0.0-other", [stale]))
    builds: list[Path] = []
    catalog = load_sdk_catalog(tmp_path, on_build=builds.append)
    assert builds == [path]
    assert len(catalog) == 1079 and "stale-only" not in catalog
    assert CacheFile.read(path).sdk_version == sdk_version()


@pytest.mark.slow
def test_corrupt_cache_is_rebuilt_even_by_concurrent_loaders(tmp_path: Path) -> None:
    path = sdk_cache_path(tmp_path)
    path.write_bytes(b"WEAVZ-FLOW-SDK-CATALOG\n{\"format\": 1, \"sdkVers")  # a write cut short
    results: list[int] = []
    errors: list[BaseException] = []

    def load() -> None:
        try:
            results.append(len(load_sdk_catalog(tmp_path)))
        except BaseException as exc:  # reported below; a thread cannot raise into the test
            errors.append(exc)

    threads = [threading.Thread(target=load) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert results == [1079, 1079]
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary file left behind
    assert sdk_cache_info(tmp_path) is not None


def _oracle_type(prop: dict[str, Any]) -> str | None:
    """The JSON type pydantic itself states for a property (Optional's null branch dropped)."""
    options = [o for o in prop.get("anyOf", [prop]) if o.get("type") != "null"]
    if len(options) != 1:
        return None
    return options[0].get("type")


@pytest.mark.slow
def test_cache_reproduces_every_sdk_model(sdk_catalog: Catalog) -> None:
    """Every action against pydantic's own JSON Schema of the SDK model (by alias): names, order, required, types."""
    import weavz_sdk.integrations as sdk  # the 8-second import, paid once by this test only

    assert list(sdk_catalog.names) == list(sdk.INTEGRATION_ACTIONS)
    for integration, action_names in sdk.INTEGRATION_ACTIONS.items():
        info = sdk_catalog.integration(integration)
        assert tuple(info.actions) == action_names, integration
        for action_name in action_names:
            model = sdk.INTEGRATION_ACTION_INPUT_MAP[f"{integration}.{action_name}"]
            schema = model.model_json_schema(by_alias=True)
            action = info.actions[action_name]
            assert schema["description"].strip() == f"{info.display_name} — {action.display_name}", action.key
            props = schema.get("properties", {})
            assert list(action.field_names) == list(props), action.key
            assert set(action.required) == set(schema.get("required", [])), action.key
            for f in action.fields:
                assert f.type == _oracle_type(props[f.name]), (action.key, f.name)
                assert f.description == props[f.name].get("description", ""), (action.key, f.name)
