"""MCP servers declared in YAML, on both backends (the local engine, and RemoteBackend against the real
``weavz-flow serve`` under uvicorn): plan shows the server with its tools, apply makes it, a re-plan has no changes,
a tool removed or changed is a ``~`` update of the server, and import writes a server back to YAML. No token ever
appears in a plan."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from tests.engine.engine_fixtures import postgres_schema, schema_url
from tests.plan.project_files import WORKSPACE, lose_and_import, write_project
from tests.plan.test_apply import plan_and_apply
from tests.server.accounts import SERVICE_KEY, LiveServer, bootstrap_account
from tests.server.live_server import serve_in_thread
from weavz_flow.backends.live import LiveMcpServer
from weavz_flow.backends.local import LocalBackend
from weavz_flow.backends.protocol import Backend
from weavz_flow.backends.remote import RemoteBackend
from weavz_flow.catalog.catalog import Catalog
from weavz_flow.config.import_yaml import write_import
from weavz_flow.config.load import load_project
from weavz_flow.engine.engine import Engine
from weavz_flow.plan.live_state import read_live
from weavz_flow.plan.model import Action, Address, ObjectKind, Plan
from weavz_flow.plan.render_json import render_json
from weavz_flow.plan.render_text import render_text
from weavz_flow.plan.session import PlanRequest, make_plan
from weavz_flow.sensitive import Sensitive
from weavz_flow.server import app as app_module
from weavz_flow.server.routes import mcp_servers as mcp_routes
from weavz_flow.server.settings import ServerSettings

SERVER = Address("acme-prod", ObjectKind.MCP_SERVER, "support-agent")

TOOLS = """\
mcp_servers:
  support-agent:
    description: Tools for the support agent
    tools:
      - tool: slack_bot.send_channel_message
        display_name: Post an alert
        description: Posts to the alerts channel
        partials: [alerts]
      - tool: kv.get
        input_defaults: {key: greeting}
"""

WITHOUT_KV = """\
mcp_servers:
  support-agent:
    description: Tools for the support agent
    tools:
      - tool: slack_bot.send_channel_message
        display_name: Post an alert
        description: Posts to the alerts channel
        partials: [alerts]
