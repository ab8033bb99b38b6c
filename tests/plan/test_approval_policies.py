"""Approval policies declared in YAML (issue 17, build item 6), on both backends: the local engine, and
RemoteBackend against the real ``weavz-flow serve`` under uvicorn. Plan shows the policy, apply makes it, a re-plan
has no changes; a changed field and a changed webhook secret are ``~`` updates, an unchanged secret is no change;
an undeclared policy is unmanaged until pruned; import writes a policy back to YAML. No secret ever appears in a
plan or in the project's state."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner, Result

from tests.engine.engine_fixtures import postgres_schema, schema_url
from tests.plan.project_files import WORKSPACE, lose_and_import, write_project
from tests.plan.test_apply import plan_and_apply
from tests.server.accounts import bootstrap_account
from weavz_flow.backends.approval_policies import ApproverSettings, LiveApprovalPolicy
from weavz_flow.backends.local import LocalBackend
from weavz_flow.backends.protocol import Backend
from weavz_flow.backends.remote import RemoteBackend
from weavz_flow.cli.main import cli
from weavz_flow.config.import_yaml import write_import
from weavz_flow.config.load import load_project
from weavz_flow.plan.fingerprints import STATE_KEY
from weavz_flow.plan.model import Action, Address, ObjectKind, Plan
from weavz_flow.plan.policy_diffs import NO_RECORD
from weavz_flow.plan.render_json import render_json
from weavz_flow.plan.render_text import render_text
from weavz_flow.plan.saved import plan_digest
from weavz_flow.plan.session import PlanRequest, make_plan
from weavz_flow.sensitive import Sensitive
from weavz_flow.wire.approval_policies import ApprovalPolicyCreate, PolicyFields
from weavz_flow.wire.vocabulary import ApprovalDecision

POLICY = Address("acme-prod", ObjectKind.APPROVAL_POLICY, "ops/gate slack posts")
SECRET_1 = "whsec-test-secret-number-one"
SECRET_2 = "whsec-test-secret-number-two"

POLICIES = """\
approval_policies:
  ops/gate slack posts:
    description: "A person approves posts to #general"
    priority: 10
    sources: [flow, sdk]
    aliases: [slack_bot]
    actions: [send_channel_message]
    risk_mode: rules
    rules:
      conditions:
        - {path: channel, op: equals, value: "#general"}
    approvers:
      - type: org_role
        roles: [owner]
      - type: webhook
        webhook_url: https://hooks.example/approvals
        webhook_secret: {env: TEST_HOOK_SECRET}
    timeout_seconds: 3600
    metadata: {team: support}
