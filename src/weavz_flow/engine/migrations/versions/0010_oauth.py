"""OAuth2 done properly: tenant OAuth apps, pending authorizations, and what refresh needs on a connection.

``oauth_apps``: one registered OAuth client per (organization, integration): client id, the client secret encrypted
like a credential, scopes, optional authorize / token / redirect URLs (defaults for the native integrations are in
``integrations/oauth_providers.yaml``) and the API host its tokens are for, when not the integration's default.
``oauth_states``: one row per authorization started from a connect page, keyed by the SHA-256 of its ``state``,
naming its connect session and holding, encrypted together, the PKCE verifier and the session's ``cst_`` token (the
callback completes the session with it), until the callback uses it or it expires. ``connections`` gains
``oauth_app_id`` (the app that issued its tokens; no foreign key, since SQLite cannot add one in place without
recreating the table and its triggers: the service clears it when the app goes) and ``token_expires_at`` (when its
access token expires, for refresh before expiry).

Revision ID: 0010
Revises: 0013
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0010"
down_revision = "0013"
branch_labels = None
depends_on = None

_TIME = 32
_ID = 36
JSON = sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "oauth_apps",
        sa.Column("id", sa.String(_ID), primary_key=True),
        sa.Column("org_id", sa.String(_ID), sa.ForeignKey("organizations.id", ondelete="CASCADE"), nullable=False),
        sa.Column("integration_name", sa.String(100), nullable=False),
        sa.Column("client_id", sa.String(500), nullable=False),
        sa.Column("client_secret", sa.LargeBinary, nullable=True),
        sa.Column("scopes", JSON, nullable=False),
        sa.Column("authorize_url", sa.String(2000), nullable=True),
        sa.Column("token_url", sa.String(2000), nullable=True),
        sa.Column("redirect_uri", sa.String(2000), nullable=True),
        sa.Column("api_base_url", sa.String(2000), nullable=True),
        sa.Column("created_at", sa.String(_TIME), nullable=False),
        sa.Column("updated_at", sa.String(_TIME), nullable=False),
        sa.UniqueConstraint("org_id", "integration_name", name="uq_oauth_apps_org_integration"),
    )
    op.create_table(
        "oauth_states",
        sa.Column("state_hash", sa.String(64), primary_key=True),
        sa.Column("connect_session_id", sa.String(_ID), nullable=False, index=True),
        sa.Column("oauth_app_id", sa.String(_ID), sa.ForeignKey("oauth_apps.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("sealed", sa.LargeBinary, nullable=False),  # encrypted: the PKCE verifier and the cst_ token
        sa.Column("redirect_uri", sa.String(2000), nullable=False),
        sa.Column("expires_at", sa.String(_TIME), nullable=False),
        sa.Column("created_at", sa.String(_TIME), nullable=False),
    )
    op.add_column("connections", sa.Column("oauth_app_id", sa.String(_ID), nullable=True))
    op.add_column("connections", sa.Column("token_expires_at", sa.String(_TIME), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("connections") as batch:
        batch.drop_column("token_expires_at")
        batch.drop_column("oauth_app_id")
    op.drop_table("oauth_states")
    op.drop_table("oauth_apps")
