from __future__ import annotations

from dataclasses import replace

import pytest

from tests.plan.states import CONN, FINGERPRINTS, converged_live, desired
from weavz_flow.backends.live import LiveAlias, LiveEndUser, LivePartial, LiveWorkspace, WorkspaceSnapshot
from weavz_flow.plan.compute import PlanError, PlanOptions, compute_plan
from weavz_flow.plan.desired import DesiredAlias, DesiredPartial
from weavz_flow.plan.live_state import LiveState
from weavz_flow.plan.model import Action, Address, ObjectKind
from weavz_flow.sensitive import Sensitive


def actions(plan) -> dict[str, str]:
    return {str(c.address): c.action.value for c in plan.changes}


def test_empty_live_creates_everything_parents_first():
    plan = compute_plan(desired(), LiveState(), credential_fingerprints=FINGERPRINTS)
    assert [c.action for c in plan.changes] == [Action.CREATE] * 6
    assert [c.kind for c in plan.changes] == [
        ObjectKind.WORKSPACE, ObjectKind.END_USER, ObjectKind.CONNECTION, ObjectKind.ALIAS, ObjectKind.ALIAS,
        ObjectKind.PARTIAL,
    ]
    assert plan.summary.add == 6 and plan.has_changes


def test_converged_live_is_all_no_op():
    plan = compute_plan(desired(), converged_live(), credential_fingerprints=FINGERPRINTS)
    assert set(actions(plan).values()) == {"no-op"}
    assert not plan.has_changes
    assert plan.unmanaged == ()


def test_update_lists_only_changed_attributes():
    d = desired(aliases=(
        DesiredAlias("acme-prod", "slack_bot", "slack", "per_user_with_fallback", "slack-prod", None),
        desired().aliases[1],
    ))
    plan = compute_plan(d, converged_live(), credential_fingerprints=FINGERPRINTS)
    change = next(c for c in plan.changes if c.address.name == "slack_bot")
    assert change.action is Action.UPDATE
    assert {x.name: (x.before, x.after) for x in change.diffs} == {
        "strategy": ("fixed", "per_user_with_fallback"),
        "enabled_actions": (["send_channel_message"], None),
    }


def test_integration_change_replaces_alias_and_its_partials():
    d = desired(aliases=(
        DesiredAlias("acme-prod", "slack_bot", "slack-v2", "fixed", "slack-prod", ("send_channel_message",)),
        desired().aliases[1],
    ), partials=(replace(desired().partials[0], integration="slack-v2"),))
    plan = compute_plan(d, converged_live(), credential_fingerprints=FINGERPRINTS)
    by = {str(c.address): c for c in plan.changes}
    alias = by["workspace.acme-prod/integration.slack_bot"]
    assert alias.action is Action.REPLACE and alias.reason == "integration cannot change in place"
    partial = by["workspace.acme-prod/partial.alerts"]
    assert partial.action is Action.REPLACE
    assert partial.reason == "its alias workspace.acme-prod/integration.slack_bot is replaced"
    assert plan.summary.add == 2 and plan.summary.destroy == 2


def test_partial_scope_change_is_a_replace():
    d = desired(partials=(DesiredPartial("acme-prod", "alerts", "slack_bot", "slack", None, None,
                                         {"channel": "C0ALERTS"}, ("channel",), True),))
    plan = compute_plan(d, converged_live(), credential_fingerprints=FINGERPRINTS)
    change = next(c for c in plan.changes if c.kind is ObjectKind.PARTIAL)
    assert change.action is Action.REPLACE
    assert change.reason == "action cannot change in place"


def test_changed_secret_is_an_update_with_a_sensitive_diff():
    plan = compute_plan(desired(), converged_live(), credential_fingerprints={CONN: "fp-2"})
    change = next(c for c in plan.changes if c.kind is ObjectKind.CONNECTION)
    assert change.action is Action.UPDATE
    [diff] = change.diffs
    assert diff.name == "credentials" and diff.sensitive
    assert isinstance(diff.after, Sensitive) and isinstance(diff.before, Sensitive)


def test_changed_secret_replaces_when_backend_cannot_update_credentials():
    plan = compute_plan(desired(), converged_live(), credential_fingerprints={CONN: "fp-2"},
                        options=PlanOptions(connection_update=False))
    by = {str(c.address): c for c in plan.changes}
    assert by[str(CONN)].action is Action.REPLACE and by[str(CONN)].create_before_destroy
    # Create before destroy moves the alias on it inside the connection's change: no change of its own.
    assert by["workspace.acme-prod/integration.slack_bot"].action is Action.NO_OP


