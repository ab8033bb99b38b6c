"""A plan never shows a change that applying would not make: for each alias attribute, on the local engine and
against a real ``weavz-flow serve``, a plan right after apply says "No changes", and changing the attribute plans
exactly one update that apply makes (then "No changes" again)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.plan.project_files import write_project
from weavz_flow.backends.protocol import Backend
from weavz_flow.config.load import load_project
from weavz_flow.plan.apply import apply_plan
from weavz_flow.plan.model import Action, Plan
from weavz_flow.plan.render_text import render_text
from weavz_flow.plan.session import fingerprint_book, make_plan

BASE = """\
workspace: acme-prod
connections:
  slack-prod: {integration: slack, type: SECRET_TEXT, secret: {env: TEST_SLACK_TOKEN}}
  slack-other: {integration: slack, type: SECRET_TEXT, secret: {env: TEST_SLACK_TOKEN}}
integrations:
  a: {alias}
"""

# One alias each; the first of every pair is applied, then the second must plan as exactly one in-place update.
VARIANTS: dict[str, tuple[str, str]] = {
    "strategy per_user -> per_user_with_fallback": (
        "{integration: slack, strategy: per_user}",
        "{integration: slack, strategy: per_user_with_fallback, connection: slack-prod}"),
    "builtin per_user -> default": (
        "{integration: kv-store, strategy: per_user}", "{integration: kv-store, display_name: KV}"),
    "strategy fixed -> per_user_with_fallback": (
        "{integration: slack, connection: slack-prod}",
        "{integration: slack, connection: slack-prod, strategy: per_user_with_fallback}"),
    "strategy per_user -> fixed": (
        "{integration: slack, strategy: per_user}", "{integration: slack, strategy: fixed, connection: slack-prod}"),
    "connection": (
        "{integration: slack, connection: slack-prod}", "{integration: slack, connection: slack-other}"),
    "actions": (
        "{integration: kv-store, actions: [get]}", "{integration: kv-store, actions: [get, put]}"),
    "actions repeated": (
        "{integration: kv-store, actions: [get, put, get]}", "{integration: kv-store, actions: [put]}"),
    "display_name": (
        "{integration: kv-store, display_name: One}", "{integration: kv-store, display_name: Two}"),
    "persistence scope": (
        "{integration: kv-store, settings: {persistence: {scope: end_user}}}",
        "{integration: kv-store, settings: {persistence: {scope: workspace}}}"),
    "persistence external": (
        "{integration: kv-store, settings: {persistence: {scope: external, external_id: team-1}}}",
        "{integration: kv-store, settings: {persistence: {scope: external, external_id: team-2}}}"),
    "end_user_connect": (
        "{integration: slack, strategy: per_user}",
        "{integration: slack, strategy: per_user, end_user_connect: portal}"),
    "end_user_connect removed": (
        "{integration: slack, strategy: per_user_with_fallback, connection: slack-prod, end_user_connect: portal}",
        "{integration: slack, strategy: per_user_with_fallback, connection: slack-prod}"),
}


def _write(root: Path, alias: str) -> None:
    write_project(root, BASE.replace("{alias}", alias), staging=False)


def _plan(root: Path, backend: Backend) -> Plan:
    return make_plan(load_project(root), backend)


def _apply(root: Path, backend: Backend, plan: Plan) -> None:
    result = apply_plan(plan, backend, book=fingerprint_book(load_project(root), backend))
    assert result.ok, result.error


@pytest.mark.parametrize("before,after", VARIANTS.values(), ids=list(VARIANTS))
def test_alias_attribute_round_trips(project_root, backend, before, after):
    _write(project_root, before)
    _apply(project_root, backend, _plan(project_root, backend))
    again = _plan(project_root, backend)
    assert not again.has_changes, render_text(again)

    _write(project_root, after)
    changed = _plan(project_root, backend)
    assert [(c.address.name, c.action) for c in changed.changes if c.action is not Action.NO_OP] == [
        ("a", Action.UPDATE)], render_text(changed)
    _apply(project_root, backend, changed)
    converged = _plan(project_root, backend)
    assert not converged.has_changes, render_text(converged)


@pytest.mark.parametrize("strategy", ["", ", strategy: fixed", ", strategy: per_user",
                                      ", strategy: per_user_with_fallback"])
def test_an_alias_without_connection_plans_what_is_stored(project_root, backend, strategy):
    """Without a connection every strategy is stored and runs as per_user: the create says so, apply succeeds, and
    writing any of the others afterwards is no change (it would not change what the backend holds)."""
    _write(project_root, "{integration: kv-store" + strategy + "}")
    created = _plan(project_root, backend)
    assert 'strategy = "per_user"' in render_text(created)
    _apply(project_root, backend, created)
    for other in ("", ", strategy: fixed", ", strategy: per_user", ", strategy: per_user_with_fallback"):
        _write(project_root, "{integration: kv-store" + other + "}")
        again = _plan(project_root, backend)
        assert not again.has_changes, render_text(again)