"""


def plan_of(root: Path, backend: Backend, request: PlanRequest | None = None) -> Plan:
    return make_plan(load_project(root), backend, request)


def live_server(backend: Backend, name: str = "support-agent") -> LiveMcpServer | None:
    prod = next(w for w in backend.list_workspaces() if w.slug == "acme-prod")
    return next((s for s in backend.list_mcp_servers([prod]) if s.name == name), None)


@pytest.fixture
def postgres_backend(project_root: Path, catalog: Catalog) -> Iterator[LocalBackend]:
    """The local engine on PostgreSQL (a fresh schema), as a project with ``database_url`` would have it."""
    with postgres_schema() as (url, schema):
        backend = LocalBackend(project_root / ".weavz-flow", schema_url(url, schema), catalog=catalog)
        try:
            yield backend
        finally:
            backend.close()


def test_plan_apply_replan_remove_a_tool(project_root, backend):
    acceptance(project_root, backend)


@pytest.mark.postgres
def test_plan_apply_replan_remove_a_tool_on_postgresql(project_root, postgres_backend):
    acceptance(project_root, postgres_backend)


def acceptance(project_root: Path, backend: Backend) -> None:
    write_project(project_root, WORKSPACE + TOOLS)
    plan = plan_of(project_root, backend)
    [change] = [c for c in plan.actionable if c.address == SERVER]
    assert change.action is Action.CREATE
    text = render_text(plan)
    assert "  + workspace.acme-prod/mcp_server.support-agent\n" in text
    assert ('      + tools.slack_bot.send_channel_message = {"description": "Posts to the alerts channel", '
            '"display_name": "Post an alert", "partials": ["alerts"]}\n') in text
    assert '      + tools.kv.get = {"input_defaults": {"key": "greeting"}}\n' in text
    assert '      + description = "Tools for the support agent"\n' in text
    # Created after the aliases and the partial its tools name.
    order = [c.address.kind for c in plan.actionable]
    assert order.index(ObjectKind.MCP_SERVER) > max(order.index(ObjectKind.ALIAS), order.index(ObjectKind.PARTIAL))

    plan_and_apply(project_root, backend)
    server = live_server(backend)
    assert server is not None
    assert (server.mode, server.auth_mode, server.description) == ("TOOLS", "oauth", "Tools for the support agent")
    prod = next(w for w in backend.list_workspaces() if w.slug == "acme-prod")
    [alerts] = backend.snapshot(prod).partials
    slack, kv = server.tools
    assert (slack.key, slack.integration, slack.display_name, slack.partial_ids, slack.sort_order) == (
        "slack_bot.send_channel_message", "slack", "Post an alert", (alerts.id,), 0)
    assert (kv.key, kv.integration, dict(kv.input_defaults), kv.sort_order) == ("kv.get", "kv-store",
                                                                                  {"key": "greeting"}, 1)
    again = plan_of(project_root, backend)
    assert not again.has_changes, render_text(again)
    assert "No changes." in render_text(again)

    write_project(project_root, WORKSPACE + WITHOUT_KV)
    removed = plan_of(project_root, backend)
    [change] = removed.actionable
    assert (change.address, change.action) == (SERVER, Action.UPDATE)
    text = render_text(removed)
    assert "  ~ workspace.acme-prod/mcp_server.support-agent\n" in text
    assert '      - tools.kv.get = {"input_defaults": {"key": "greeting"}} -> null\n' in text
    assert "Plan: 0 to add, 1 to change, 0 to destroy." in text
    [attribute] = json.loads(render_json(removed))["changes"][0]["attributes"]
    assert attribute == {"name": "tools.kv.get", "before": {"input_defaults": {"key": "greeting"}}, "after": None,
                         "sensitive": False}

    plan_and_apply(project_root, backend)
    server = live_server(backend)
    assert server is not None and [t.key for t in server.tools] == ["slack_bot.send_channel_message"]
    assert not plan_of(project_root, backend).has_changes


def test_reading_servers_stays_bounded(project_root, backend):
    two = TOOLS + "  ci:\n    tools: [{tool: kv.put}]\n"
    write_project(project_root, WORKSPACE + two)
    plan_and_apply(project_root, backend)
    before = backend.round_trips
    live_state = read_live(backend)
    assert sum(len(s.mcp_servers) for s in live_state.snapshots.values()) == 2
    if isinstance(backend, LocalBackend):
        # The servers and all their tools: two queries; the approval policies (none): one.
        assert backend.round_trips - before == 2 + 3 + 2 + 1
    else:
        # One GET per workspace, then one per server; one for the approval policies.
        assert backend.round_trips - before == 2 + 4 * 2 + 2 + 1


def test_a_changed_added_and_reordered_tool_converge_in_one_apply(project_root, backend):
    write_project(project_root, WORKSPACE + TOOLS)
    plan_and_apply(project_root, backend)
    edited = """\
mcp_servers:
  support-agent:
    description: Tools for the support agent
    auth_mode: oauth_and_bearer
    tools:
      - tool: kv.put
        description: Store a value
      - tool: kv.get
        input_defaults: {key: other}
      - tool: slack_bot.send_channel_message
        display_name: Post an alert
        description: Posts to the alerts channel
