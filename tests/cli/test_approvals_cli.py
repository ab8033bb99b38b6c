"""``weavz-flow approvals list | show | approve | reject | cancel`` on the local engine and against a live ``serve``
(the remote backend): a policy on ``slack_bot.send_channel_message`` pauses a call (the Slack stub receives nothing),
the CLI shows the request with its redacted preview and decides it, and the retry with the same idempotency key then
posts once. Refusals (already decided, self-decision, unknown id) are one line with their Weavz code, exit 1."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner, Result

from tests.engine.engine_fixtures import postgres_schema, schema_url
from tests.plan.project_files import WORKSPACE, write_project
from tests.server.accounts import LiveServer, bootstrap_account
from tests.stubs.slack import SLACK_TOKEN, SlackStub
from weavz_flow.backends.execution import ExecuteCall, OutcomeStatus
from weavz_flow.backends.local import LocalBackend
from weavz_flow.backends.protocol import Backend
from weavz_flow.backends.remote import RemoteBackend
from weavz_flow.catalog.catalog import Catalog
from weavz_flow.cli.main import cli
from weavz_flow.config.load import load_project
from weavz_flow.plan.apply import apply_plan
from weavz_flow.plan.session import fingerprint_book, make_plan
from weavz_flow.redact import REDACTED
from weavz_flow.sensitive import Sensitive
from weavz_flow.wire.approval_policies import ApprovalPolicyCreate

POLICY = {"name": "slack sends", "integrationAliases": ["slack_bot"], "actionNames": ["send_channel_message"],
          "decision": "require_approval", "riskMode": "always"}


def _run(root: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["approvals", *args, "-p", str(root)], catch_exceptions=False)


def _project(root: Path, stub: SlackStub, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The test project, its Slack connection pointed at the stub."""
    monkeypatch.setenv("TEST_SLACK_TOKEN", SLACK_TOKEN)
    workspace = WORKSPACE.replace("    display_name: ACME Slack\n",
                                  f"    display_name: ACME Slack\n    base_url: {stub.url}/api\n")
    return write_project(root, workspace, staging=False)


def _apply(root: Path, backend: Backend) -> None:
    project = load_project(root)
    result = apply_plan(make_plan(project, backend), backend, book=fingerprint_book(project, backend))
    assert result.ok, result.error


def _send(backend: Backend, text: str, key: str) -> Any:
    return backend.execute(ExecuteCall("acme-prod", "slack", "send_channel_message", {"text": text},
                                       alias="slack_bot", idempotency_key=key))


def _pending_id(outcome: Any) -> str:
    assert outcome.status is OutcomeStatus.APPROVAL_REQUIRED, outcome
    assert outcome.approval["status"] == "pending"
    return str(outcome.approval["id"])


def _posts(stub: SlackStub) -> list[str]:
    return [r.params()["text"] for r in stub.requests if r.path.endswith("chat.postMessage")]


def _refused(result: Result, code: str) -> None:
    assert result.exit_code == 1, result.output
    assert f"Error: {code}: " in result.stderr, result.output
    assert "Traceback" not in result.output


def _local(root: Path, catalog: Catalog, database: str | None) -> LocalBackend:
    return LocalBackend(root / ".weavz-flow", database, catalog=catalog)


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str | None]:
    """The local engine's store: the project's SQLite file, or a PostgreSQL schema that the CLI finds through
    WEAVZ_FLOW_DATABASE_URL."""
    if request.param == "sqlite":
        yield None
        return
    with postgres_schema() as (url, schema):
        monkeypatch.setenv("WEAVZ_FLOW_DATABASE_URL", schema_url(url, schema))
        yield schema_url(url, schema)


