"""``approval_policies:`` in a workspace file: the model (defaults from the wire's PolicyFields), and validate's
checks of each policy, each error at its file:line:column with a suggestion."""

from __future__ import annotations

import pytest

from tests.config.conftest import ProjectMaker
from weavz_flow.backends.approval_policies import ApproverSettings
from weavz_flow.catalog.catalog import Catalog
from weavz_flow.config.checks.secret_refs import SecretsCheck
from weavz_flow.config.model.approval_policies import ApprovalPolicyConfig
from weavz_flow.config.validate import validate_project
from weavz_flow.errors import ConfigError
from weavz_flow.plan.desired import desired_state
from weavz_flow.wire.approval_policies import PolicyFields

HEAD = """\
workspace: main
integrations:
  slack_bot: {integration: slack, strategy: per_user}
  kv: {integration: kv-store}
"""


def messages(root: object, catalog: Catalog, **kwargs: object) -> list[str]:
    return [str(d) for d in validate_project(root, catalog, **kwargs).diagnostics]  # type: ignore[arg-type]


def test_a_valid_policy_and_its_desired_value(make_project: ProjectMaker, catalog: Catalog) -> None:
    root = make_project({"w.yaml": HEAD + """\
approval_policies:
  gate posts:
    aliases: [slack_bot, slack_bot]
    actions: [send_channel_message]
    rules: {conditions: [{path: channel, op: present}]}
"""})
    report = validate_project(root, catalog)
    assert report.valid and report.diagnostics == []
    [policy] = desired_state(report.project, read_secrets=False).approval_policies
    assert (policy.workspace, policy.name, policy.webhook_secrets) == ("main", "gate posts", ())
    s = policy.settings
    # Stored as the engine stores them: no repeats, rules in their checked form.
    assert s.integration_aliases == ("slack_bot",) and s.action_names == ("send_channel_message",)
    assert s.rules == {"match": "any", "conditions": [{"path": "channel", "op": "present"}]}
    # Every default is the API's.
    wire = PolicyFields()
    assert (s.enabled, s.priority, s.decision, s.risk_mode, s.end_user_mode, s.timeout_seconds,
            s.default_on_timeout, s.approval_access_mode) == (
        wire.enabled, wire.priority, wire.decision, wire.risk_mode, wire.end_user_mode, wire.timeout_seconds,
        wire.default_on_timeout, wire.approval_access_mode)
    assert s.approvers == tuple(ApproverSettings(a.type, tuple(a.roles)) for a in wire.approvers)
    assert ApprovalPolicyConfig().priority == wire.priority


def test_typos_are_unknown_keys_at_their_line_and_column(make_project: ProjectMaker, catalog: Catalog) -> None:
    root = make_project({"w.yaml": HEAD + """\
approval_policies:
  gate:
    priorty: 3
    decison: block
    approvers:
      - type: webhook
        webhook_url: https://hooks.example/x
        webhok_secret: {env: HOOK}
"""})
    assert messages(root, catalog) == [
        "w.yaml:7:5: error: unknown key 'priorty' (did you mean 'priority'?)",
        "w.yaml:8:5: error: unknown key 'decison' (did you mean 'decision'?)",
        "w.yaml:12:9: error: unknown key 'webhok_secret' (did you mean 'webhook_secret' or 'webhook_url'?)",
    ]