def test_replace_of_an_immutable_attribute_re_points_the_alias():
    live = converged_live()
    live = replace(live, connections=tuple(replace(c, type="BASIC_AUTH") for c in live.connections))
    plan = compute_plan(desired(), live, credential_fingerprints=FINGERPRINTS, options=PlanOptions())
    by = {str(c.address): c for c in plan.changes}
    assert by[str(CONN)].action is Action.REPLACE and not by[str(CONN)].create_before_destroy
    alias = by["workspace.acme-prod/integration.slack_bot"]
    assert alias.action is Action.UPDATE and alias.reason == f"its connection {CONN} is replaced"


def test_unknown_applied_fingerprint_sets_the_secret_again():
    plan = compute_plan(desired(), converged_live(fingerprint=None), credential_fingerprints=FINGERPRINTS)
    change = next(c for c in plan.changes if c.kind is ObjectKind.CONNECTION)
    assert change.action is Action.UPDATE
    assert change.reason == "no record of the credential last applied, so it is set again"


def test_applied_fingerprints_stand_in_for_the_backend():
    live = converged_live(fingerprint=None)
    live = LiveState(live.workspaces, live.connections, live.snapshots, {"c1": "fp-1"})
    plan = compute_plan(desired(), live, credential_fingerprints=FINGERPRINTS)
    assert not plan.has_changes


def _live_with_extras() -> LiveState:
    live = converged_live()
    snap = live.snapshots["acme-prod"]
    snap = replace(
        snap,
        end_users=(*snap.end_users, LiveEndUser("e2", "w1", "carol")),
        aliases=(*snap.aliases, LiveAlias("a3", "w1", "github", "github", "per_user")),
        partials=(*snap.partials, LivePartial("p2", "w1", "github", "github", "repo")),
    )
    other = LiveWorkspace("w2", "sandbox", "Sandbox")
    return LiveState((*live.workspaces, other), live.connections,
                     {"acme-prod": snap, "sandbox": WorkspaceSnapshot(other)})


def test_unmanaged_objects_are_listed_not_deleted():
    plan = compute_plan(desired(), _live_with_extras(), credential_fingerprints=FINGERPRINTS)
    assert not plan.has_changes
    assert [str(a) for a in plan.unmanaged] == [
        "workspace.acme-prod/end_user.carol",
        "workspace.acme-prod/integration.github",
        "workspace.acme-prod/partial.repo",
        "workspace.sandbox",
    ]


def test_prune_deletes_children_before_parents():
    plan = compute_plan(desired(), _live_with_extras(), credential_fingerprints=FINGERPRINTS,
                        options=PlanOptions(prune=True))
    deletes = [str(c.address) for c in plan.changes if c.action is Action.DELETE]
    assert deletes == [
        "workspace.acme-prod/partial.repo",
        "workspace.acme-prod/integration.github",
        "workspace.acme-prod/end_user.carol",
        "workspace.sandbox",
    ]
    assert plan.unmanaged == ()
    assert plan.summary.destroy == 4


def test_target_limits_changes_and_brings_parents_along():
    plan = compute_plan(desired(), LiveState(), credential_fingerprints=FINGERPRINTS,
                        options=PlanOptions(targets=(Address.parse("workspace.acme-prod/partial.alerts"),)))
    assert [str(c.address) for c in plan.changes] == [
        "workspace.acme-prod",
        "workspace.acme-prod/connection.slack-prod",
        "workspace.acme-prod/integration.slack_bot",
        "workspace.acme-prod/partial.alerts",
    ]


def test_target_never_prunes_outside_itself():
    plan = compute_plan(desired(), _live_with_extras(), credential_fingerprints=FINGERPRINTS,
                        options=PlanOptions(prune=True, targets=(Address.parse("workspace.sandbox"),)))
    assert [str(c.address) for c in plan.changes] == ["workspace.sandbox"]


def test_target_that_matches_nothing_is_an_error():
    with pytest.raises(PlanError, match="matches nothing"):
        compute_plan(desired(), LiveState(), options=PlanOptions(targets=(Address.parse("workspace.nope"),)))


def test_one_connection_declared_by_two_workspaces_is_an_error():
    conn = desired().connections[0]
    with pytest.raises(PlanError, match="declared by both"):
        compute_plan(desired(connections=(conn, replace(conn, workspace="other"))), LiveState())


def test_live_fingerprint_changes_with_live_state():
    a = converged_live()
    b = converged_live(fingerprint="fp-9")
    assert a.fingerprint() == converged_live().fingerprint()
    assert a.fingerprint() != b.fingerprint()


@pytest.mark.parametrize("text", ["workspace.a", "workspace.a/integration.b", "workspace.a/partial.x.y"])
def test_address_round_trips(text):
    assert str(Address.parse(text)) == text


@pytest.mark.parametrize("text", ["acme", "workspace.", "workspace.a/alias.b", "workspace.a/partial."])
def test_bad_address_is_refused(text):
    with pytest.raises(ValueError, match="not an address"):
        Address.parse(text)
