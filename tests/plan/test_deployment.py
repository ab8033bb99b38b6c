"""Flows and schedules are plan objects (issue 13, item 3): ``+ flow.X``, ``~ flow.X`` with the steps that changed,
``~ flow.X/schedule.0`` with ``cron``, no change when identical, ``- flow.X`` only with ``--prune``; digests do not
depend on the checkout's path; a saved plan with flow changes applies; a remote backend without a schedule store
plans without them and says why."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.schedule.sched_project import tally_flow, write_project
from weavz_flow.backends.local import LocalBackend
from weavz_flow.backends.remote import RemoteBackend
from weavz_flow.cli.main import cli
from weavz_flow.config.load import load_project
from weavz_flow.engine.deployments import DeploymentStore
from weavz_flow.plan.apply import apply_plan
from weavz_flow.plan.deployment import deployment_target, desired_flows, project_from_version
from weavz_flow.plan.model import Action, Address, ObjectKind
from weavz_flow.plan.render_text import render_text
from weavz_flow.plan.session import PlanRequest, fingerprint_book, make_plan
from weavz_flow.runner.run import FlowRunner
from weavz_flow.sensitive import Sensitive

ENV = {"WEAVZ_FLOW_DATABASE_URL": None, "WEAVZ_API_URL": None,
       "WEAVZ_FLOW_SECRET_KEY": "deployment-test-secret-key-0123456789"}
FLOW = Address("", ObjectKind.FLOW, "tally")
SCHEDULE = Address("", ObjectKind.SCHEDULE, "tally/0")


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("WEAVZ_FLOW_SECRET_KEY", ENV["WEAVZ_FLOW_SECRET_KEY"])
    return write_project(tmp_path / "project", {"tally": tally_flow("tally")}, monkeypatch)


def plan_and_apply(root: Path, request: PlanRequest | None = None) -> None:
    project = load_project(root)
    backend = LocalBackend(root / ".weavz-flow")
    try:
        result = apply_plan(make_plan(project, backend, request), backend, book=fingerprint_book(project, backend))
        assert result.ok, result.error
    finally:
        backend.close()


def planned(root: Path, request: PlanRequest | None = None) -> tuple[dict[Address, Action], str]:
    backend = LocalBackend(root / ".weavz-flow")
    try:
        plan = make_plan(load_project(root), backend, request)
    finally:
        backend.close()
    return {c.address: c.action for c in plan.actionable}, render_text(plan)


def deployed(root: Path) -> DeploymentStore:
    return DeploymentStore(LocalBackend(root / ".weavz-flow").store)


def edit_flow(root: Path, old: str, new: str) -> None:
    path = root / "flows" / "tally.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")


def test_a_new_flow_and_its_schedule_are_created_then_converged(root: Path) -> None:
    actions, text = planned(root)
    assert actions[FLOW] is Action.CREATE and actions[SCHEDULE] is Action.CREATE
    assert "  + flow.tally\n" in text and "  + flow.tally/schedule.0\n" in text
    assert '+ cron = "* * * * *"' in text and '+ steps = ["tally"]' in text
    plan_and_apply(root)
    actions, text = planned(root)
    assert actions == {} and "No changes." in text
    repository = deployed(root)
    try:
        deployment = repository.deployment("tally")
        assert deployment is not None and deployment.workspace == "lab"
        assert deployment.digest == desired_flows(load_project(root))[0].digest
        assert deployment.schedules[0]["cron"] == "* * * * *"
        assert repository.version(deployment.digest)["flow"]["steps"][0]["id"] == "tally"
    finally:
        repository.store.close()


def test_a_cron_change_is_a_schedule_update_and_leaves_the_flow_version(root: Path) -> None:
    plan_and_apply(root)
    edit_flow(root, 'cron: "* * * * *"', 'cron: "*/5 * * * *"')
    actions, text = planned(root)
    assert actions == {SCHEDULE: Action.UPDATE}
    assert "  ~ flow.tally/schedule.0\n" in text and '~ cron = "* * * * *" -> "*/5 * * * *"' in text


def test_a_step_change_shows_the_digest_change_and_which_step_changed(root: Path) -> None:
    plan_and_apply(root)
    before = desired_flows(load_project(root))[0].digest
    edit_flow(root, 'value: "{{ run.id }}"', 'value: "v2-{{ run.id }}"')
    after = desired_flows(load_project(root))[0].digest
    actions, text = planned(root)
    assert actions == {FLOW: Action.UPDATE}
    assert f'~ digest = "sha256:{before[:12]}" -> "sha256:{after[:12]}"' in text
    assert '~ steps.tally.with.value = "{{ run.id }}" -> "v2-{{ run.id }}"' in text


def test_digests_do_not_depend_on_where_the_checkout_is(root: Path, tmp_path: Path) -> None:
    other = tmp_path / "elsewhere" / "clone"
    shutil.copytree(root, other)
    assert [(d.name, d.digest) for d in desired_flows(load_project(root))] == \
        [(d.name, d.digest) for d in desired_flows(load_project(other))]


def test_a_flow_removed_from_the_config_is_undeployed_only_with_prune(root: Path) -> None:
    plan_and_apply(root)
    (root / "flows" / "tally.yaml").unlink()
    actions, text = planned(root)
    assert actions == {} and "  ? flow.tally\n" in text
    actions, text = planned(root, PlanRequest(prune=True))
    assert actions == {SCHEDULE: Action.DELETE, FLOW: Action.DELETE}
    assert "  - flow.tally\n" in text
    plan_and_apply(root, PlanRequest(prune=True))
    repository = deployed(root)
    try:
        assert repository.deployments() == {}
    finally:
        repository.store.close()


def test_a_flow_target_plans_that_flow_alone(root: Path) -> None:
    actions, _ = planned(root, PlanRequest(targets=(Address.parse("flow.tally/schedule.0"),)))
    assert actions == {FLOW: Action.CREATE, SCHEDULE: Action.CREATE}  # the schedule needs its flow first
    result = CliRunner().invoke(cli, ["plan", str(root), "--target", "flow.nope"], env=ENV)
    assert result.exit_code == 1 and "target flow.nope matches nothing" in result.output


def test_a_workspace_target_takes_its_flows_along_and_an_alias_target_does_not(root: Path) -> None:
    actions, _ = planned(root, PlanRequest(targets=(Address.parse("workspace.lab"),)))
    assert {FLOW, SCHEDULE} <= set(actions)
    actions, _ = planned(root, PlanRequest(targets=(Address.parse("workspace.lab/integration.kv"),)))
    assert set(actions) == {Address("lab"), Address("lab", ObjectKind.ALIAS, "kv")}


def test_addresses_of_flows_and_schedules_parse_back() -> None:
    for text in ("flow.open-issues-digest", "flow.open-issues-digest/schedule.0"):
        assert str(Address.parse(text)) == text
    assert Address.parse("flow.x").contains(Address.parse("flow.x/schedule.0"))
    with pytest.raises(ValueError, match=r"schedule\.<index>"):
        Address.parse("flow.x/step.a")


def test_a_saved_plan_with_flow_changes_applies_and_detailed_exitcode_sees_them(root: Path,
                                                                               tmp_path: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(cli, ["apply", "--project", str(root), "--auto-approve"], env=ENV).exit_code == 0
    edit_flow(root, 'value: "{{ run.id }}"', 'value: "saved-{{ run.id }}"')
    saved = tmp_path / "flows.plan"
    result = runner.invoke(cli, ["plan", str(root), "--out", str(saved), "--detailed-exitcode"], env=ENV)
    assert result.exit_code == 2, result.output
    document = json.loads(saved.read_text(encoding="utf-8"))["plan"]
    assert [(c["address"], c["kind"], c["action"]) for c in document["changes"]] == \
        [("flow.tally", "flow", "update")]
    applied = runner.invoke(cli, ["apply", str(saved)], env=ENV)
    assert applied.exit_code == 0, applied.output
    assert "flow.tally: done" in applied.output
    again = runner.invoke(cli, ["plan", str(root), "--detailed-exitcode"], env=ENV)
    assert again.exit_code == 0, again.output


def test_a_remote_backend_without_a_schedule_store_plans_no_flows_and_says_why(tmp_path: Path) -> None:
    remote = RemoteBackend("http://127.0.0.1:9", Sensitive("wvz_not_a_real_key"))
    try:
        target, note = deployment_target(remote, environ={})
        assert target is None and note is not None and "WEAVZ_FLOW_DATABASE_URL" in note
        target, note = deployment_target(remote, environ={"WEAVZ_FLOW_DATABASE_URL": str(tmp_path / "s.db")})
        assert target is not None and target.url == str(tmp_path / "s.db") and note is None
    finally:
        remote.close()


def test_a_version_holds_the_connection_references_its_aliases_use_never_their_values(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    flow = "flow: post\nworkspace: lab\nsteps:\n  - id: say\n    uses: bot.send_channel_message\n" \
           "    with: {channel: C1, text: hi}\n"
    root = write_project(tmp_path / "p", {"post": flow}, monkeypatch)
    lab = root / "workspaces" / "lab.yaml"
    lab.write_text(lab.read_text(encoding="utf-8") + "  bot: {integration: slack, strategy: fixed, connection: bot}\n"
                   "connections:\n  bot: {integration: slack, type: SECRET_TEXT, secret: {env: LAB_BOT_TOKEN}}\n"
                   "  other: {integration: slack, type: SECRET_TEXT, secret: {env: OTHER_TOKEN}}\n",
                   encoding="utf-8")
    monkeypatch.setenv("LAB_BOT_TOKEN", "xoxb-never-in-the-store")
    (desired,) = desired_flows(load_project(root))
    text = json.dumps(desired.document)
    assert "LAB_BOT_TOKEN" in text and "xoxb-never-in-the-store" not in text and "OTHER_TOKEN" not in text
    assert desired.document["aliases"] == {"bot": "slack"}  # kv and http are the workspace's, not this flow's
    rebuilt = project_from_version(desired.document, tmp_path)
    runner = FlowRunner(rebuilt, LocalBackend(tmp_path / "state"))
    try:
        assert "xoxb-never-in-the-store" in runner._connection_secrets(rebuilt.workspaces["lab"])
    finally:
        runner.backend.close()
