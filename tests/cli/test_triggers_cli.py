"""``weavz-flow triggers list | test | replay`` on the local engine (SQLite and PostgreSQL): a ``kv-store.key_changed``
source enabled on the project's ``kv`` alias sees a put made through the alias (the same persistence namespace),
delivers it to a real receiver, the CLI lists the source (never its secrets), prints a trigger's sample event, and a
replay delivers the event a second time; then the same through a remote backend (a live ``serve``), where a key scoped
to another workspace sees and replays nothing. Unknown triggers and events are one line with their code, exit 1."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from tests.cli.test_approvals_cli import _apply, _local, database  # noqa: F401  (the database fixture by name)
from tests.plan.project_files import write_project
from tests.server.accounts import LiveServer, bootstrap_account
from tests.server.approval_receiver import ApprovalReceiver, payload
from tests.server.live_server import serve_weavz_flow
from tests.server.test_approval_webhooks_api import receiver, receiver_server  # noqa: F401  (fixtures by name)
from weavz_flow.backends.execution import ExecuteCall
from weavz_flow.backends.remote import RemoteBackend
from weavz_flow.catalog.catalog import Catalog
from weavz_flow.cli.main import cli
from weavz_flow.integrations import http, kv_store
from weavz_flow.integrations.kv_store_triggers import INFO as KEY_CHANGED
from weavz_flow.sensitive import Sensitive
from weavz_flow.wire.triggers import EVENT_ID_HEADER, EnableTriggerRequest


@pytest.fixture(scope="module")
def with_triggers(catalog: Catalog) -> Catalog:
    """The plan tests' small catalog with the native entries (and so the triggers) of kv-store and http."""
    return catalog.overlay([i.INTEGRATION.catalog_entry(catalog.find(i.INTEGRATION.name)) for i in (kv_store, http)])


def _run(root: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["triggers", *args, "-p", str(root)], catch_exceptions=False)


def _refused(result: Result, code: str) -> None:
    assert result.exit_code == 1, result.output
    assert f"Error: {code}: " in result.stderr, result.output
    assert "Traceback" not in result.output


def later(minutes: float) -> datetime:
    return datetime.now(UTC) + timedelta(minutes=minutes)


def test_list_test_and_replay_on_the_local_engine(
    project_root: Path, with_triggers: Catalog, receiver: ApprovalReceiver,  # noqa: F811
    database: str | None,  # noqa: F811
) -> None:
    root = write_project(project_root)
    backend = _local(root, with_triggers, database)
    try:
        _apply(root, backend)
        workspace_id = backend.workspaces.get_by_slug(backend.caller, "acme-prod").id
        enabled = backend.engine.triggers.enable(backend.caller, EnableTriggerRequest.model_validate({
            "integrationName": "kv-store", "triggerName": "key_changed", "workspaceId": workspace_id,
            "integrationAlias": "kv", "callbackUrl": receiver.hook_url, "input": {"prefix": "orders/"},
            "callbackHeaders": {"X-Receiver-Key": "receiver-secret-1"}, "pollingIntervalMinutes": 1}))
        backend.execute(ExecuteCall("acme-prod", "kv-store", "put", {"key": "orders/1", "value": {"total": 5}},
                                    alias="kv"))
        assert backend.engine.triggers.poll_due(later(2)) == 1
        assert backend.engine.triggers.deliver_due(later(2)) == 1
    finally:
        backend.close()
    [delivered] = receiver.requests
    body = payload(delivered)
    assert body["data"] == {"key": "orders/1", "value": {"total": 5}, "deleted": False}
    event_id = body["eventId"]
    assert delivered.headers[EVENT_ID_HEADER.lower()] == event_id

    listed = _run(root, "list")
    assert listed.exit_code == 0, listed.output
    header, row = listed.stdout.strip().splitlines()
    assert header.split()[:5] == ["ID", "WORKSPACE", "TRIGGER", "TYPE", "TARGET"]
    assert row.split()[:6] == [enabled.id, "acme-prod", "kv-store.key_changed", "POLLING", receiver.hook_url, "1m"]
    as_json = json.loads(_run(root, "list", "--json", "--workspace", "acme-prod").stdout)
    assert [(s["id"], s["workspaceSlug"], s["triggerName"]) for s in as_json] == [
        (enabled.id, "acme-prod", "key_changed")]
    assert "signingSecret" not in as_json[0]
    assert "receiver-secret-1" not in listed.stdout + json.dumps(as_json)
    assert enabled.signing_secret is not None and enabled.signing_secret not in json.dumps(as_json)
    empty = _run(root, "list", "--workspace", "acme-staging")
    assert empty.exit_code == 0 and empty.stdout.strip() == "No trigger sources in workspace acme-staging."

    sample = _run(root, "test", "kv-store.key_changed")
    assert sample.exit_code == 0, sample.output
    assert json.loads(sample.stdout) == dict(KEY_CHANGED.sample_data)
    assert json.loads(_run(root, "test", "http.catch_webhook", "--json").stdout)["sampleData"]["method"] == "POST"
    _refused(_run(root, "test", "kv-store.key_chnged"), "TRIGGER_NOT_FOUND")
    _refused(_run(root, "test", "kv-stor.key_changed"), "INTEGRATION_NOT_FOUND")
    shapeless = _run(root, "test", "key_changed")
    assert shapeless.exit_code == 2 and "INTEGRATION.TRIGGER" in shapeless.stderr

    replayed = _run(root, "replay", event_id)
    assert replayed.exit_code == 0, replayed.output
    assert event_id in replayed.stdout
    _refused(_run(root, "replay", "evt_0000"), "NOT_FOUND")
    backend = _local(root, with_triggers, database)
    try:
        assert backend.engine.triggers.deliver_due(later(3)) == 1
    finally:
        backend.close()
    assert [payload(r)["eventId"] for r in receiver.requests] == [event_id, event_id]
    assert receiver.requests[1].headers["x-receiver-key"] == "receiver-secret-1"


