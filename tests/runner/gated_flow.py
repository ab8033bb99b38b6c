"""A flow with a step that a Human Gates policy pauses: ``kv.put``, then ``slack_bot.send_channel_message`` (gated),
then a step after it, and a ``finally`` step; and the policy, created on the local engine of the project."""

from __future__ import annotations

from typing import Any

from tests.stubs.slack import SlackStub
from weavz_flow.backends.local import LocalBackend
from weavz_flow.engine.caller import Caller
from weavz_flow.wire.approval_policies import ApprovalPolicyCreate

GATED_FLOW = """\
flow: gated-post
workspace: acme-prod
inputs:
  text: {type: string, default: "deploy v2 to production"}
steps:
  - id: remember
    uses: kv.put
    with: {key: "last-deploy", value: "{{ inputs.text }}"}
  - id: post
    uses: slack_bot.send_channel_message
    with: {text: "{{ inputs.text }} (noted: {{ steps.remember.status }})"}
    CONTINUE
  - id: after
    uses: kv.get
    with: {key: "last-deploy"}
finally:
  - id: cleanup
    uses: kv.put
    with: {key: "last-run-status", value: "done"}
"""


def gated_flow(*, continue_on_error: bool = False) -> str:
    return GATED_FLOW.replace("    CONTINUE\n", "    continue_on_error: true\n" if continue_on_error else "")


def gate_slack(backend: LocalBackend, workspace: str = "acme-prod", **policy: Any) -> dict[str, Any]:
    """A require_approval policy on the workspace's slack_bot.send_channel_message, from any source; ``policy``:
    more of its fields (camelCase)."""
    [ws] = [w for w in backend.workspaces.list_all(backend.caller) if w.slug == workspace]
    body = ApprovalPolicyCreate.model_validate({
        "name": "slack sends", "workspaceId": ws.id, "integrationAliases": ["slack_bot"],
        "actionNames": ["send_channel_message"], "decision": "require_approval", "riskMode": "always",
        "approvers": [{"type": "org_role", "roles": ["owner", "admin"]}], **policy})
    return backend.engine.approval_policies.create(backend.caller, body).model_dump(mode="json", by_alias=True)


def decide(backend: LocalBackend, approval_id: str, action: str, reason: str | None = None) -> None:
    backend.engine.approvals.decide(Caller.system(backend.org.id), approval_id, action, reason=reason)


def posts(slack: SlackStub) -> list[dict[str, Any]]:
    return [r.params() for r in slack.requests if r.path.endswith("chat.postMessage")]
