"""Hosted connect sessions: ``connect_sessions``, one row per ``cst_`` token (stored as its sha256 only).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

ID = sa.String(36)
TIME = sa.String(32)


def upgrade() -> None:
    op.create_table(
        "connect_sessions",
        sa.Column("id", ID, primary_key=True),
        sa.Column("org_id", ID, sa.ForeignKey("organizations.id", ondelete="CASCADE"), nullable=False),
        sa.Column("workspace_id", ID, sa.ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("integration_name", sa.String(100), nullable=False),
        sa.Column("connection_name", sa.String(255), nullable=False),
        sa.Column("external_id", sa.String(255), nullable=False),
        sa.Column("end_user_external_id", sa.String(255), nullable=True),
        sa.Column("workspace_integration_id", ID, nullable=True),
        sa.Column("auth_method_key", sa.String(100), nullable=True),
        sa.Column("scope", sa.String(16), nullable=False),
        sa.Column("oauth_app_mode", sa.String(32), nullable=True),
        sa.Column("oauth_app_id", ID, nullable=True),
        sa.Column("base_url", sa.String(2000), nullable=True),
        sa.Column("success_redirect_uri", sa.String(2000), nullable=True),
        sa.Column("error_redirect_uri", sa.String(2000), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("connection_id", ID, sa.ForeignKey("connections.id", ondelete="SET NULL"), nullable=True),
        sa.Column("error_code", sa.String(64), nullable=True),
        sa.Column("error", sa.String(500), nullable=True),
        sa.Column("expires_at", TIME, nullable=False),
        sa.Column("completed_at", TIME, nullable=True),
        sa.Column("created_at", TIME, nullable=False),
        sa.UniqueConstraint("token_hash", name="uq_connect_sessions_token_hash"),
    )
    op.create_index("ix_connect_sessions_workspace_id", "connect_sessions", ["workspace_id"])


def downgrade() -> None:
    op.drop_index("ix_connect_sessions_workspace_id", table_name="connect_sessions")
    op.drop_table("connect_sessions")
