"""What only the remote backend has, against a real ``weavz-flow`` API under uvicorn on 127.0.0.1: error codes and
statuses, a wrong key kept out of errors, paging past 100, and import of every object kind over HTTP (every wire name
of remote.py read back). The plan/apply scenarios run on both backends in tests/plan/test_apply.py."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.config.small_catalog import small_catalog
from tests.plan.project_files import write_project
from tests.server.accounts import Account, LiveServer, bootstrap_account
from tests.server.live_server import serve_weavz_flow
from weavz_flow.backends.remote import RemoteBackend
from weavz_flow.backends.specs import EndUserSpec, WorkspaceSpec
from weavz_flow.config.import_yaml import write_import
from weavz_flow.config.load import load_project
from weavz_flow.errors import ApiError, ErrorCode
from weavz_flow.plan.apply import apply_plan
from weavz_flow.plan.import_live import collect_import
from weavz_flow.plan.live_state import read_live
from weavz_flow.plan.model import Plan
from weavz_flow.plan.render_text import render_text
from weavz_flow.plan.session import fingerprint_book, make_plan
from weavz_flow.sensitive import Sensitive


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    state = tmp_path_factory.mktemp("remote-contract-db")
    with serve_weavz_flow(f"sqlite:///{state / 'state.db'}", state / "secret.key", small_catalog()) as server:
        yield server


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
    backend = RemoteBackend(account.url, Sensitive(account.api_key), lock_dir=tmp_path / "locks")
    yield backend
    backend.close()


def plan_and_apply(root: Path, backend: RemoteBackend) -> Plan:
    project = load_project(root)
    plan = make_plan(project, backend)
    result = apply_plan(plan, backend, book=fingerprint_book(project, backend))
    assert result.ok, result.error
    return plan


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
approval_policies:
  every field:
    enabled: false
    priority: -3
    description: every field the config manages, read back over HTTP
    sources: [rest, flow, mcp_tools]
    integration_names: [github]
    aliases: [gh, gh_users]
    actions: [create_issue]
    connection_strategies: [per_user, per_user_with_fallback]
    end_user_mode: end_user_present
    decision: notify_only
    risk_mode: rules
    rules:
      match: all
      conditions:
        - {path: title, op: matches, value: "(?i).*urgent.*"}
        - {path: labels, op: present}
        - {path: owner, op: in, value: [acme, acme-labs]}
    approvers:
      - {type: org_role, roles: [owner, member], user_ids: [u-1]}
      - {type: end_user}
    timeout_seconds: 600
    default_on_timeout: expire
    reuse_window_seconds: 120
    approval_access_mode: hosted_link_only
    metadata: {ticket: OPS-7}
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
    assert not plan.has_changes and not plan.unmanaged, render_text(plan)
    assert list(load_project(project_root).workspaces["acme-rich"].approval_policies) == ["every field"]
    assert sorted(result.secrets) == ["WEAVZ_ACME_RICH_GH_BOB_SECRET", "WEAVZ_ACME_RICH_GH_SHARED_SECRET"]


def test_lists_page_past_one_hundred(remote):
    ws = remote.create_workspace(WorkspaceSpec("many", "Many"))
    for i in range(105):
        remote.create_end_user(EndUserSpec(ws.id, f"user-{i:03d}"))
    snapshot = remote.snapshot(ws)
    assert sorted(e.external_id for e in snapshot.end_users) == [f"user-{i:03d}" for i in range(105)]
