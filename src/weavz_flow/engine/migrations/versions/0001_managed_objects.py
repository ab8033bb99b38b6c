"""Managed objects: organizations, API keys, workspaces, end users, connections, workspace integrations, partials.

Revision ID: 0001
Revises:
Create Date: 2025-01-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# Revisions spell out their columns instead of importing engine.tables, which describes only the newest schema.
JSON = sa.JSON().with_variant(JSONB(), "postgresql")
ID = sa.String(36)
TIME = sa.String(32)


def upgrade() -> None:
    op.create_table(
        "organizations",
        sa.Column("id", ID, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("updated_at", TIME, nullable=False),
    )
    op.create_table(
        "api_keys",
        sa.Column("id", ID, primary_key=True),
        sa.Column("org_id", ID, sa.ForeignKey("organizations.id", ondelete="CASCADE"), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("key_hash", sa.String(64), nullable=False),
        sa.Column("key_prefix", sa.String(8), nullable=False),
        sa.Column("permissions", JSON, nullable=True),
        sa.Column("expires_at", TIME, nullable=True),
        sa.Column("last_used_at", TIME, nullable=True),
        sa.Column("created_at", TIME, nullable=False),
        sa.UniqueConstraint("key_hash", name="uq_api_keys_key_hash"),
    )
    op.create_index("ix_api_keys_org_id", "api_keys", ["org_id"])
    op.create_table(
        "workspaces",
        sa.Column("id", ID, primary_key=True),
        sa.Column("org_id", ID, sa.ForeignKey("organizations.id", ondelete="CASCADE"), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("slug", sa.String(100), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("updated_at", TIME, nullable=False),
        sa.UniqueConstraint("org_id", "slug", name="uq_workspaces_org_slug"),
    )
    op.create_table(
        "end_users",
        sa.Column("id", ID, primary_key=True),
        sa.Column("org_id", ID, nullable=False),
        sa.Column("workspace_id", ID, sa.ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
        sa.Column("external_id", sa.String(255), nullable=False),
        sa.Column("display_name", sa.String(255), nullable=True),
        sa.Column("email", sa.String(320), nullable=True),
        sa.Column("metadata", JSON, nullable=True),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("updated_at", TIME, nullable=False),
        sa.UniqueConstraint("workspace_id", "external_id", name="uq_end_users_workspace_external"),
    )
    op.create_table(
        "connections",
        sa.Column("id", ID, primary_key=True),
        sa.Column("org_id", ID, sa.ForeignKey("organizations.id", ondelete="CASCADE"), nullable=False),
        sa.Column("integration_name", sa.String(100), nullable=False),
        sa.Column("external_id", sa.String(255), nullable=False),
        sa.Column("type", sa.String(32), nullable=False),
        sa.Column("display_name", sa.String(255), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("scope", sa.String(16), nullable=False),
        sa.Column("workspace_id", ID, sa.ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=True),
        sa.Column("end_user_id", ID, sa.ForeignKey("end_users.id", ondelete="CASCADE"), nullable=True),
        sa.Column("credential", sa.LargeBinary, nullable=False),
        sa.Column("credential_fingerprint", sa.String(64), nullable=False),
        sa.Column("base_url", sa.String(2000), nullable=True),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("updated_at", TIME, nullable=False),
        sa.UniqueConstraint("org_id", "integration_name", "external_id",
                            name="uq_connections_org_integration_external"),
    )
    op.create_index("ix_connections_workspace_id", "connections", ["workspace_id"])
    op.create_index("ix_connections_end_user_id", "connections", ["end_user_id"])
    op.create_table(
        "workspace_integrations",
        sa.Column("id", ID, primary_key=True),
        sa.Column("org_id", ID, nullable=False),
        sa.Column("workspace_id", ID, sa.ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
        sa.Column("integration_name", sa.String(100), nullable=False),
        sa.Column("alias", sa.String(64), nullable=False),
        sa.Column("connection_strategy", sa.String(32), nullable=False),
        sa.Column("connection_id", ID, sa.ForeignKey("connections.id", ondelete="SET NULL"), nullable=True),
        sa.Column("display_name", sa.String(255), nullable=True),
        sa.Column("enabled_actions", JSON, nullable=True),
        sa.Column("settings", JSON, nullable=False),
        sa.Column("sort_order", sa.Integer, nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("updated_at", TIME, nullable=False),
        sa.UniqueConstraint("workspace_id", "alias", name="uq_workspace_integrations_workspace_alias"),
    )
    op.create_index("ix_workspace_integrations_connection_id", "workspace_integrations", ["connection_id"])
    op.create_table(
        "partials",
        sa.Column("id", ID, primary_key=True),
        sa.Column("org_id", ID, nullable=False),
        sa.Column("workspace_id", ID, sa.ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
        sa.Column("workspace_integration_id", ID,
                  sa.ForeignKey("workspace_integrations.id", ondelete="CASCADE"), nullable=False),
        sa.Column("integration_name", sa.String(100), nullable=False),
        sa.Column("action_name", sa.String(200), nullable=True),
        sa.Column("trigger_name", sa.String(200), nullable=True),
        sa.Column("scope_key", sa.String(210), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("description", sa.String(500), nullable=True),
        sa.Column("values", JSON, nullable=False),
        sa.Column("enforced_keys", JSON, nullable=False),
        sa.Column("is_default", sa.Boolean, nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("updated_at", TIME, nullable=False),
        sa.UniqueConstraint("workspace_integration_id", "scope_key", "name", name="uq_partials_scope_name"),
    )
    op.create_index("ix_partials_workspace_id", "partials", ["workspace_id"])


def downgrade() -> None:
    for table in ("partials", "workspace_integrations", "connections", "end_users", "workspaces", "api_keys",
                  "organizations"):
        op.drop_table(table)