def test_list_show_approve_on_the_local_engine_then_the_retry_posts_once(
    project_root: Path, catalog: Catalog, slack_stub: SlackStub, monkeypatch: pytest.MonkeyPatch,
    database: str | None,
) -> None:
    root = _project(project_root, slack_stub, monkeypatch)
    backend = _local(root, catalog, database)
    try:
        _apply(root, backend)
        workspace_id = backend.workspaces.get_by_slug(backend.caller, "acme-prod").id
        backend.engine.approval_policies.create(
            backend.caller, ApprovalPolicyCreate.model_validate({**POLICY, "workspaceId": workspace_id}))
        approval_id = _pending_id(_send(backend, "deploy now", "send-1"))
        other_id = _pending_id(_send(backend, "deploy later", "send-2"))
    finally:
        backend.close()
    assert _posts(slack_stub) == []

    listed = _run(root, "list")
    assert listed.exit_code == 0, listed.output
    header, *rows = listed.stdout.strip().splitlines()
    assert header.split() == ["ID", "STATUS", "WORKSPACE", "ACTION", "SOURCE", "REQUESTED", "(UTC)", "EXPIRES",
                              "(UTC)"]
    assert [r.split()[:5] for r in rows] == [
        [other_id, "pending", "acme-prod", "slack_bot.send_channel_message", "flow"],  # newest first
        [approval_id, "pending", "acme-prod", "slack_bot.send_channel_message", "flow"]]
    as_json = json.loads(_run(root, "list", "--status", "pending", "--workspace", "acme-prod", "--json").stdout)
    assert [(a["id"], a["workspaceSlug"], a["integrationAlias"]) for a in as_json] == \
        [(other_id, "acme-prod", "slack_bot"), (approval_id, "acme-prod", "slack_bot")]
    assert json.loads(_run(root, "list", "--status", "approved", "--json").stdout) == []

    shown = _run(root, "show", approval_id)
    assert shown.exit_code == 0, shown.output
    assert shown.stdout.startswith(f"Approval {approval_id}\n")
    assert "  Status:          pending\n" in shown.stdout
    assert "  Action:          slack_bot.send_channel_message (slack)\n" in shown.stdout
    assert "  Policy:          slack sends (" in shown.stdout
    assert "redacted: input.channel; enforced: channel" in shown.stdout
    assert f'"channel": "{REDACTED}"' in shown.stdout and '"text": "deploy now"' in shown.stdout
    assert "C0ALERTS" not in shown.stdout  # the enforced value stays out of the preview
    assert "Decision:" not in shown.stdout

    approved = _run(root, "approve", approval_id, "--reason", "looks right")
    assert approved.exit_code == 0, approved.output
    assert approved.stdout == f"Approval {approval_id} is now approved.\n"
    assert "idempotency key send-1" in approved.stderr
    decided = json.loads(_run(root, "show", approval_id, "--json").stdout)
    assert (decided["status"], decided["decidedVia"], decided["decisionReason"]) == \
        ("approved", "cli", "looks right")
    assert "Decision:        approved via cli at " in _run(root, "show", approval_id).stdout

    rejected = _run(root, "reject", other_id, "--reason", "not today\x1b[2J", "--json")
    assert rejected.exit_code == 0, rejected.output
    assert json.loads(rejected.stdout)["status"] == "rejected"
    shown_rejected = _run(root, "show", other_id).stdout
    assert "rejected via cli at " in shown_rejected and ": not today\\x1b[2J\n" in shown_rejected
    assert "\x1b" not in shown_rejected  # a decider's reason cannot drive the reader's terminal
    _refused(_run(root, "approve", other_id), "APPROVAL_ALREADY_DECIDED")
    _refused(_run(root, "show", "no-such-approval"), "APPROVAL_NOT_FOUND")

    backend = _local(root, catalog, database)
    try:
        ran = _send(backend, "deploy now", "send-1")
        assert ran.status is OutcomeStatus.SUCCEEDED, ran
        assert _send(backend, "deploy now", "send-1").output == ran.output  # replayed, not posted again
    finally:
        backend.close()
    assert _posts(slack_stub) == ["deploy now"]
    consumed = json.loads(_run(root, "show", approval_id, "--json").stdout)
    assert consumed["status"] == "consumed" and consumed["executionId"]
    assert f"  Execution:       {consumed['executionId']}\n" in _run(root, "show", approval_id).stdout