"""


@pytest.fixture(autouse=True)
def hook_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEST_HOOK_SECRET", SECRET_1)


def plan_of(root: Path, backend: Backend, request: PlanRequest | None = None) -> Plan:
    return make_plan(load_project(root), backend, request)


def live_policy(backend: Backend, name: str = "ops/gate slack posts") -> LiveApprovalPolicy | None:
    prod = next(w for w in backend.list_workspaces() if w.slug == "acme-prod")
    return next((g for g in backend.list_approval_policies([prod]) if g.name == name), None)


def assert_no_secret(backend: Backend, root: Path, *texts: str) -> None:
    for text in texts:
        assert SECRET_1 not in text and SECRET_2 not in text
    if isinstance(backend, RemoteBackend):
        state = json.dumps(backend.state.get(STATE_KEY))
        assert SECRET_1 not in state and SECRET_2 not in state
    for path in root.rglob("*"):
        if path.is_file() and path.suffix != ".db":
            assert SECRET_1 not in path.read_text(errors="replace")


def test_plan_apply_replan_then_a_field_and_a_secret_change(project_root, backend, monkeypatch):
    acceptance(project_root, backend, monkeypatch)


@pytest.mark.postgres
def test_plan_apply_replan_on_postgresql(project_root, catalog, monkeypatch):
    with postgres_schema() as (url, schema):
        backend = LocalBackend(project_root / ".weavz-flow", schema_url(url, schema), catalog=catalog)
        try:
            acceptance(project_root, backend, monkeypatch)
        finally:
            backend.close()


def acceptance(project_root: Path, backend: Backend, monkeypatch: pytest.MonkeyPatch) -> None:
    write_project(project_root, WORKSPACE + POLICIES)
    plan = plan_of(project_root, backend)
    [change] = [c for c in plan.actionable if c.address == POLICY]
    assert change.action is Action.CREATE
    text = render_text(plan)
    assert '  + workspace.acme-prod/approval_policy.ops/gate slack posts\n' in text
    assert '      + aliases = ["slack_bot"]\n' in text
    assert '      + actions = ["send_channel_message"]\n' in text
    assert "      + approvers[1].webhook_secret = (sensitive value)\n" in text
    # Created after the alias it names.
    order = [c.address for c in plan.actionable]
    assert order.index(POLICY) > order.index(Address("acme-prod", ObjectKind.ALIAS, "slack_bot"))
    assert_no_secret(backend, project_root, text, render_json(plan))

    plan_and_apply(project_root, backend)
    policy = live_policy(backend)
    assert policy is not None
    s = policy.settings
    assert (s.description, s.priority, s.sources, s.integration_aliases, s.action_names, s.risk_mode,
            s.timeout_seconds, dict(s.metadata or {})) == (
        "A person approves posts to #general", 10, ("flow", "sdk"), ("slack_bot",), ("send_channel_message",),
        "rules", 3600, {"team": "support"})
    assert s.approvers == (ApproverSettings("org_role", ("owner",)),
                           ApproverSettings("webhook", webhook_url="https://hooks.example/approvals"))
    # Defaults are the API's own (PolicyFields), not restated by the config.
    defaults = PolicyFields()
    assert (s.enabled, s.decision, s.default_on_timeout, s.approval_access_mode) == (
        defaults.enabled, defaults.decision, defaults.default_on_timeout, defaults.approval_access_mode)
    again = plan_of(project_root, backend)
    assert not again.has_changes, render_text(again)
    assert "No changes." in render_text(again)

    write_project(project_root, WORKSPACE + POLICIES.replace("priority: 10", "priority: 5"))
    changed = plan_of(project_root, backend)
    [change] = changed.actionable
    assert (change.address, change.action, [(d.name, d.before, d.after) for d in change.diffs]) == (
        POLICY, Action.UPDATE, [("priority", 10, 5)])
    plan_and_apply(project_root, backend)
    assert live_policy(backend).settings.priority == 5  # type: ignore[union-attr]
    assert not plan_of(project_root, backend).has_changes

    monkeypatch.setenv("TEST_HOOK_SECRET", SECRET_2)
    rotated = plan_of(project_root, backend)
    [change] = rotated.actionable
    [diff] = change.diffs
    assert (change.address, change.action, diff.name, diff.sensitive) == (
        POLICY, Action.UPDATE, "approvers[1].webhook_secret", True)
    text = render_text(rotated)
    assert "      ~ approvers[1].webhook_secret = (sensitive value changed)\n" in text
    assert_no_secret(backend, project_root, text, render_json(rotated))
    plan_and_apply(project_root, backend)
    assert not plan_of(project_root, backend).has_changes
    if isinstance(backend, LocalBackend):  # the engine signs with the new secret
        assert backend.approval_policies.webhook_secret(live_policy(backend).id, 1) == SECRET_2  # type: ignore


def test_removal_deletes_only_when_pruning_and_never_an_organization_wide_policy(project_root, backend):
    """A removed policy is unmanaged until pruned, as every kind; an org-wide one (workspaceId null) is no
    workspace's, so workspace files never declare it and no plan lists or deletes it."""
    write_project(project_root, WORKSPACE + POLICIES)
    plan_and_apply(project_root, backend)
    org_wide = ApprovalPolicyCreate(name="org wide", decision=ApprovalDecision.NOTIFY_ONLY)
    if isinstance(backend, LocalBackend):
        made = backend.approval_policies.create(backend.caller, org_wide).id
    else:
        made = backend._request("POST", "/api/v1/approval-policies", json=org_wide)["policy"]["id"]
    write_project(project_root, WORKSPACE)
    kept = plan_of(project_root, backend)
    assert not kept.has_changes and list(kept.unmanaged) == [POLICY], render_text(kept)
    pruned = plan_and_apply(project_root, backend, PlanRequest(prune=True))
    assert [(c.address, c.action) for c in pruned.actionable] == [(POLICY, Action.DELETE)]
    assert live_policy(backend) is None
    assert not plan_of(project_root, backend, PlanRequest(prune=True)).has_changes
    if isinstance(backend, LocalBackend):
        assert [p.id for p in backend.approval_policies.list_all(backend.caller)] == [made]
    else:
        listed = backend._request("GET", "/api/v1/approval-policies")["policies"]
        assert [p["id"] for p in listed] == [made]
        assert backend.state.get(STATE_KEY)["approver_secrets"] == {}  # the deleted policy's record is gone


