"""Small desired and live states for plan tests, built from plain values (no backend needed: compute is pure)."""

from __future__ import annotations

from weavz_flow.backends.live import (
    LiveAlias,
    LiveConnection,
    LiveEndUser,
    LivePartial,
    LiveWorkspace,
    WorkspaceSnapshot,
)
from weavz_flow.integrations.base import Credentials
from weavz_flow.plan.desired import (
    DesiredAlias,
    DesiredConnection,
    DesiredEndUser,
    DesiredPartial,
    DesiredState,
    DesiredWorkspace,
)
from weavz_flow.plan.live_state import LiveState
from weavz_flow.plan.model import Address, ObjectKind
from weavz_flow.sensitive import Sensitive

SECRET = "xoxb-very-secret-token"
CONN = Address("acme-prod", ObjectKind.CONNECTION, "slack-prod")


def desired(**overrides: object) -> DesiredState:
    """acme-prod with one end user, one connection, two aliases and one partial."""
    state = {
        "workspaces": (DesiredWorkspace("acme-prod", "ACME Production"),),
        "end_users": (DesiredEndUser("acme-prod", "alice", "Alice", "alice@acme.example", {"team": "platform"}),),
        "connections": (
            DesiredConnection("acme-prod", "slack-prod", "slack", "SECRET_TEXT",
                              Credentials("SECRET_TEXT", secret_text=Sensitive(SECRET)), "ACME Slack"),
        ),
        "aliases": (
            DesiredAlias("acme-prod", "slack_bot", "slack", "fixed", "slack-prod", ("send_channel_message",)),
            DesiredAlias("acme-prod", "kv", "kv-store", "fixed", None, None, None,
                         {"persistence": {"scope": "workspace"}}),
        ),
        "partials": (
            DesiredPartial("acme-prod", "alerts", "slack_bot", "slack", "send_channel_message", None,
                           {"channel": "C0ALERTS"}, ("channel",), True),
        ),
    }
    state.update(overrides)  # type: ignore[arg-type]
    return DesiredState(**state)  # type: ignore[arg-type]


def converged_live(fingerprint: str = "fp-1") -> LiveState:
    """The live state after desired() was applied."""
    ws = LiveWorkspace("w1", "acme-prod", "ACME Production")
    conn = LiveConnection("c1", "slack", "slack-prod", "SECRET_TEXT", "ACME Slack", "w1", None, None, fingerprint)
    snapshot = WorkspaceSnapshot(
        ws,
        aliases=(
            LiveAlias("a1", "w1", "slack_bot", "slack", "fixed", "c1", ("send_channel_message",)),
            LiveAlias("a2", "w1", "kv", "kv-store", "fixed", None, None, None, {"persistence": {"scope": "workspace"}}),
        ),
        partials=(
            LivePartial("p1", "w1", "slack_bot", "slack", "alerts", "send_channel_message", None,
                        {"channel": "C0ALERTS"}, ("channel",), True),
        ),
        end_users=(LiveEndUser("e1", "w1", "alice", "Alice", "alice@acme.example", {"team": "platform"}),),
    )
    return LiveState((ws,), (conn,), {"acme-prod": snapshot})


FINGERPRINTS = {CONN: "fp-1"}
