"""Scheduler state: each schedule's watermark (the last fire time decided) and one row per fire.

Revision ID: 0004
Revises: 0003
Create Date: 2025-01-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

TIME = sa.String(32)


def upgrade() -> None:
    op.create_table(
        "schedule_state",
        sa.Column("schedule", sa.String(200), primary_key=True),
        sa.Column("watermark", TIME, nullable=True),
        sa.Column("missed_skipped", sa.BigInteger, nullable=False),
        sa.Column("updated_at", TIME, nullable=False),
    )
    op.create_table(
        "schedule_fires",
        sa.Column("key", sa.String(250), primary_key=True),
        sa.Column("schedule", sa.String(200), nullable=False),
        sa.Column("fire_at", TIME, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("worker", sa.String(200), nullable=True),
        sa.Column("lease_until", TIME, nullable=True),
        sa.Column("run_id", sa.String(64), nullable=True),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("started_at", TIME, nullable=True),
        sa.Column("finished_at", TIME, nullable=True),
        sa.Column("error", sa.Text, nullable=True),
    )
    op.create_index("ix_schedule_fires_schedule_status", "schedule_fires", ["schedule", "status"])
    op.create_index("ix_schedule_fires_status", "schedule_fires", ["status"])


def downgrade() -> None:
    op.drop_index("ix_schedule_fires_status", table_name="schedule_fires")
    op.drop_index("ix_schedule_fires_schedule_status", table_name="schedule_fires")
    op.drop_table("schedule_fires")
    op.drop_table("schedule_state")