@pytest.fixture(scope="module")
def trigger_server(tmp_path_factory: pytest.TempPathFactory, with_triggers: Catalog) -> Iterator[LiveServer]:
    """``serve`` over a catalog with the built-in triggers (the plan tests' server has none)."""
    state = tmp_path_factory.mktemp("trigger-server")
    with serve_weavz_flow(f"sqlite:///{state / 'state.db'}", state / "secret.key", with_triggers) as server:
        yield server


def test_list_test_and_replay_through_a_remote_backend(
    project_root: Path, trigger_server: LiveServer, receiver: ApprovalReceiver,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    account = bootstrap_account(trigger_server)
    root = write_project(project_root)
    admin = RemoteBackend(account.url, Sensitive(account.api_key))
    try:
        _apply(root, admin)
        ids = {w.slug: w.id for w in admin.list_workspaces()}
    finally:
        admin.close()
    with account.client() as api:
        made = api.post("/api/v1/triggers/enable", json={
            "integrationName": "kv-store", "triggerName": "key_changed", "workspaceId": ids["acme-prod"],
            "integrationAlias": "kv", "callbackUrl": receiver.hook_url, "input": {"key": "k"}, "simulate": True})
        assert made.status_code == 201, made.text
        scoped = api.post("/api/v1/api-keys", json={"name": "staging only", "permissions": {
            "scope": "workspace", "workspaceIds": [ids["acme-staging"]]}}).json()["plainKey"]
    source = made.json()["triggerSource"]
    assert trigger_server.engine.triggers.deliver_due(later(1)) == 1  # the simulated source's sample event
    event_id = payload(receiver.requests[0])["eventId"]

    monkeypatch.setenv("WEAVZ_API_URL", account.url)
    monkeypatch.setenv("WEAVZ_API_KEY", account.api_key)
    listed = _run(root, "list")
    assert listed.exit_code == 0, listed.output
    [row] = listed.stdout.strip().splitlines()[1:]
    assert row.split()[:5] == [source["id"], "acme-prod", "kv-store.key_changed", "POLLING", receiver.hook_url]
    as_json = json.loads(_run(root, "list", "--json", "--workspace", "acme-prod").stdout)
    assert [(s["id"], s["workspaceSlug"], s["simulate"]) for s in as_json] == [(source["id"], "acme-prod", True)]
    assert source["signingSecret"] not in listed.stdout + json.dumps(as_json)
    sample = _run(root, "test", "kv-store.key_changed", "--json")
    assert json.loads(sample.stdout) == {"sampleData": dict(KEY_CHANGED.sample_data)}
    _refused(_run(root, "test", "kv-store.nope"), "TRIGGER_NOT_FOUND")

    monkeypatch.setenv("WEAVZ_API_KEY", scoped)  # a key of another workspace sees and replays nothing here
    assert _run(root, "list").stdout.strip() == "No trigger sources."
    _refused(_run(root, "replay", event_id), "NOT_FOUND")
    monkeypatch.setenv("WEAVZ_API_KEY", account.api_key)
    replayed = _run(root, "replay", event_id)
    assert replayed.exit_code == 0, replayed.output
    _refused(_run(root, "replay", "evt_0000"), "NOT_FOUND")
    assert trigger_server.engine.triggers.deliver_due(later(2)) == 1
    assert [payload(r)["eventId"] for r in receiver.requests] == [event_id, event_id]
