"""Snapshots of the Markdown plan (``plan --format markdown``): what a pull-request comment shows. It renders from
the same Plan as the text and JSON renderers, generically over kinds, and never shows a secret."""

from __future__ import annotations

from dataclasses import replace

from click.testing import CliRunner

from tests.plan.states import CONN, FINGERPRINTS, SECRET, converged_live, desired
from weavz_flow.backends.live import LiveEndUser
from weavz_flow.cli.main import cli
from weavz_flow.plan.compute import PlanOptions, compute_plan
from weavz_flow.plan.desired import DesiredAlias, DesiredWorkspace
from weavz_flow.plan.live_state import LiveState
from weavz_flow.plan.model import Action, Address, AttributeDiff, Change, ObjectKind, Plan
from weavz_flow.plan.render_markdown import render_markdown


def test_create(snapshot):
    assert render_markdown(compute_plan(desired(), LiveState(), credential_fingerprints=FINGERPRINTS)) == snapshot


def test_update_replace_and_prune(snapshot):
    live = converged_live()
    snap = live.snapshots["acme-prod"]
    snap = replace(snap, end_users=(*snap.end_users, LiveEndUser("e2", "w1", "carol")))
    live = LiveState(live.workspaces, live.connections, {"acme-prod": snap})
    d = desired(
        workspaces=(DesiredWorkspace("acme-prod", "ACME (production)"),),
        aliases=(DesiredAlias("acme-prod", "slack_bot", "slack", "per_user_with_fallback", "slack-prod", None),
                 DesiredAlias("acme-prod", "kv", "storage", "fixed")),
    )
    plan = compute_plan(d, live, credential_fingerprints={CONN: "fp-2"}, options=PlanOptions(prune=True))
    text = render_markdown(plan)
    assert SECRET not in text and "fp-2" not in text
    assert text == snapshot


def test_no_changes_and_unmanaged(snapshot):
    live = converged_live()
    snap = live.snapshots["acme-prod"]
    live = LiveState(live.workspaces, live.connections,
                     {"acme-prod": replace(snap, end_users=(*snap.end_users, LiveEndUser("e2", "w1", "carol")))})
    assert render_markdown(compute_plan(desired(), live, credential_fingerprints=FINGERPRINTS)) == snapshot


def test_any_kind_renders_and_values_cannot_break_out():
    # A change of a kind this renderer was not written for (ObjectKind members are all it knows of kinds) and
    # values holding backticks and pipes: the fence and the table hold.
    change = Change(Address("w", ObjectKind.PARTIAL, "odd|name"), Action.UPDATE, (
        AttributeDiff("values", {"q": "```"}, {"q": "a | b"}), AttributeDiff("token", None, None, sensitive=True)))
    text = render_markdown(Plan((change,), "fp"))
    assert "| `~` | `workspace.w/partial.odd\\|name` | partial | update | values, token |" in text
    assert "````diff\n~ workspace.w/partial.odd|name\n" in text and text.count("````") == 2
    assert '~     values = {"q": "```"} -> {"q": "a | b"}' in text and "~     token = (sensitive value)" in text


def test_plan_format_markdown_from_the_cli(project_root, monkeypatch):
    monkeypatch.chdir(project_root)
    result = CliRunner().invoke(cli, ["plan", "--format", "markdown", "--detailed-exitcode"])
    assert result.exit_code == 2, result.output
    assert result.output.startswith("### weavz-flow plan\n\n**Plan:** 8 to add, 0 to change, 0 to destroy.")
    assert "xoxb" not in result.output and "<details><summary>Details of 8 changes</summary>" in result.output
    both = CliRunner().invoke(cli, ["plan", "--json", "--format", "markdown"])
    assert both.exit_code == 2 and "ask for different formats" in both.output
