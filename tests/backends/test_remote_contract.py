"""The remote backend against a real ``weavz-flow`` API under uvicorn on 127.0.0.1: the same plan/apply scenarios
as the local backend (tests/plan/test_apply_local.py), now over HTTP with the wire names of remote.py."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.config.small_catalog import small_catalog
from tests.plan.project_files import WORKSPACE, write_project
from tests.server.accounts import SERVICE_KEY, Account, LiveServer, bootstrap_account
from tests.server.live_server import serve_in_thread
from weavz_flow.backends import EndUserSpec, WorkspaceSpec
from weavz_flow.backends.remote import RemoteBackend
from weavz_flow.config.load import load_project
from weavz_flow.engine.engine import Engine
from weavz_flow.errors import ApiError, ErrorCode
from weavz_flow.plan.apply import apply_plan
from weavz_flow.plan.import_yaml import collect_import, write_import
from weavz_flow.plan.live_state import read_live
from weavz_flow.plan.model import Action, Plan
from weavz_flow.plan.render_text import render_text
from weavz_flow.plan.session import PlanRequest, fingerprint_book, make_plan
from weavz_flow.sensitive import Sensitive
from weavz_flow.server.app import create_app
from weavz_flow.server.settings import ServerSettings


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    db = tmp_path_factory.mktemp("remote-contract-db") / "state.db"
    engine = Engine.open(f"sqlite:///{db}", key_file=db.parent / "secret.key", catalog=small_catalog())
    app = create_app(engine, ServerSettings(service_key=Sensitive(SERVICE_KEY)))
    try:
        with serve_in_thread(app) as url:
            yield LiveServer(url=url, engine=engine, service_key=SERVICE_KEY)
    finally:
        engine.close()


@pytest.fixture
def account(live_server: LiveServer) -> Account:
    return bootstrap_account(live_server)  # a fresh organization per test keeps tests apart


@pytest.fixture
def project_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TEST_SLACK_TOKEN", "xoxb-test-token-1")
    monkeypatch.delenv("WEAVZ_API_URL", raising=False)
    return write_project(tmp_path / "project")


@pytest.fixture
def remote(account: Account, tmp_path: Path) -> Iterator[RemoteBackend]:
    # Neither hosted Weavz nor weavz-flow serve has a connection PATCH: a changed secret replaces the connection.
    backend = RemoteBackend(account.url, Sensitive(account.api_key), lock_dir=tmp_path / "locks")
    yield backend
    backend.close()


def plan_and_apply(root: Path, backend: RemoteBackend, request: PlanRequest | None = None) -> Plan:
    project = load_project(root)
    plan = make_plan(project, backend, request)
    result = apply_plan(plan, backend, book=fingerprint_book(project, backend))
    assert result.ok, result.error
    return plan


def test_first_apply_creates_everything_and_second_makes_no_write_calls(project_root, remote):
    first = plan_and_apply(project_root, remote)
    assert first.summary.add == 8
    second = make_plan(load_project(project_root), remote)
    assert not second.has_changes, render_text(second)
    before = remote.round_trips
    result = apply_plan(second, remote)
    assert result.ok and result.applied == ()
    assert remote.round_trips == before  # not a single HTTP request
    prod = next(w for w in remote.list_workspaces() if w.slug == "acme-prod")
    assert prod.name == "ACME Production"
    snapshot = remote.snapshot(prod)
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
    [conn] = remote.list_connections()
    assert (conn.external_id, conn.integration, conn.type, conn.display_name, conn.workspace_id) == (
        "slack-prod",
        "slack",
        "SECRET_TEXT",
        "ACME Slack",
        prod.id,
    )


def test_plan_reads_a_bounded_number_of_times(project_root, remote):
    plan_and_apply(project_root, remote)
    before = remote.round_trips
    make_plan(load_project(project_root), remote)
    assert remote.round_trips - before <= 2 + 3 * 2  # workspaces, connections, three GETs per workspace


def test_edit_updates_in_place(project_root, remote):
    plan_and_apply(project_root, remote)
    write_project(
        project_root,
        WORKSPACE.replace("    actions: [send_channel_message]\n", "")
        .replace("values: {channel: C0ALERTS}", "values: {channel: C0OTHER}")
        .replace("display_name: Alice", "display_name: Alice Smith")
        .replace("name: ACME Production", "name: ACME Prod"),
    )
    plan = plan_and_apply(project_root, remote)
    assert {str(c.address): c.action for c in plan.actionable} == {
        "workspace.acme-prod": Action.UPDATE,
        "workspace.acme-prod/end_user.alice": Action.UPDATE,
        "workspace.acme-prod/integration.slack_bot": Action.UPDATE,
        "workspace.acme-prod/partial.alerts": Action.UPDATE,
    }
    assert not make_plan(load_project(project_root), remote).has_changes


def test_changed_secret_replaces_without_connection_update(project_root, remote, monkeypatch):
    plan_and_apply(project_root, remote)
    [before] = remote.list_connections()
    monkeypatch.setenv("TEST_SLACK_TOKEN", "xoxb-test-token-2")
    plan = make_plan(load_project(project_root), remote)
    # the alias pointing at it is re-pointed to the replacement
    assert {str(c.address): c.action for c in plan.actionable} == {
        "workspace.acme-prod/connection.slack-prod": Action.REPLACE,
        "workspace.acme-prod/integration.slack_bot": Action.UPDATE,
    }
    text = render_text(plan)
    assert "(sensitive value changed)" in text and "xoxb-test-token" not in text
    plan_and_apply(project_root, remote)
    [after] = remote.list_connections()
    assert after.external_id == "slack-prod" and after.id != before.id
    prod = next(w for w in remote.list_workspaces() if w.slug == "acme-prod")
    [bot] = [a for a in remote.snapshot(prod).aliases if a.alias == "slack_bot"]
    assert bot.connection_id == after.id
    assert not make_plan(load_project(project_root), remote).has_changes


def test_removed_objects_are_unmanaged_until_pruned(project_root, remote):
    plan_and_apply(project_root, remote)
    write_project(project_root, staging=False)
    plan = make_plan(load_project(project_root), remote)
    assert not plan.has_changes
    assert [str(a) for a in plan.unmanaged] == ["workspace.acme-staging", "workspace.acme-staging/integration.http"]
    pruned = plan_and_apply(project_root, remote, PlanRequest(prune=True))
    assert [(str(c.address), c.action) for c in pruned.actionable] == [
        ("workspace.acme-staging/integration.http", Action.DELETE),
        ("workspace.acme-staging", Action.DELETE),
    ]
    after = make_plan(load_project(project_root), remote, PlanRequest(prune=True))
    assert not after.has_changes and after.unmanaged == ()
    assert [w.slug for w in remote.list_workspaces()] == ["acme-prod"]


def test_replace_when_integration_changes(project_root, remote):
    plan_and_apply(project_root, remote)
    write_project(project_root, WORKSPACE.replace("integration: kv-store", "integration: storage"))
    plan = plan_and_apply(project_root, remote)
    [change] = plan.actionable
    assert change.action is Action.REPLACE
    assert not make_plan(load_project(project_root), remote).has_changes


def test_interrupted_create_is_adopted_without_duplicates(project_root, remote):
    from dataclasses import replace

    project = load_project(project_root)
    plan = make_plan(project, remote)
    half = plan.actionable[: len(plan.actionable) // 2]
    assert apply_plan(replace(plan, changes=half), remote).ok
    result = apply_plan(plan, remote, book=fingerprint_book(project, remote))
    assert result.ok, result.error
    assert not make_plan(project, remote).has_changes
    assert len(remote.list_workspaces()) == 2


def test_api_errors_keep_code_and_status(remote):
    remote.create_workspace(WorkspaceSpec("acme", "ACME"))
    with pytest.raises(ApiError) as info:
        remote.create_workspace(WorkspaceSpec("acme", "ACME again"))
    assert info.value.status == 409 and info.value.code is ErrorCode.DUPLICATE


def test_a_wrong_key_is_refused_and_never_echoed(account, tmp_path):
    wrong = "wfk-wrong-key-never-shown-0123"
    backend = RemoteBackend(account.url, Sensitive(wrong), lock_dir=tmp_path / "locks")
    try:
        with pytest.raises(ApiError) as info:
            backend.list_workspaces()
    finally:
        backend.close()
    assert info.value.status == 401
    assert wrong not in str(info.value) and wrong not in repr(info.value.details)


RICH = """\
workspace: acme-rich
name: ACME Rich
connections:
  gh-shared:
    integration: github
    type: SECRET_TEXT
    secret: {env: TEST_GH_TOKEN}
  gh-bob:
    integration: github
    type: SECRET_TEXT
    secret: {env: TEST_GH_TOKEN}
    end_user: bob
