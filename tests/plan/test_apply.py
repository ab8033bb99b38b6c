"""Plan and apply, the same scenarios on both backends: the local engine, and RemoteBackend against the real
``weavz-flow serve`` app under uvicorn (the ``backend`` fixture in conftest.py). Converge, no-op second apply,
bounded reads, updates, secrets, replace, prune, targets, missing secrets, an interrupted apply."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tests.plan.project_files import WORKSPACE, plan_and_apply, write_project
from weavz_flow.backends.local import LocalBackend
from weavz_flow.backends.remote import RemoteBackend
from weavz_flow.config.load import load_project
from weavz_flow.errors import ConfigError
from weavz_flow.plan.apply import apply_plan
from weavz_flow.plan.model import Action, Address
from weavz_flow.plan.render_text import render_text
from weavz_flow.plan.session import PlanRequest, fingerprint_book, make_plan


def test_first_apply_creates_everything_and_second_makes_no_write_calls(project_root, backend):
    first = plan_and_apply(project_root, backend)
    assert first.summary.add == 8
    second = make_plan(load_project(project_root), backend)
    assert not second.has_changes, render_text(second)
    before = backend.round_trips
    result = apply_plan(second, backend)
    assert result.ok and result.applied == ()
    assert backend.round_trips == before  # not a single backend call (for the remote backend: no HTTP request)
    prod = next(w for w in backend.list_workspaces() if w.slug == "acme-prod")
    assert prod.name == "ACME Production"
    snapshot = backend.snapshot(prod)
    assert sorted(a.alias for a in snapshot.aliases) == ["kv", "slack_bot"]
    [bot] = [a for a in snapshot.aliases if a.alias == "slack_bot"]
    assert bot.enabled_actions == ("send_channel_message",) and bot.connection_id is not None
    [partial] = snapshot.partials
    assert (partial.name, partial.alias, partial.values, partial.enforced_keys, partial.is_default) == (
        "alerts",
        "slack_bot",
        {"channel": "C0ALERTS"},
        ("channel",),
        True,
    )
    [alice] = snapshot.end_users
    assert (alice.external_id, alice.display_name, alice.email) == ("alice", "Alice", "alice@acme.example")
    [conn] = backend.list_connections()
    assert (conn.external_id, conn.integration, conn.type, conn.display_name, conn.workspace_id) == (
        "slack-prod",
        "slack",
        "SECRET_TEXT",
        "ACME Slack",
        prod.id,
    )
    assert bot.connection_id == conn.id


def test_plan_reads_a_bounded_number_of_times(project_root, backend):
    plan_and_apply(project_root, backend)
    before = backend.round_trips
    make_plan(load_project(project_root), backend)
    reads = backend.round_trips - before
    assert reads > 0  # the counter does count, so the zero-call assertions elsewhere mean something
    if isinstance(backend, LocalBackend):
        # Workspaces, connections, one query per snapshot kind across all workspaces, the MCP servers (their
        # tools in one more query when there are any) and the approval policies (their secrets' fingerprints in
        # one more when there are any).
        assert reads <= 2 + 3 + 2 + 2
    else:
        # The Weavz API has no combined read: workspaces, connections, then four GETs per workspace (two here: its
        # integrations, partials, end users and MCP servers; one more per MCP server, none here), and one execute
        # that reads the project's state (fingerprints, ownership) kept with the backend; and one unpaged list of
        # the approval policies.
        assert isinstance(backend, RemoteBackend)
        assert reads <= 2 + 4 * 2 + 1 + 1


def test_edit_updates_in_place(project_root, backend):
    plan_and_apply(project_root, backend)
    write_project(
        project_root,
        WORKSPACE.replace("    actions: [send_channel_message]\n", "")
        .replace("values: {channel: C0ALERTS}", "values: {channel: C0OTHER}")
        .replace("display_name: Alice", "display_name: Alice Smith")
        .replace("name: ACME Production", "name: ACME Prod"),
    )
    plan = plan_and_apply(project_root, backend)
    assert {str(c.address): c.action for c in plan.actionable} == {
        "workspace.acme-prod": Action.UPDATE,
        "workspace.acme-prod/end_user.alice": Action.UPDATE,
        "workspace.acme-prod/integration.slack_bot": Action.UPDATE,
        "workspace.acme-prod/partial.alerts": Action.UPDATE,
    }
    assert not make_plan(load_project(project_root), backend).has_changes


def test_changed_secret_shows_and_applies(project_root, backend, monkeypatch):
    plan_and_apply(project_root, backend)
    [before] = backend.list_connections()
    monkeypatch.setenv("TEST_SLACK_TOKEN", "xoxb-test-token-2")
    plan = make_plan(load_project(project_root), backend)
    changes = {str(c.address): c.action for c in plan.actionable}
    if isinstance(backend, LocalBackend):
        # The engine stores the credential itself and updates it in place: one change, same connection.
        assert changes == {"workspace.acme-prod/connection.slack-prod": Action.UPDATE}
    else:
        # Neither hosted Weavz nor weavz-flow serve has a connection PATCH (RemoteBackend's capabilities say
        # connection_update=False), so a changed secret is a replace, made before the old one is destroyed; the
        # alias on it moves along inside that one change.
        assert isinstance(backend, RemoteBackend) and not backend.capabilities.connection_update
        assert changes == {"workspace.acme-prod/connection.slack-prod": Action.REPLACE}
        assert plan.actionable[0].create_before_destroy
    text = render_text(plan)
    assert "(sensitive value changed)" in text and "xoxb-test-token" not in text
    plan_and_apply(project_root, backend)
    [after] = backend.list_connections()
    assert after.external_id == "slack-prod"
    if isinstance(backend, LocalBackend):
        assert after.id == before.id
    else:
        assert after.id != before.id
    prod = next(w for w in backend.list_workspaces() if w.slug == "acme-prod")
    [bot] = [a for a in backend.snapshot(prod).aliases if a.alias == "slack_bot"]
    assert bot.connection_id == after.id
    assert not make_plan(load_project(project_root), backend).has_changes


def test_replace_when_integration_changes(project_root, backend):
    plan_and_apply(project_root, backend)
    write_project(project_root, WORKSPACE.replace("integration: kv-store", "integration: storage"))
    plan = plan_and_apply(project_root, backend)
    [change] = plan.actionable
    assert change.action is Action.REPLACE and change.reason == "integration cannot change in place"
    assert not make_plan(load_project(project_root), backend).has_changes


def test_removed_objects_are_unmanaged_until_pruned(project_root, backend):
    plan_and_apply(project_root, backend)
    write_project(project_root, staging=False)
    plan = make_plan(load_project(project_root), backend)
    assert not plan.has_changes
    assert [str(a) for a in plan.unmanaged] == ["workspace.acme-staging", "workspace.acme-staging/integration.http"]
    pruned = plan_and_apply(project_root, backend, PlanRequest(prune=True))
    assert [(str(c.address), c.action) for c in pruned.actionable] == [
        ("workspace.acme-staging/integration.http", Action.DELETE),
        ("workspace.acme-staging", Action.DELETE),
    ]
    after = make_plan(load_project(project_root), backend, PlanRequest(prune=True))
    assert not after.has_changes and after.unmanaged == ()
    assert [w.slug for w in backend.list_workspaces()] == ["acme-prod"]


def test_target_applies_only_that_address(project_root, backend):
    plan = plan_and_apply(project_root, backend, PlanRequest(targets=(Address.parse("workspace.acme-staging"),)))
    assert [str(c.address) for c in plan.actionable] == [
        "workspace.acme-staging", "workspace.acme-staging/integration.http",
    ]
    assert [w.slug for w in backend.list_workspaces()] == ["acme-staging"]
    rest = make_plan(load_project(project_root), backend)
    assert rest.summary.add == 6


def test_missing_secret_names_file_and_line(project_root, backend, monkeypatch):
    monkeypatch.delenv("TEST_SLACK_TOKEN")
    before = backend.round_trips
    with pytest.raises(ConfigError) as info:
        make_plan(load_project(project_root), backend)
    [problem] = info.value.diagnostics
    assert "TEST_SLACK_TOKEN" in problem.message
    assert problem.position is not None and problem.position.file.endswith("acme-prod.yaml")
    assert problem.position.line == 8
    assert backend.round_trips == before  # the config is refused before the backend is asked anything


def test_interrupted_create_is_adopted_without_duplicates(project_root, backend):
    project = load_project(project_root)
    plan = make_plan(project, backend)
    # Simulate a run killed after some writes: apply the first half, then apply the original (now stale) plan.
    half = plan.actionable[: len(plan.actionable) // 2]
    assert apply_plan(replace(plan, changes=half), backend).ok
    result = apply_plan(plan, backend, book=fingerprint_book(project, backend))
    assert result.ok, result.error
    # What the first run made is adopted, not added a second time: the two runs' additions sum to the objects.
    assert result.counts() == (len(plan.actionable) - len(half), 0, 0, len(half))
    assert not make_plan(project, backend).has_changes
    assert len(backend.list_workspaces()) == 2
    assert len(backend.list_connections()) == 1