def test_import_writes_a_policy_back_and_plan_then_has_no_changes(project_root, backend, monkeypatch):
    result, prod = lose_and_import(project_root, backend, POLICIES)
    assert [(e.section, e.name) for e in prod.entries] == [("approval_policies", "ops/gate slack posts")]
    env = "WEAVZ_ACME_PROD_OPS_GATE_SLACK_POSTS_APPROVER_1_WEBHOOK_SECRET"
    assert result.secrets == (env,)
    write_import(result)
    text = (project_root / "workspaces" / "acme-prod.yaml").read_text()
    assert f"# set {env} to the webhook approver's signing secret" in text
    written = yaml.safe_load(text)
    assert written["approval_policies"] == {"ops/gate slack posts": {
        "priority": 10,
        "description": "A person approves posts to #general",
        "sources": ["flow", "sdk"],
        "aliases": ["slack_bot"],
        "actions": ["send_channel_message"],
        "risk_mode": "rules",
        "rules": {"match": "any", "conditions": [{"path": "channel", "op": "equals", "value": "#general"}]},
        "approvers": [{"type": "org_role", "roles": ["owner"]},
                      {"type": "webhook", "webhook_url": "https://hooks.example/approvals",
                       "webhook_secret": {"env": env}}],
        "timeout_seconds": 3600,
        "metadata": {"team": "support"},
    }}
    monkeypatch.setenv(env, SECRET_1)  # the secret the team keeps: the same one, so nothing to change
    plan = plan_of(project_root, backend)
    assert not plan.has_changes, render_text(plan)
    monkeypatch.setenv(env, SECRET_2)
    [change] = plan_of(project_root, backend).actionable
    assert [d.name for d in change.diffs] == ["approvers[1].webhook_secret"]


def test_a_secret_apply_never_recorded_is_set_again_with_the_reason(project_root, live_server):
    """Remote only: the state records each secret's fingerprint at apply; without a record (a policy made by another
    tool, or state lost), the plan says why it sets the secret again, and after that apply it converges."""
    account = bootstrap_account(live_server)
    backend = RemoteBackend(account.url, Sensitive(account.api_key))
    try:
        write_project(project_root, WORKSPACE + POLICIES)
        plan_and_apply(project_root, backend)
        doc = backend.state.get(STATE_KEY)
        assert isinstance(doc, dict)
        [entry] = doc["approver_secrets"].values()
        assert entry["fingerprints"][0] is None and entry["fingerprints"][1].startswith("hmac-sha256:")
        backend.state.put(STATE_KEY, {**doc, "approver_secrets": {}})
        [change] = plan_of(project_root, backend).actionable
        assert (change.address, change.reason, [d.name for d in change.diffs]) == (
            POLICY, NO_RECORD, ["approvers[1].webhook_secret"])
        plan_and_apply(project_root, backend)
        assert not plan_of(project_root, backend).has_changes
    finally:
        backend.close()


def test_the_commands_validate_plan_apply_and_import_a_policy(project_root, monkeypatch):
    """The CLI, in process, on the local engine: the same library calls, with their renderers and exit codes."""
    write_project(project_root, WORKSPACE + POLICIES)
    monkeypatch.chdir(project_root)

    def run(*args: str) -> Result:
        return CliRunner().invoke(cli, list(args), catch_exceptions=False)

    assert run("validate").exit_code == 0
    planned = run("plan", "--detailed-exitcode")
    assert planned.exit_code == 2 and "+ workspace.acme-prod/approval_policy.ops/gate slack posts" in planned.output
    assert run("apply", "--auto-approve").exit_code == 0
    again = run("plan", "--detailed-exitcode")
    assert again.exit_code == 0 and "No changes." in again.output
    write_project(project_root, WORKSPACE)
    imported = run("import")
    env = "WEAVZ_ACME_PROD_OPS_GATE_SLACK_POSTS_APPROVER_1_WEBHOOK_SECRET"
    assert imported.exit_code == 0, imported.output
    assert f"webhook secrets cannot be read back. Set these before plan or apply:\n  {env}\n" in imported.output
    missing = run("plan")  # plan reads secrets: it names the placeholder that is not set yet, by file and line
    assert missing.exit_code == 1 and env in missing.output and "acme-prod.yaml:" in missing.output
    monkeypatch.setenv(env, SECRET_1)
    assert run("plan", "--detailed-exitcode").exit_code == 0
    for output in (planned.output, again.output, imported.output, missing.output):
        assert SECRET_1 not in output


def test_a_saved_plan_goes_stale_when_a_webhook_secret_changes(project_root, local_backend, monkeypatch):
    """The plan shows a changed secret only as changed, so its digest carries the secret's fingerprint: a plan saved
    for one new secret never applies another."""
    write_project(project_root, WORKSPACE + POLICIES)
    plan_and_apply(project_root, local_backend)
    monkeypatch.setenv("TEST_HOOK_SECRET", SECRET_2)
    saved = plan_of(project_root, local_backend)
    monkeypatch.setenv("TEST_HOOK_SECRET", SECRET_2 + "-again")
    now = plan_of(project_root, local_backend)
    assert render_json(saved) == render_json(now)  # what the plan shows is the same
    assert plan_digest(saved) != plan_digest(now)
