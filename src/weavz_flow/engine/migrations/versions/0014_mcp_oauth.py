"""MCP's OAuth authorization flow (issue 16): dynamically registered clients and authorization grants.

Neither bumps the configuration version: registering a client or authorizing one changes no configuration.

Revision ID: 0014
Revises: 0010
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0014"
down_revision = "0010"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(JSONB(), "postgresql")
ID = sa.String(36)
TIME = sa.String(32)


def upgrade() -> None:
    op.create_table(
        "mcp_oauth_clients",
        sa.Column("client_id", ID, primary_key=True),
        sa.Column("client_name", sa.String(255), nullable=True),
        sa.Column("redirect_uris", JSON, nullable=False),
        sa.Column("client_info", JSON, nullable=False),
        sa.Column("created_at", TIME, nullable=False),
    )
    op.create_table(
        "mcp_oauth_grants",
        sa.Column("id", ID, primary_key=True),
        sa.Column("client_id", ID, sa.ForeignKey("mcp_oauth_clients.client_id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("server_id", ID, sa.ForeignKey("mcp_servers.id", ondelete="CASCADE"), nullable=False),
        sa.Column("redirect_uri", sa.String(2000), nullable=False),
        sa.Column("redirect_uri_explicit", sa.Boolean, nullable=False),
        sa.Column("code_challenge", sa.String(128), nullable=False),
        sa.Column("scopes", JSON, nullable=False),
        sa.Column("resource", sa.String(2000), nullable=True),
        sa.Column("state", sa.String(2000), nullable=True),
        sa.Column("step_hash", sa.String(64), nullable=True, unique=True),
        sa.Column("step_expires_at", TIME, nullable=False),
        sa.Column("end_user_id", ID, sa.ForeignKey("end_users.id", ondelete="CASCADE"), nullable=True),
        sa.Column("code_hash", sa.String(64), nullable=True, unique=True),
        sa.Column("code_expires_at", TIME, nullable=True),
        sa.Column("token_id", ID, sa.ForeignKey("mcp_tokens.id", ondelete="SET NULL"), nullable=True),
        sa.Column("used_at", TIME, nullable=True),
        sa.Column("created_at", TIME, nullable=False),
    )
    op.create_index("ix_mcp_oauth_grants_client_id", "mcp_oauth_grants", ["client_id"])
    op.create_index("ix_mcp_oauth_grants_server_id", "mcp_oauth_grants", ["server_id"])


def downgrade() -> None:
    op.drop_table("mcp_oauth_grants")
    op.drop_table("mcp_oauth_clients")
