"""Triggers (issue 18): trigger sources, the events they saw, and the deliveries of those events to callbacks.

``trigger_sources``: one row per enabled source, from the API (``target_kind`` ``callback``: events go to a
callback URL) or from a deployed flow (``flow``: events start runs; unique ``(flow_name, flow_key)``, and a flow
webhook's ``webhook_path`` is unique). Secrets (callback headers, the signing secret, a flow webhook's secret) are
ciphertexts of the credential cipher, never clear text. The polling columns: when the next poll is due and who holds
the source's lease (``lease_owner``, ``lease_until``) while it polls; ``cursor`` is the trigger's JSON cursor.

``trigger_events``: what a source saw, deduplicated by ``(source_id, event_key)``, in order of occurrence by ``seq``
(per source). ``dispatched_at``: when the event was handed to its target's queue (a flow fire inserted; for a
callback source, its delivery row written).

``trigger_deliveries``: one row per event of a callback source: status, attempts, when the next one is due, the
lease of the attempt in progress and the log of attempts.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None

_JSON = sa.JSON().with_variant(JSONB(), "postgresql")


def _id(name: str = "id", *args: sa.ForeignKey, **kw: object) -> sa.Column:
    return sa.Column(name, sa.String(36), *args, **kw)  # type: ignore[arg-type]


def _time(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.String(32), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "trigger_sources",
        _id(primary_key=True),
        _id("org_id", sa.ForeignKey("organizations.id", ondelete="CASCADE"), nullable=False),
        _id("workspace_id", sa.ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False, index=True),
        sa.Column("integration_name", sa.String(100), nullable=False),
        sa.Column("trigger_name", sa.String(200), nullable=False),
        sa.Column("trigger_type", sa.String(16), nullable=False),
        _id("workspace_integration_id", nullable=True),
        sa.Column("connection_external_id", sa.String(255), nullable=True),
        sa.Column("end_user_id", sa.String(255), nullable=True),
        sa.Column("input", _JSON, nullable=False),
        sa.Column("partial_ids", _JSON, nullable=False),
        sa.Column("target_kind", sa.String(16), nullable=False),
        sa.Column("callback_url", sa.String(2000), nullable=True),
        sa.Column("callback_headers", sa.LargeBinary, nullable=True),
        sa.Column("callback_metadata", _JSON, nullable=True),
        sa.Column("signing_secret", sa.LargeBinary, nullable=True),
        sa.Column("flow_name", sa.String(200), nullable=True),
        sa.Column("flow_key", sa.String(200), nullable=True),
        sa.Column("spec_digest", sa.String(64), nullable=True),
        sa.Column("webhook_path", sa.String(200), nullable=True, unique=True),
        sa.Column("webhook_secret", sa.LargeBinary, nullable=True),
        sa.Column("polling_interval_s", sa.Integer, nullable=True),
        _time("next_poll_at", nullable=True),
        sa.Column("lease_owner", sa.String(200), nullable=True),
        _time("lease_until", nullable=True),
        sa.Column("cursor", _JSON, nullable=True),
        sa.Column("simulate", sa.Boolean, nullable=False),
        sa.Column("enabled", sa.Boolean, nullable=False),
        sa.Column("last_error", sa.Text, nullable=True),
        _time("created_at"),
        _time("updated_at"),
        sa.UniqueConstraint("flow_name", "flow_key", name="uq_trigger_sources_flow_key"),
    )
    op.create_index("ix_trigger_sources_due", "trigger_sources", ["enabled", "next_poll_at"])
    op.create_table(
        "trigger_events",
        sa.Column("id", sa.String(36), primary_key=True),
        _id("source_id", sa.ForeignKey("trigger_sources.id", ondelete="CASCADE"), nullable=False),
        sa.Column("event_key", sa.String(500), nullable=False),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("data", _JSON, nullable=False),
        _time("occurred_at", nullable=True),
        _time("received_at"),
        _time("dispatched_at", nullable=True),
        sa.UniqueConstraint("source_id", "event_key", name="uq_trigger_events_source_key"),
        sa.UniqueConstraint("source_id", "seq", name="uq_trigger_events_source_seq"),
    )
    op.create_index("ix_trigger_events_dispatched", "trigger_events", ["dispatched_at"])
    op.create_table(
        "trigger_deliveries",
        _id(primary_key=True),
        sa.Column("event_id", sa.String(36), sa.ForeignKey("trigger_events.id", ondelete="CASCADE"), nullable=False,
                  unique=True),
        _id("source_id", sa.ForeignKey("trigger_sources.id", ondelete="CASCADE"), nullable=False),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        _time("next_attempt_at", nullable=True),
        _time("lease_until", nullable=True),
        sa.Column("last_status", sa.Integer, nullable=True),
        sa.Column("last_error", sa.String(500), nullable=True),
        sa.Column("log", _JSON, nullable=False),
        _time("first_attempt_at", nullable=True),
        _time("delivered_at", nullable=True),
        _time("created_at"),
    )
    op.create_index("ix_trigger_deliveries_source_status_seq", "trigger_deliveries", ["source_id", "status", "seq"])
    op.create_index("ix_trigger_deliveries_due", "trigger_deliveries", ["status", "next_attempt_at"])


def downgrade() -> None:
    op.drop_index("ix_trigger_deliveries_due", table_name="trigger_deliveries")
    op.drop_index("ix_trigger_deliveries_source_status_seq", table_name="trigger_deliveries")
    op.drop_table("trigger_deliveries")
    op.drop_index("ix_trigger_events_dispatched", table_name="trigger_events")
    op.drop_table("trigger_events")
    op.drop_index("ix_trigger_sources_due", table_name="trigger_sources")
    op.drop_table("trigger_sources")
