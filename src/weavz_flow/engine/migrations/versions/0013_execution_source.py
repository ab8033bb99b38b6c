"""Execution records say which surface called the pipeline: ``executions.source``.

One of ``rest``, ``sdk``, ``flow``, ``mcp_tools``, ``mcp_code``, ``trigger`` (wire/vocabulary.py ExecuteSource).
Nullable: records made before this revision do not know it.

Revision ID: 0013
Revises: 0011
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("executions", sa.Column("source", sa.String(16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("executions") as batch:  # SQLite before 3.35 cannot drop a column in place
        batch.drop_column("source")
