"""Human gates (issue 17): approval policies, approval requests, webhook approver deliveries, hosted approval links.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(JSONB(), "postgresql")
ID = sa.String(36)
TIME = sa.String(32)


def upgrade() -> None:
    op.create_table(
        "approval_policies",
        sa.Column("id", ID, primary_key=True),
        sa.Column("org_id", ID, sa.ForeignKey("organizations.id", ondelete="CASCADE"), nullable=False),
        sa.Column("workspace_id", ID, sa.ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("description", sa.String(500), nullable=True),
        sa.Column("enabled", sa.Boolean, nullable=False),
        sa.Column("priority", sa.Integer, nullable=False),
        sa.Column("sources", JSON, nullable=True),
        sa.Column("mcp_server_ids", JSON, nullable=True),
        sa.Column("workspace_integration_ids", JSON, nullable=True),
        sa.Column("integration_names", JSON, nullable=True),
        sa.Column("integration_aliases", JSON, nullable=True),
        sa.Column("action_names", JSON, nullable=True),
        sa.Column("connection_strategies", JSON, nullable=True),
        sa.Column("end_user_mode", sa.String(32), nullable=False),
        sa.Column("decision", sa.String(32), nullable=False),
        sa.Column("risk_mode", sa.String(32), nullable=False),
        sa.Column("rules", JSON, nullable=True),
        sa.Column("approvers", JSON, nullable=False),
        sa.Column("approver_secrets", sa.Text, nullable=True),
        sa.Column("timeout_seconds", sa.Integer, nullable=False),
        sa.Column("default_on_timeout", sa.String(16), nullable=False),
        sa.Column("reuse_window_seconds", sa.Integer, nullable=True),
        sa.Column("approval_access_mode", sa.String(32), nullable=False),
        sa.Column("metadata", JSON, nullable=True),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("updated_at", TIME, nullable=False),
    )
    op.create_index("ix_approval_policies_org_id", "approval_policies", ["org_id"])
    op.create_index("ix_approval_policies_workspace_id", "approval_policies", ["workspace_id"])
    op.create_table(
        "approvals",
        sa.Column("id", ID, primary_key=True),
        sa.Column("org_id", ID, sa.ForeignKey("organizations.id", ondelete="CASCADE"), nullable=False),
        sa.Column("workspace_id", ID, sa.ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
        sa.Column("policy_id", ID, sa.ForeignKey("approval_policies.id", ondelete="SET NULL"), nullable=True),
        sa.Column("policy_name", sa.String(200), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("integration_name", sa.String(100), nullable=False),
        sa.Column("action_name", sa.String(200), nullable=False),
        sa.Column("workspace_integration_id", ID, nullable=True),
        sa.Column("integration_alias", sa.String(64), nullable=True),
        sa.Column("connection_strategy", sa.String(32), nullable=True),
        sa.Column("connection_id", ID, nullable=True),
        sa.Column("end_user_id", sa.String(255), nullable=True),
        sa.Column("mcp_server_id", ID, nullable=True),
        sa.Column("requested_by_api_key_id", ID, nullable=True),
        sa.Column("idempotency_key", sa.String(255), nullable=False),
        sa.Column("input_hash", sa.String(64), nullable=False),
        sa.Column("input_preview", JSON, nullable=False),
        sa.Column("redacted_paths", JSON, nullable=False),
        sa.Column("risk_reasons", JSON, nullable=False),
        sa.Column("risk_score", sa.Float, nullable=True),
        sa.Column("partial_ids", JSON, nullable=False),
        sa.Column("enforced_keys", JSON, nullable=False),
        sa.Column("approval_access_mode", sa.String(32), nullable=False),
        sa.Column("default_on_timeout", sa.String(16), nullable=False),
        sa.Column("expires_at", TIME, nullable=False),
        sa.Column("decided_at", TIME, nullable=True),
        sa.Column("decided_by_api_key_id", ID, nullable=True),
        sa.Column("decided_via", sa.String(16), nullable=True),
        sa.Column("decision_reason", sa.String(2000), nullable=True),
        sa.Column("decision_metadata", JSON, nullable=True),
        sa.Column("consumed_at", TIME, nullable=True),
        sa.Column("execution_id", ID, nullable=True),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("updated_at", TIME, nullable=False),
    )
    op.create_index("ix_approvals_org_idempotency", "approvals", ["org_id", "idempotency_key"])
    op.create_index("ix_approvals_status_expires", "approvals", ["status", "expires_at"])
    op.create_index("ix_approvals_workspace_id", "approvals", ["workspace_id"])
    op.create_table(
        "approval_webhook_deliveries",
        sa.Column("id", ID, primary_key=True),
        sa.Column("approval_id", ID, sa.ForeignKey("approvals.id", ondelete="CASCADE"), nullable=False),
        sa.Column("event", sa.String(32), nullable=False),
        sa.Column("approver_index", sa.Integer, nullable=False),
        sa.Column("url", sa.String(2000), nullable=False),
        sa.Column("payload", JSON, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", TIME, nullable=True),
        sa.Column("last_status_code", sa.Integer, nullable=True),
        sa.Column("last_error", sa.String(500), nullable=True),
        sa.Column("log", JSON, nullable=False),
        sa.Column("delivered_at", TIME, nullable=True),
        sa.Column("created_at", TIME, nullable=False),
    )
    op.create_index("ix_approval_webhook_deliveries_approval_id", "approval_webhook_deliveries", ["approval_id"])
    op.create_index("ix_approval_webhook_deliveries_due", "approval_webhook_deliveries", ["status", "next_attempt_at"])
    op.create_table(
        "approval_links",
        sa.Column("id", ID, primary_key=True),
        sa.Column("approval_id", ID, sa.ForeignKey("approvals.id", ondelete="CASCADE"), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("expires_at", TIME, nullable=False),
        sa.Column("used_at", TIME, nullable=True),
        sa.Column("created_at", TIME, nullable=False),
    )
    op.create_index("ix_approval_links_approval_id", "approval_links", ["approval_id"])


def downgrade() -> None:
    op.drop_table("approval_links")
    op.drop_table("approval_webhook_deliveries")
    op.drop_table("approvals")
    op.drop_table("approval_policies")
