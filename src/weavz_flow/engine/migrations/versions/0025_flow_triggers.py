"""Deployed flows keep their ``on:`` entries: ``flow_deployments.triggers``, a JSON object of trigger objects by their
key (what plan/deployment.py's trigger changes publish; schedulers register them as trigger sources). Nullable: a
deployment made before this revision has none.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    op.add_column("flow_deployments", sa.Column("triggers", JSON, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("flow_deployments") as batch:  # SQLite before 3.35 cannot drop a column in place
        batch.drop_column("triggers")
