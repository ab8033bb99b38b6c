"""The tool view, computed from the full catalog and workspace objects as the services return them: which tools a
server offers, their names, and their schemas (enforced keys gone, supplied values shown as defaults)."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from weavz_flow.catalog.catalog import Catalog
from weavz_flow.catalog.model import ActionInfo, IntegrationInfo
from weavz_flow.engine.models import Partial, WorkspaceIntegration
from weavz_flow.integrations.registry import load_full_catalog
from weavz_flow.server.mcp.tool_view import compute_view
from weavz_flow.wire.mcp import McpTool

T0 = "2026-01-01T00:00:00.000000Z"


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_full_catalog()


def _alias(alias: str, integration: str, enabled: list[str] | None = None, sort_order: int = 0) -> WorkspaceIntegration:
    return WorkspaceIntegration(id=f"wi-{alias}", workspace_id="ws", org_id="org", integration_name=integration,
                                alias=alias, connection_strategy="fixed", enabled_actions=enabled,
                                sort_order=sort_order, created_at=T0, updated_at=T0)


def _partial(pid: str, alias: str, integration: str, action: str | None, values: dict[str, Any],
             enforced: list[str], default: bool) -> Partial:
    return Partial(id=pid, org_id="org", workspace_id="ws", integration_name=integration,
                   workspace_integration_id=f"wi-{alias}", integration_alias=alias, action_name=action, name=pid,
                   values=values, enforced_keys=enforced, is_default=default, created_at=T0, updated_at=T0)


def _tool(tid: str, integration: str, action: str, alias: str | None = None, **kw: Any) -> McpTool:
    return McpTool(id=tid, server_id="srv", integration_name=integration, action_name=action,
                   integration_alias=alias, created_at=T0, updated_at=T0, **kw)


def test_synced_tools_are_the_enabled_native_actions_of_each_alias(catalog: Catalog) -> None:
    view = compute_view(catalog, [_alias("kv", "kv-store"), _alias("bot", "slack", ["send_channel_message"])], [],
                        [])
    names = [t.name for t in view.tools]
    assert sorted(names) == sorted([f"kv__{a}" for a in catalog.integration("kv-store").native_actions]
                                   + ["bot__send_channel_message"])
    # A catalog action that does not run here is not offered (hubspot runs 1 of its 29: custom_api_call).
    everything = compute_view(catalog, [_alias("crm", "hubspot")], [], [])
    hubspot = catalog.integration("hubspot")
    assert [t.name for t in everything.tools] == ["crm__custom_api_call"] and len(hubspot.actions) > 1
    put = view.by_name["kv__put"]
    assert put.input_schema == catalog.action("kv-store", "put").input_schema()
    assert view.answer["tools"][names.index("kv__put")]["inputSchema"] == put.input_schema


def test_enforced_keys_leave_the_schema_and_supplied_values_become_defaults(catalog: Catalog) -> None:
    partials = [
        _partial("lock", "bot", "slack", "send_channel_message", {"channel": "C0ALERTS"}, ["channel"], True),
        _partial("wide", "bot", "slack", None, {"unfurl_links": False}, [], True),
        _partial("named", "bot", "slack", "send_channel_message", {"text": "hi"}, [], False),
    ]
    view = compute_view(catalog, [_alias("bot", "slack", ["send_channel_message"])], partials, [])
    schema = view.by_name["bot__send_channel_message"].input_schema
    assert "channel" not in schema["properties"]
    assert schema["properties"]["unfurl_links"]["default"] is False
    assert "default" not in schema["properties"]["text"]  # not a default partial: not applied unless named
    assert schema["required"] == ["text"]

    # The tool's own partials and inputDefaults: the enforcing default still holds, the named one pre-fills.
    tool = _tool("t1", "slack", "send_channel_message", "bot", partial_ids=["named"], input_defaults={"thread_ts": "1"},
                 display_name="Alert the team", description="Posts to the alerts channel", sort_order=-1)
    view = compute_view(catalog, [_alias("kv", "kv-store"), _alias("bot", "slack", ["send_channel_message"])],
                        partials, [tool])
    spec = view.by_name["bot__send_channel_message"]
    assert view.tools[0] is spec  # sortOrder -1 comes first
    assert "channel" not in spec.input_schema["properties"]
    assert spec.input_schema["properties"]["text"]["default"] == "hi"
    assert spec.input_schema["properties"]["thread_ts"]["default"] == "1"
    assert "unfurl_links" not in [k for k, v in spec.input_schema["properties"].items() if "default" in v]
    assert spec.input_schema["required"] == []
    assert (spec.title, spec.description, spec.partial_ids) == ("Alert the team", "Posts to the alerts channel",
                                                                ("named",))


def test_explicit_tools_need_an_enabled_alias_or_none_at_all(catalog: Catalog,
                                                            caplog: pytest.LogCaptureFixture) -> None:
    tools = [
        _tool("t1", "kv-store", "put"),  # no kv-store alias in the workspace: runs without one, named after it
        _tool("t2", "slack", "list_channels", "bot"),  # disabled on the alias
        _tool("t3", "slack", "send_channel_message", "nope"),  # no such alias
    ]
    with caplog.at_level(logging.WARNING, "weavz_flow.server.mcp"):
        view = compute_view(catalog, [_alias("bot", "slack", ["send_channel_message"])], [], tools)
    assert sorted(view.by_name) == ["bot__send_channel_message", "kv-store__put"]
    assert view.by_name["kv-store__put"].alias is None
    assert "t2" in caplog.text and "t3" in caplog.text


def test_names_breaking_the_mcp_rule_or_clashing_are_left_out(caplog: pytest.LogCaptureFixture) -> None:
    # Aliases are [a-z0-9_-]{1,64}; the catalog's action names are not bound that way, nor is their length.
    actions = ["ok", "with space", "x" * 63, "b__c", "c"]
    odd = Catalog([IntegrationInfo("odd", actions={a: ActionInfo("odd", a) for a in actions},
                                   native_actions=frozenset(actions))])
    with caplog.at_level(logging.WARNING, "weavz_flow.server.mcp"):
        view = compute_view(odd, [_alias("a" * 64, "odd"), _alias("a", "odd"), _alias("a__b", "odd")], [], [])
    long = "a" * 64
    assert f"{long}__ok" in view.by_name and f"{long}__c" in view.by_name
    assert f"{long}__{'x' * 63}" not in view.by_name  # 129 characters
    assert not any(" " in name for name in view.by_name)
    assert "a__b__c" not in view.by_name  # alias a + action b__c, and alias a__b + action c
    assert {"a__ok", "a__b__ok", "a__" + "x" * 63} <= set(view.by_name)
    assert "breaks the MCP tool-name rule" in caplog.text and "would name two tools" in caplog.text