"""
    write_project(project_root, WORKSPACE + edited)
    plan = plan_of(project_root, backend)
    [change] = plan.actionable
    diffs = {d.name: (d.before, d.after) for d in change.diffs}
    assert diffs == {
        "auth_mode": ("oauth", "oauth_and_bearer"),
        "tools.kv.put": (None, {"description": "Store a value"}),
        "tools.kv.get": ({"input_defaults": {"key": "greeting"}}, {"input_defaults": {"key": "other"}}),
        "tools.slack_bot.send_channel_message": (
            {"description": "Posts to the alerts channel", "display_name": "Post an alert", "partials": ["alerts"]},
            {"description": "Posts to the alerts channel", "display_name": "Post an alert"}),
        "tool_order": (["slack_bot.send_channel_message", "kv.get"], ["kv.get", "slack_bot.send_channel_message"]),
    }
    plan_and_apply(project_root, backend)
    server = live_server(backend)
    assert server is not None and server.auth_mode == "oauth_and_bearer"
    assert [(t.key, t.sort_order) for t in server.tools] == [
        ("kv.put", 0), ("kv.get", 1), ("slack_bot.send_channel_message", 2)]
    assert server.tools[2].partial_ids == ()
    again = plan_of(project_root, backend)
    assert not again.has_changes, render_text(again)


def test_a_replaced_partial_re_points_the_tools_that_name_it(project_root, backend):
    write_project(project_root, WORKSPACE + TOOLS)
    plan_and_apply(project_root, backend)
    # The partial's action cannot change in place: it is replaced, and gets a new id on the backend.
    write_project(project_root, WORKSPACE.replace("    action: send_channel_message\n", "") + TOOLS)
    plan = plan_of(project_root, backend)
    partial, server = plan.actionable
    assert (partial.kind, partial.action) == (ObjectKind.PARTIAL, Action.REPLACE)
    assert (server.address, server.action, server.reason) == (SERVER, Action.UPDATE,
                                                              "its tools' partials 'alerts' are replaced")
    [diff] = server.diffs
    assert diff.name == "tools.slack_bot.send_channel_message" and diff.before == diff.after
    assert "(re-pointed)" in render_text(plan)
    plan_and_apply(project_root, backend)
    prod = next(w for w in backend.list_workspaces() if w.slug == "acme-prod")
    [alerts] = backend.snapshot(prod).partials
    server_now = live_server(backend)
    assert server_now is not None and server_now.tools[0].partial_ids == (alerts.id,)
    assert not plan_of(project_root, backend).has_changes


def test_an_undeclared_server_is_unmanaged_until_pruned(project_root, backend):
    write_project(project_root, WORKSPACE + TOOLS)
    plan_and_apply(project_root, backend)
    write_project(project_root, WORKSPACE)
    plan = plan_of(project_root, backend)
    assert not plan.has_changes and SERVER in plan.unmanaged
    pruned = plan_and_apply(project_root, backend, PlanRequest(prune=True, targets=(SERVER,)))
    assert [(c.address, c.action) for c in pruned.actionable] == [(SERVER, Action.DELETE)]
    assert live_server(backend) is None
    # Its partial and aliases are still there: pruning a server takes only the server.
    assert not plan_of(project_root, backend).has_changes


def test_a_bearer_server_keeps_no_token_anywhere(project_root, backend):
    bearer = "mcp_servers:\n  ci:\n    auth_mode: bearer\n    tools: [{tool: kv.get}]\n"
    write_project(project_root, WORKSPACE + bearer)
    plan = plan_of(project_root, backend)
    for rendered in (render_text(plan), render_json(plan)):
        assert "mcp_" not in rendered.replace("mcp_server", "")
    plan_and_apply(project_root, backend)
    server = live_server(backend, "ci")
    assert server is not None and server.auth_mode == "bearer"
    assert not list(project_root.rglob("*.json"))  # no saved token, no state file with one
    assert not plan_of(project_root, backend).has_changes


def test_import_writes_a_server_back_and_plan_then_has_no_changes(project_root, backend, tmp_path):
    result, prod = lose_and_import(project_root, backend, TOOLS)
    assert [(e.section, e.name) for e in prod.entries] == [("mcp_servers", "support-agent")]
    write_import(result)
    written = yaml.safe_load((project_root / "workspaces" / "acme-prod.yaml").read_text())
    assert written["mcp_servers"] == {"support-agent": {
        "description": "Tools for the support agent",
        "tools": [
            {"tool": "slack_bot.send_channel_message", "display_name": "Post an alert",
             "description": "Posts to the alerts channel", "partials": ["alerts"]},
            {"tool": "kv.get", "input_defaults": {"key": "greeting"}},
        ],
    }}
    plan = plan_of(project_root, backend)
    assert not plan.has_changes and not plan.unmanaged, render_text(plan)


def test_a_server_without_the_mcp_api_has_no_servers(project_root, catalog, tmp_path, monkeypatch):
    """An older ``weavz-flow serve`` (no /api/v1/mcp routes): plan reads no servers instead of failing."""
    monkeypatch.setattr(app_module, "ROUTERS", tuple(r for r in app_module.ROUTERS if r is not mcp_routes.router))
    engine = Engine.open(f"sqlite:///{tmp_path / 'old.db'}", key_file=tmp_path / "secret.key", catalog=catalog)
    try:
        with serve_in_thread(app_module.create_app(engine, ServerSettings(service_key=Sensitive(SERVICE_KEY)))) as url:
            account = bootstrap_account(LiveServer(url, engine, SERVICE_KEY))
            backend = RemoteBackend(account.url, Sensitive(account.api_key))
            try:
                plan_and_apply(project_root, backend)  # the project declares no server
                assert backend.list_mcp_servers(backend.list_workspaces()) == []
                assert not plan_of(project_root, backend).has_changes
            finally:
                backend.close()
    finally:
        engine.close()
