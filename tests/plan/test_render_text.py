"""Snapshots of the text plan: what a reviewer reads in a pull request."""

from __future__ import annotations

from dataclasses import replace

from tests.plan.states import CONN, FINGERPRINTS, SECRET, converged_live, desired
from weavz_flow.backends.live import LiveEndUser
from weavz_flow.plan.compute import PlanOptions, compute_plan
from weavz_flow.plan.desired import DesiredAlias, DesiredWorkspace
from weavz_flow.plan.live_state import LiveState
from weavz_flow.plan.render_text import render_text


def test_create(snapshot):
    assert render_text(compute_plan(desired(), LiveState(), credential_fingerprints=FINGERPRINTS)) == snapshot


def test_update(snapshot):
    d = desired(
        workspaces=(DesiredWorkspace("acme-prod", "ACME (production)"),),
        aliases=(DesiredAlias("acme-prod", "slack_bot", "slack", "per_user_with_fallback", "slack-prod", None),
                 desired().aliases[1]),
    )
    assert render_text(compute_plan(d, converged_live(), credential_fingerprints=FINGERPRINTS)) == snapshot


def test_delete_with_prune(snapshot):
    live = converged_live()
    snap = live.snapshots["acme-prod"]
    snap = replace(snap, end_users=(*snap.end_users, LiveEndUser("e2", "w1", "carol")))
    live = LiveState(live.workspaces, live.connections, {"acme-prod": snap})
    unpruned = compute_plan(desired(), live, credential_fingerprints=FINGERPRINTS)
    pruned = compute_plan(desired(), live, credential_fingerprints=FINGERPRINTS, options=PlanOptions(prune=True))
    assert render_text(unpruned) == snapshot(name="listed as unmanaged")
    assert render_text(pruned) == snapshot(name="destroyed with prune")


def test_replace(snapshot):
    d = desired(aliases=(DesiredAlias("acme-prod", "kv", "storage", "fixed"), desired().aliases[0]))
    assert render_text(compute_plan(d, converged_live(), credential_fingerprints=FINGERPRINTS)) == snapshot


def test_no_op(snapshot):
    assert render_text(compute_plan(desired(), converged_live(), credential_fingerprints=FINGERPRINTS)) == snapshot


def test_changed_secret_is_masked_but_shown_as_changed(snapshot):
    text = render_text(compute_plan(desired(), converged_live(), credential_fingerprints={CONN: "fp-2"}))
    assert SECRET not in text and "fp-2" not in text
    assert text == snapshot
