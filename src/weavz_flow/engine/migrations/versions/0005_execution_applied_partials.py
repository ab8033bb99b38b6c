"""Execution records name the partials that applied and why: ``executions.applied_partials``.

A JSON list of ``{id, name, reason}`` in merge order, ``reason`` one of ``default``, ``default_enforced`` and
``requested`` (engine/applied_partial.py). Nullable: records made before this revision do not know the reasons.

Revision ID: 0005
Revises: 0004
Create Date: 2025-01-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    op.add_column("executions", sa.Column("applied_partials", JSON, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("executions") as batch:  # SQLite before 3.35 cannot drop a column in place
        batch.drop_column("applied_partials")
