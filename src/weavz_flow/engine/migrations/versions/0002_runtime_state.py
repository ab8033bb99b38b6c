"""Runtime state: execution records, idempotency claims, and the built-ins' KV entries and stored files.

Revision ID: 0002
Revises: 0001
Create Date: 2025-01-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(JSONB(), "postgresql")
ID = sa.String(36)
TIME = sa.String(32)


def upgrade() -> None:
    op.create_table(
        "executions",
        sa.Column("id", ID, primary_key=True),
        sa.Column("org_id", ID, nullable=False),
        sa.Column("workspace_id", ID, nullable=False),
        sa.Column("api_key_id", ID, nullable=True),
        sa.Column("integration_name", sa.String(100), nullable=False),
        sa.Column("action_name", sa.String(200), nullable=False),
        sa.Column("workspace_integration_id", ID, nullable=True),
        sa.Column("integration_alias", sa.String(64), nullable=True),
        sa.Column("connection_id", ID, nullable=True),
        sa.Column("end_user_id", sa.String(255), nullable=True),
        sa.Column("partial_ids", JSON, nullable=False),
        sa.Column("enforced_keys", JSON, nullable=False),
        sa.Column("input", JSON, nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("duration_ms", sa.Float, nullable=False),
        sa.Column("error_code", sa.String(64), nullable=True),
        sa.Column("error_message", sa.Text, nullable=True),
        sa.Column("output", JSON, nullable=True),
        sa.Column("output_truncated", sa.Boolean, nullable=False),
        sa.Column("idempotency_key", sa.String(255), nullable=True),
        sa.Column("created_at", TIME, nullable=False),
    )
    op.create_index("ix_executions_workspace_id", "executions", ["workspace_id"])
    op.create_table(
        "idempotency_records",
        sa.Column("id", ID, primary_key=True),
        sa.Column("org_id", ID, nullable=False),
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("request_fingerprint", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("result", JSON, nullable=True),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("updated_at", TIME, nullable=False),
        sa.UniqueConstraint("org_id", "key", name="uq_idempotency_org_key"),
    )
    op.create_table(
        "kv_entries",
        sa.Column("namespace", sa.String(400), primary_key=True),
        sa.Column("key", sa.String(400), primary_key=True),
        sa.Column("value", JSON, nullable=True),
        sa.Column("updated_at", TIME, nullable=False),
    )
    op.create_table(
        "stored_files",
        sa.Column("namespace", sa.String(400), primary_key=True),
        sa.Column("path", sa.String(1000), primary_key=True),
        sa.Column("content", sa.LargeBinary, nullable=False),
        sa.Column("content_type", sa.String(200), nullable=True),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("updated_at", TIME, nullable=False),
    )


def downgrade() -> None:
    for table in ("stored_files", "kv_entries", "idempotency_records", "executions"):
        op.drop_table(table)
