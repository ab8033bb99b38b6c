"""End-user portal: ``portal_tokens`` (eut_ links, kept as their sha256) and ``end_user_invites``.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

ID = sa.String(36)
TIME = sa.String(32)


def _owned(name: str, *columns: sa.Column) -> None:
    """A table of rows that one end user owns (deleted with them), indexed by that end user."""
    op.create_table(
        name,
        sa.Column("id", ID, primary_key=True),
        sa.Column("org_id", ID, sa.ForeignKey("organizations.id", ondelete="CASCADE"), nullable=False),
        sa.Column("workspace_id", ID, sa.ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
        sa.Column("end_user_id", ID, sa.ForeignKey("end_users.id", ondelete="CASCADE"), nullable=False),
        *columns,
    )
    op.create_index(f"ix_{name}_end_user_id", name, ["end_user_id"])


def upgrade() -> None:
    _owned(
        "portal_tokens",
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("integration_name", sa.String(100), nullable=True),
        sa.Column("workspace_integration_id", ID, sa.ForeignKey("workspace_integrations.id", ondelete="CASCADE"),
                  nullable=True),
        sa.Column("created_by_api_key_id", ID, nullable=True),
        sa.Column("expires_at", TIME, nullable=False),
        sa.Column("created_at", TIME, nullable=False),
    )
    _owned(
        "end_user_invites",
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("portal_token_id", ID, sa.ForeignKey("portal_tokens.id", ondelete="CASCADE"), nullable=False),
        sa.Column("invited_by_api_key_id", ID, nullable=True),
        sa.Column("email_sent", sa.Boolean, nullable=False),
        sa.Column("created_at", TIME, nullable=False),
    )


def downgrade() -> None:
    op.drop_index("ix_end_user_invites_end_user_id", table_name="end_user_invites")
    op.drop_table("end_user_invites")
    op.drop_index("ix_portal_tokens_end_user_id", table_name="portal_tokens")
    op.drop_table("portal_tokens")
