"""Plan and apply against the local engine: converge, no-op second apply, updates, secrets, prune, targets."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.plan.project_files import WORKSPACE, write_project
from weavz_flow.backends.local import LocalBackend
from weavz_flow.config.load import load_project
from weavz_flow.errors import ConfigError
from weavz_flow.plan.apply import apply_plan
from weavz_flow.plan.model import Action, Address
from weavz_flow.plan.render_text import render_text
from weavz_flow.plan.session import PlanRequest, fingerprint_book, make_plan


def plan_and_apply(root: Path, backend: LocalBackend, request: PlanRequest | None = None):
    project = load_project(root)
    plan = make_plan(project, backend, request)
    result = apply_plan(plan, backend, book=fingerprint_book(project, backend))
    assert result.ok, result.error
    return plan


def test_first_apply_creates_everything_and_second_makes_no_write_calls(project_root, local_backend):
    first = plan_and_apply(project_root, local_backend)
    assert first.summary.add == 8
    project = load_project(project_root)
    second = make_plan(project, local_backend)
    assert not second.has_changes, render_text(second)
    before = local_backend.round_trips
    result = apply_plan(second, local_backend)
    assert result.ok and result.applied == ()
    assert local_backend.round_trips == before  # not a single backend call
    snapshot = local_backend.snapshot(next(w for w in local_backend.list_workspaces() if w.slug == "acme-prod"))
    assert sorted(a.alias for a in snapshot.aliases) == ["kv", "slack_bot"]
    assert [p.name for p in snapshot.partials] == ["alerts"]


def test_plan_reads_a_bounded_number_of_times(project_root, local_backend):
    plan_and_apply(project_root, local_backend)
    before = local_backend.round_trips
    make_plan(load_project(project_root), local_backend)
    assert local_backend.round_trips - before <= 2 + 3  # workspaces, connections, one query per snapshot kind


def test_edit_updates_in_place(project_root, local_backend):
    plan_and_apply(project_root, local_backend)
    write_project(project_root, WORKSPACE.replace("    actions: [send_channel_message]\n", "")
                  .replace("values: {channel: C0ALERTS}", "values: {channel: C0OTHER}"))
    plan = plan_and_apply(project_root, local_backend)
    assert {str(c.address): c.action for c in plan.actionable} == {
        "workspace.acme-prod/integration.slack_bot": Action.UPDATE,
        "workspace.acme-prod/partial.alerts": Action.UPDATE,
    }
    assert not make_plan(load_project(project_root), local_backend).has_changes


def test_changed_secret_shows_and_applies(project_root, local_backend, monkeypatch):
    plan_and_apply(project_root, local_backend)
    monkeypatch.setenv("TEST_SLACK_TOKEN", "xoxb-test-token-2")
    plan = make_plan(load_project(project_root), local_backend)
    [change] = plan.actionable
    assert change.action is Action.UPDATE and str(change.address) == "workspace.acme-prod/connection.slack-prod"
    text = render_text(plan)
    assert "(sensitive value changed)" in text and "xoxb-test-token" not in text
    plan_and_apply(project_root, local_backend)
    assert not make_plan(load_project(project_root), local_backend).has_changes


def test_replace_when_integration_changes(project_root, local_backend):
    plan_and_apply(project_root, local_backend)
    write_project(project_root, WORKSPACE.replace("integration: kv-store", "integration: storage"))
    plan = plan_and_apply(project_root, local_backend)
    [change] = plan.actionable
    assert change.action is Action.REPLACE and change.reason == "integration cannot change in place"
    assert not make_plan(load_project(project_root), local_backend).has_changes


def test_removed_objects_are_unmanaged_until_pruned(project_root, local_backend):
    plan_and_apply(project_root, local_backend)
    write_project(project_root, staging=False)
    plan = make_plan(load_project(project_root), local_backend)
    assert not plan.has_changes
    assert [str(a) for a in plan.unmanaged] == ["workspace.acme-staging", "workspace.acme-staging/integration.http"]
    pruned = plan_and_apply(project_root, local_backend, PlanRequest(prune=True))
    assert [(str(c.address), c.action) for c in pruned.actionable] == [
        ("workspace.acme-staging/integration.http", Action.DELETE),
        ("workspace.acme-staging", Action.DELETE),
    ]
    after = make_plan(load_project(project_root), local_backend, PlanRequest(prune=True))
    assert not after.has_changes and after.unmanaged == ()


def test_target_applies_only_that_address(project_root, local_backend):
    plan = plan_and_apply(project_root, local_backend,
                          PlanRequest(targets=(Address.parse("workspace.acme-staging"),)))
    assert [str(c.address) for c in plan.actionable] == [
        "workspace.acme-staging", "workspace.acme-staging/integration.http",
    ]
    rest = make_plan(load_project(project_root), local_backend)
    assert rest.summary.add == 6


def test_missing_secret_names_file_and_line(project_root, local_backend, monkeypatch):
    monkeypatch.delenv("TEST_SLACK_TOKEN")
    with pytest.raises(ConfigError) as info:
        make_plan(load_project(project_root), local_backend)
    [problem] = info.value.diagnostics
    assert "TEST_SLACK_TOKEN" in problem.message
    assert problem.position is not None and problem.position.file.endswith("acme-prod.yaml")
    assert problem.position.line == 8


def test_interrupted_create_is_adopted_without_duplicates(project_root, local_backend):
    project = load_project(project_root)
    plan = make_plan(project, local_backend)
    # Simulate a run killed after some writes: apply the first half, then apply the original (now stale) plan.
    half = plan.actionable[: len(plan.actionable) // 2]
    from dataclasses import replace

    assert apply_plan(replace(plan, changes=half), local_backend).ok
    result = apply_plan(plan, local_backend, book=fingerprint_book(project, local_backend))
    assert result.ok
    assert not make_plan(project, local_backend).has_changes
    assert len(local_backend.list_workspaces()) == 2
