"""Deployed flows: content-addressed flow versions, the deployment (per flow: its current version and schedules), and
the version each fire was scheduled with (``schedule_fires.flow_digest``).

``weavz-flow apply`` writes them; schedulers and workers read them, so that no machine runs its own checkout. Versions
are never updated or deleted by apply: a fire scheduled with a digest can always load it.

Revision ID: 0006
Revises: 0005
Create Date: 2025-01-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(JSONB(), "postgresql")
TIME = sa.String(32)


def upgrade() -> None:
    op.create_table(
        "flow_versions",
        sa.Column("digest", sa.String(64), primary_key=True),
        sa.Column("flow", sa.String(200), nullable=False),
        sa.Column("document", JSON, nullable=False),
        sa.Column("created_at", TIME, nullable=False),
    )
    op.create_table(
        "flow_deployments",
        sa.Column("flow", sa.String(200), primary_key=True),
        sa.Column("workspace", sa.String(100), nullable=False),
        sa.Column("digest", sa.String(64), sa.ForeignKey("flow_versions.digest"), nullable=False),
        sa.Column("schedules", JSON, nullable=False),
        sa.Column("deployed_at", TIME, nullable=False),
        sa.Column("deployed_by", sa.String(255), nullable=False),
    )
    op.add_column("schedule_fires", sa.Column("flow_digest", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("schedule_fires") as batch:  # SQLite before 3.35 cannot drop a column in place
        batch.drop_column("flow_digest")
    op.drop_table("flow_deployments")
    op.drop_table("flow_versions")