end_users:
  bob:
    display_name: Bob
    metadata: {team: platform, tier: 2}
  carol: {}
integrations:
  gh:
    integration: github
    strategy: per_user_with_fallback
    connection: gh-shared
    display_name: GitHub (fallback)
  gh_users:
    integration: github
    strategy: per_user
  store:
    integration: storage
    settings:
      persistence: {scope: external, external_id: tenant-7}
partials:
  repo:
    alias: gh
    description: pin the repository
    values: {owner: acme, repo: flow}
    enforced: [owner]
"""


def test_import_over_http_round_trips_every_object_kind(project_root, remote, monkeypatch):
    monkeypatch.setenv("TEST_GH_TOKEN", "ghp-test-token")
    rich = project_root / "workspaces" / "acme-rich.yaml"
    rich.write_text(RICH, encoding="utf-8")
    plan_and_apply(project_root, remote)
    rich.unlink()
    project = load_project(project_root)
    result = collect_import(project, read_live(remote), out_dir=project_root / "workspaces")
    assert write_import(result) == [rich]
    assert result.skipped == ()
    for name in result.secrets:
        monkeypatch.setenv(name, "ghp-test-token")
    plan = make_plan(load_project(project_root), remote)
    assert not plan.has_changes, render_text(plan)
    assert sorted(result.secrets) == ["WEAVZ_ACME_RICH_GH_BOB_SECRET", "WEAVZ_ACME_RICH_GH_SHARED_SECRET"]


def test_lists_page_past_one_hundred(remote):
    ws = remote.create_workspace(WorkspaceSpec("many", "Many"))
    for i in range(105):
        remote.create_end_user(EndUserSpec(ws.id, f"user-{i:03d}"))
    snapshot = remote.snapshot(ws)
    assert sorted(e.external_id for e in snapshot.end_users) == [f"user-{i:03d}" for i in range(105)]
