"""A configuration version counter, bumped by triggers on every write to the managed objects.

The execute pipeline caches resolved configuration (alias, connection, credential, default partials) in memory and
checks this one-row counter per call, so every process sharing the database sees a change made by any other, whatever
code path made it. Triggers rather than application code so that no write can forget the bump.

Revision ID: 0003
Revises: 0002
Create Date: 2025-01-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

CONFIG_TABLES = ("organizations", "workspaces", "end_users", "connections", "workspace_integrations", "partials")
_BUMP = "UPDATE config_version SET version = version + 1 WHERE id = 1"


def upgrade() -> None:
    op.create_table(
        "config_version",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("version", sa.BigInteger, nullable=False),
    )
    op.execute("INSERT INTO config_version (id, version) VALUES (1, 0)")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION weavz_flow_bump_config_version() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN {_BUMP}; RETURN NULL; END $$"
        )
        for table in CONFIG_TABLES:
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
    if op.get_bind().dialect.name == "postgresql":
        for table in CONFIG_TABLES:
            op.execute(f"DROP TRIGGER {table}_config_version ON {table}")
        op.execute("DROP FUNCTION weavz_flow_bump_config_version()")
    else:
        for table in CONFIG_TABLES:
            for event in ("INSERT", "UPDATE", "DELETE"):
                op.execute(f"DROP TRIGGER {table}_config_version_{event.lower()}")
    op.drop_table("config_version")
