"""A flow that waits for approval through the remote backend, against a real ``weavz-flow serve`` (uvicorn on
127.0.0.1): the 202 ``approval_required`` makes the run wait; a decider key approves; the resumed run retries with the
same idempotency key and the provider stub gets one post; ``runs show`` reads the decision over the API."""

from __future__ import annotations

import os

import httpx
from click.testing import CliRunner

from tests.runner.gated_flow import gated_flow, posts
from tests.runner.test_preflight_remote import Served, served  # noqa: F401  (pytest finds fixtures by name)
from tests.stubs.slack import SlackStub
from weavz_flow.cli.main import cli
from weavz_flow.config.load import load_project
from weavz_flow.runner.outcome import RunStatus
from weavz_flow.runner.records import RunRecords
from weavz_flow.runner.resume import resume_run
from weavz_flow.runner.retry import idempotency_key
from weavz_flow.runner.run import FlowRunner


def _api(key: str | None = None) -> httpx.Client:
    """The served API as the project's key (the fixture's environment), or as ``key``."""
    headers = {"Authorization": f"Bearer {key or os.environ['WEAVZ_API_KEY']}"}
    return httpx.Client(base_url=os.environ["WEAVZ_API_URL"], headers=headers, timeout=30)


def test_a_remote_gated_step_waits_and_the_resumed_run_posts_once(served: Served,  # noqa: F811
                                                                   slack_stub: SlackStub):
    (served.root / "flows" / "gated-post.yaml").write_text(gated_flow(), encoding="utf-8")
    with _api() as api:
        [ws] = [w for w in api.get("/api/v1/workspaces").json()["workspaces"] if w["slug"] == "acme-prod"]
        made = api.post("/api/v1/approval-policies", json={
            "name": "slack sends", "workspaceId": ws["id"], "integrationAliases": ["slack_bot"],
            "actionNames": ["send_channel_message"], "decision": "require_approval", "riskMode": "always",
            "approvers": [{"type": "org_role", "roles": ["owner", "admin"]}]})
        assert made.status_code == 201, made.text
        decider = api.post("/api/v1/api-keys", json={"name": "decider", "permissions": {
            "scope": "org", "approvals": {"decide": True}}}).json()["plainKey"]
    records = RunRecords.for_project(served.root)
    try:
        waiting = FlowRunner(load_project(served.root), served.backend, records=records).run("gated-post")
        assert waiting.status is RunStatus.WAITING_APPROVAL, waiting.error
        [approval] = waiting.approvals()
        assert approval["retry"]["idempotencyKey"] == idempotency_key(waiting.run_id, "post", None)
        assert posts(slack_stub) == []
        with _api(decider) as api:
            decided = api.post(f"/api/v1/approvals/{approval['id']}/approve", json={"reason": "ship it"})
            assert decided.status_code == 200, decided.text
        result = resume_run(records, served.backend, waiting.run_id, root=served.root)
        assert result.status is RunStatus.SUCCEEDED, result.error
        assert len(posts(slack_stub)) == 1
    finally:
        records.close()
    shown = CliRunner().invoke(cli, ["runs", "show", waiting.run_id, "--project", str(served.root)])
    assert shown.exit_code == 0, shown.output
    assert f"approval {approval['id']} consumed via api by key " in shown.stdout and ": ship it" in shown.stdout
