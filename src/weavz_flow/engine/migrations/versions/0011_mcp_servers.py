"""MCP servers, their explicit tools, and their per-end-user tokens (issue 16).

Servers and tools bump the configuration version like the other managed objects (revision 0003), so that a process
serving MCP sessions sees a change made by another and can announce a new tool list. Tokens do not: minting one
changes no configuration, and every bump empties the execute pipeline's cache.

Revision ID: 0011
Revises: 0009
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0011"
down_revision = "0009"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(JSONB(), "postgresql")
ID = sa.String(36)
TIME = sa.String(32)

CONFIG_TABLES = ("mcp_servers", "mcp_tools")
_BUMP = "UPDATE config_version SET version = version + 1 WHERE id = 1"


def upgrade() -> None:
    op.create_table(
        "mcp_servers",
        sa.Column("id", ID, primary_key=True),
        sa.Column("org_id", ID, sa.ForeignKey("organizations.id", ondelete="CASCADE"), nullable=False),
        sa.Column("workspace_id", ID, sa.ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("description", sa.String(500), nullable=True),
        sa.Column("mode", sa.String(16), nullable=False),
        sa.Column("auth_mode", sa.String(32), nullable=False),
        sa.Column("settings", JSON, nullable=False),
        sa.Column("end_user_access", sa.String(64), nullable=True),
        sa.Column("end_user_id", sa.String(255), nullable=True),
        sa.Column("created_by", sa.String(255), nullable=True),
        sa.Column("suspended", sa.Boolean, nullable=False),
        sa.Column("bearer_hash", sa.String(64), nullable=True),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("updated_at", TIME, nullable=False),
        sa.UniqueConstraint("workspace_id", "name", name="uq_mcp_servers_workspace_name"),
    )
    op.create_table(
        "mcp_tools",
        sa.Column("id", ID, primary_key=True),
        sa.Column("server_id", ID, sa.ForeignKey("mcp_servers.id", ondelete="CASCADE"), nullable=False),
        sa.Column("tool_type", sa.String(16), nullable=False),
        sa.Column("integration_name", sa.String(100), nullable=False),
        sa.Column("action_name", sa.String(200), nullable=False),
        sa.Column("integration_alias", sa.String(64), nullable=True),
        sa.Column("alias_key", sa.String(64), nullable=False),
        sa.Column("connection_id", ID, sa.ForeignKey("connections.id", ondelete="SET NULL"), nullable=True),
        sa.Column("display_name", sa.String(255), nullable=True),
        sa.Column("description", sa.String(500), nullable=True),
        sa.Column("input_defaults", JSON, nullable=False),
        sa.Column("partial_ids", JSON, nullable=False),
        sa.Column("sort_order", sa.Integer, nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("updated_at", TIME, nullable=False),
        sa.UniqueConstraint("server_id", "integration_name", "action_name", "alias_key", name="uq_mcp_tools_target"),
    )
    op.create_index("ix_mcp_tools_connection_id", "mcp_tools", ["connection_id"])
    op.create_table(
        "mcp_tokens",
        sa.Column("id", ID, primary_key=True),
        sa.Column("server_id", ID, sa.ForeignKey("mcp_servers.id", ondelete="CASCADE"), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("end_user_id", ID, sa.ForeignKey("end_users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("end_user_external_id", sa.String(255), nullable=False),
        sa.Column("scopes", JSON, nullable=False),
        sa.Column("expires_at", TIME, nullable=False),
        sa.Column("revoked_at", TIME, nullable=True),
        sa.Column("created_at", TIME, nullable=False),
        sa.UniqueConstraint("token_hash", name="uq_mcp_tokens_token_hash"),
    )
    op.create_index("ix_mcp_tokens_server_id", "mcp_tokens", ["server_id"])
    op.create_index("ix_mcp_tokens_end_user_id", "mcp_tokens", ["end_user_id"])
    if op.get_bind().dialect.name == "postgresql":
        for table in CONFIG_TABLES:  # the function is revision 0003's
            op.execute(
                f"CREATE TRIGGER {table}_config_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION weavz_flow_bump_config_version()"
            )
        return
    for table in CONFIG_TABLES:
        for event in ("INSERT", "UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_config_version_{event.lower()} AFTER {event} ON {table} "
                f"BEGIN {_BUMP}; END"
            )


def downgrade() -> None:
    # Dropping a table drops its triggers on both databases.
    op.drop_table("mcp_tokens")
    op.drop_table("mcp_tools")
    op.drop_table("mcp_servers")
