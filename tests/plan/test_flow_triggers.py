"""A flow's ``on:`` entries are plan objects (issue 18): ``+ flow.X/trigger.<key>`` with its attributes and the reason,
``~`` with the reason when the input changes (a new baseline), ``-`` when the entry leaves the flow, "No changes"
after apply; the deployment keeps the webhook's secret reference, never its value; a trigger change leaves the flow's
version alone."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.plan.test_deployment import ENV, FLOW, deployed, edit_flow, plan_and_apply, planned
from tests.schedule.sched_project import write_project
from weavz_flow.config.load import load_project
from weavz_flow.plan.deployment import desired_flows
from weavz_flow.plan.flow_triggers import CREATED, REBASELINED, REMOVED
from weavz_flow.plan.model import Action, Address, ObjectKind

WORKSPACE_EXTRA = """\
  github:
    integration: github
    connection: gh
connections:
  gh: {integration: github, type: SECRET_TEXT, secret: {env: GH_TOKEN}}
"""

ON_FLOW = """\
flow: tally
workspace: lab
on:
  - trigger: {uses: github.new_issue, with: {repository: acme/api}, every: 1m}
  - webhook: {path: hooks/tally, secret: {env: TALLY_HOOK_SECRET}}
    overlap: queue
steps:
  - id: tally
    uses: kv.add_to_list
    with: {key: "runs:tally", value: "{{ trigger.id }}"}
"""
ISSUES = Address("", ObjectKind.TRIGGER, "tally/github.new_issue")
HOOK = Address("", ObjectKind.TRIGGER, "tally/webhook.hooks.tally")


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("WEAVZ_FLOW_SECRET_KEY", ENV["WEAVZ_FLOW_SECRET_KEY"])
    monkeypatch.setenv("GH_TOKEN", "ghp_plan_test_token")
    monkeypatch.setenv("TALLY_HOOK_SECRET", "never-in-the-plan-or-the-store")
    root = write_project(tmp_path / "project", {"tally": ON_FLOW}, monkeypatch)
    workspace = root / "workspaces" / "lab.yaml"
    workspace.write_text(workspace.read_text(encoding="utf-8") + WORKSPACE_EXTRA, encoding="utf-8")
    return root


def test_on_entries_are_created_with_their_reason_then_converge(root: Path) -> None:
    actions, text = planned(root)
    flows = {a: action for a, action in actions.items() if a.workspace == ""}
    assert flows == {a: Action.CREATE for a in (FLOW, ISSUES, HOOK)}
    assert "  + flow.tally/trigger.github.new_issue\n" in text
    assert "  + flow.tally/trigger.webhook.hooks.tally\n" in text
    assert '+ uses = "github.new_issue"' in text and '+ every = "60s"' in text and '+ overlap = "queue"' in text
    assert CREATED in text
    plan_and_apply(root)
    actions, text = planned(root)
    assert actions == {} and "No changes." in text
    repository = deployed(root)
    try:
        deployment = repository.deployment("tally")
        assert deployment is not None
        assert deployment.triggers["webhook.hooks.tally"]["secret"] == {"env": "TALLY_HOOK_SECRET"}
        assert deployment.triggers["github.new_issue"]["with"] == {"repository": "acme/api"}
        assert deployment.triggers["github.new_issue"]["integration"] == "github"
    finally:
        repository.store.close()
    store_bytes = (root / ".weavz-flow" / "state.db").read_bytes()
    assert b"never-in-the-plan-or-the-store" not in store_bytes


def test_an_input_change_updates_the_trigger_alone_and_says_it_rebaselines(root: Path) -> None:
    plan_and_apply(root)
    before = desired_flows(load_project(root))[0].digest
    edit_flow(root, "repository: acme/api", "repository: acme/web")
    assert desired_flows(load_project(root))[0].digest == before  # the flow's version is untouched
    actions, text = planned(root)
    assert actions == {ISSUES: Action.UPDATE}
    assert '~ with = {"repository": "acme/api"} -> {"repository": "acme/web"}' in text and REBASELINED in text
    edit_flow(root, "    overlap: queue\n", "")
    actions, text = planned(root)
    assert actions == {ISSUES: Action.UPDATE, HOOK: Action.UPDATE}


def test_an_entry_left_out_is_deleted_and_the_rest_stays(root: Path) -> None:
    plan_and_apply(root)
    edit_flow(root, "  - trigger: {uses: github.new_issue, with: {repository: acme/api}, every: 1m}\n", "")
    actions, text = planned(root)
    assert actions == {ISSUES: Action.DELETE} and "  - flow.tally/trigger.github.new_issue\n" in text
    assert REMOVED in text
    plan_and_apply(root)
    repository = deployed(root)
    try:
        deployment = repository.deployment("tally")
        assert deployment is not None and list(deployment.triggers) == ["webhook.hooks.tally"]
    finally:
        repository.store.close()
    assert planned(root)[0] == {}


def test_trigger_addresses_parse_back_and_belong_to_their_flow() -> None:
    text = "flow.tally/trigger.webhook.hooks.tally"
    assert Address.parse(text) == HOOK and str(HOOK) == text
    assert Address.parse("flow.tally").contains(HOOK) and not Address.parse("flow.other").contains(HOOK)