def test_bad_values_at_their_position(make_project: ProjectMaker, catalog: Catalog) -> None:
    root = make_project({"w.yaml": HEAD + """\
approval_policies:
  gate:
    decision: pause
    approvers:
      - type: org_role
        webhook_url: https://hooks.example/x
      - type: webhook
    webhook_secret: plain-text
  rules without rules:
    risk_mode: rules
"""})
    assert messages(root, catalog) == [
        "w.yaml:7:15: error: 'approval_policies.gate.decision' must be one of 'require_approval', 'notify_only', "
        "'block' or 'auto_approve'",
        "w.yaml:10:22: error: 'approval_policies.gate.approvers[0].webhook_url': 'webhook_url' is only for an "
        "approver of type webhook (remove 'webhook_url', or set type: webhook)",
        "w.yaml:11:9: error: 'approval_policies.gate.approvers[1]': a webhook approver needs a 'webhook_url' (add "
        "webhook_url: https://...)",
        "w.yaml:12:5: error: unknown key 'webhook_secret'",
        "w.yaml:14:16: error: 'approval_policies.rules without rules.risk_mode': risk_mode 'rules' needs 'rules' "
        "(add rules: {conditions: [{path: ..., op: equals, value: ...}]})",
    ]


def test_aliases_actions_and_rules_are_checked(make_project: ProjectMaker, catalog: Catalog) -> None:
    root = make_project({"w.yaml": HEAD + """\
approval_policies:
  gate:
    aliases: [slack_bott]
    actions: [send_channel_message]
  posts:
    aliases: [slack_bot]
    integration_names: [slak]
    actions: [send_chanel_message]
  anywhere:
    actions: [no_such_action_anywhere]
  rules:
    risk_mode: rules
    rules:
      match: all
      conditions:
        - {path: channel, op: equalz, value: x}
  model:
    risk_mode: model_assisted
"""})
    assert messages(root, catalog) == [
        "w.yaml:7:15: error: 'slack_bott' is not an alias of workspace 'main' (did you mean 'slack_bot'?)",
        "w.yaml:11:25: error: unknown integration 'slak' (did you mean 'slack'?)",
        "w.yaml:12:15: error: integration 'slack' has no action 'send_chanel_message' (did you mean "
        "'send_channel_message'?)",
        "w.yaml:14:15: error: any integration has no action 'no_such_action_anywhere' (list an integration's "
        "actions with 'weavz-flow integrations show NAME')",
        "w.yaml:20:31: error: rules.conditions[0].op must be one of present, equals, matches, in (a condition is "
        "{path, op: present|equals|matches|in, value}; see docs/approval-rules.md)",
        "w.yaml:22:16: error: risk_mode 'model_assisted' needs Weavz's risk model, which weavz-flow does not have "
        "(use risk_mode 'always', or 'rules' with conditions over the input)",
    ]


def test_a_webhook_secret_reference_is_checked_like_other_secrets(make_project: ProjectMaker,
                                                                   catalog: Catalog) -> None:
    root = make_project({"w.yaml": HEAD + """\
approval_policies:
  gate:
    approvers:
      - type: webhook
        webhook_url: https://hooks.example/x
        webhook_secret: {env: TEST_UNSET_HOOK_SECRET}
"""})
    assert messages(root, catalog, secrets=SecretsCheck.REQUIRE, environ={"TEST_UNSET_HOOK_SECRETS": "x"}) == [
        "w.yaml:10:31: error: environment variable TEST_UNSET_HOOK_SECRET is not set; plan and apply would refuse "
        "it (did you mean 'TEST_UNSET_HOOK_SECRETS', which is set?)",
    ]
    report = validate_project(root, catalog)
    assert report.valid
    [policy] = desired_state(report.project, environ={"TEST_UNSET_HOOK_SECRET": "s" * 20}).approval_policies
    [secret] = policy.webhook_secrets
    assert secret is not None and secret.reveal() == "s" * 20
    with pytest.raises(ConfigError) as info:  # refused before apply sends it: the API wants 16 characters or more
        desired_state(report.project, environ={"TEST_UNSET_HOOK_SECRET": "s3cr3t"})
    assert [str(d) for d in info.value.diagnostics] == [
        "w.yaml:10:25: error: the webhook secret env:TEST_UNSET_HOOK_SECRET is shorter than 16 characters; the "
        "backend would refuse it"]
    assert "s3cr3t" not in str(info.value)