def test_a_too_long_reason_is_a_usage_error(project_root: Path) -> None:
    result = _run(project_root, "approve", "some-id", "--reason", "x" * 5000)
    assert result.exit_code == 2 and "--reason" in result.output and "Traceback" not in result.output


def _key(api: httpx.Client, name: str, permissions: dict[str, Any]) -> str:
    made = api.post("/api/v1/api-keys", json={"name": name, "permissions": permissions})
    assert made.status_code == 201, made.text
    return str(made.json()["plainKey"])


def test_approve_through_a_remote_backend_with_a_decider_key(
    project_root: Path, live_server: LiveServer, slack_stub: SlackStub, monkeypatch: pytest.MonkeyPatch,
) -> None:
    account = bootstrap_account(live_server)
    root = _project(project_root, slack_stub, monkeypatch)
    admin = RemoteBackend(account.url, Sensitive(account.api_key))
    with account.client() as api:
        decider_key = _key(api, "decider", {"scope": "org", "approvals": {"decide": True}})
    decider = RemoteBackend(account.url, Sensitive(decider_key))
    try:
        _apply(root, admin)
        [workspace] = [w for w in admin.list_workspaces() if w.slug == "acme-prod"]
        with account.client() as api:
            made = api.post("/api/v1/approval-policies", json={**POLICY, "workspaceId": workspace.id})
            assert made.status_code == 201, made.text
        approval_id = _pending_id(_send(admin, "ship it", "remote-1"))
        own_id = _pending_id(_send(decider, "my own", "remote-2"))  # asked by the decider key itself
        assert _posts(slack_stub) == []

        monkeypatch.setenv("WEAVZ_API_URL", account.url)
        monkeypatch.setenv("WEAVZ_API_KEY", decider_key)
        listed = _run(root, "list", "--workspace", "acme-prod")
        assert listed.exit_code == 0, listed.output
        assert [r.split()[:5] for r in listed.stdout.strip().splitlines()[1:]] == [
            [own_id, "pending", "acme-prod", "slack_bot.send_channel_message", "rest"],  # as the server records it
            [approval_id, "pending", "acme-prod", "slack_bot.send_channel_message", "rest"]]
        shown = _run(root, "show", approval_id)
        assert shown.exit_code == 0, shown.output
        assert f"  URL:             {account.url}/api/v1/approvals/{approval_id}\n" in shown.stdout

        approved = _run(root, "approve", approval_id, "--reason", "ok by ops")
        assert approved.exit_code == 0, approved.output
        assert approved.stdout == f"Approval {approval_id} is now approved.\n"
        decided = json.loads(_run(root, "show", approval_id, "--json").stdout)
        assert (decided["decidedVia"], decided["decisionReason"]) == ("api", "ok by ops")
        assert decided["decidedByApiKeyId"]
        assert f"by API key {decided['decidedByApiKeyId']} via api" in _run(root, "show", approval_id).stdout

        _refused(_run(root, "approve", approval_id), "APPROVAL_ALREADY_DECIDED")
        _refused(_run(root, "approve", own_id), "APPROVAL_SELF_DECISION_DENIED")
        monkeypatch.setenv("WEAVZ_API_KEY", account.api_key)  # the admin key may not decide: no approvals.decide
        _refused(_run(root, "reject", own_id), "APPROVAL_DECISION_SCOPE_REQUIRED")
        monkeypatch.setenv("WEAVZ_API_KEY", decider_key)
        canceled = _run(root, "cancel", own_id)  # the requester may withdraw its own request
        assert canceled.exit_code == 0 and canceled.stdout == f"Approval {own_id} is now canceled.\n", canceled.output

        ran = _send(admin, "ship it", "remote-1")
        assert ran.status is OutcomeStatus.SUCCEEDED, ran
        assert _send(admin, "ship it", "remote-1").output == ran.output
        assert _posts(slack_stub) == ["ship it"]
    finally:
        admin.close()
        decider.close()
