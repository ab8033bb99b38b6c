"""Approval policy writes bump the configuration version (revision 0003's triggers), as other configuration does,
so that every process's execute cache sees a new, changed or deleted policy at once.

Revision ID: 0020
Revises: 0015
Create Date: 2026-12-02
"""

from __future__ import annotations

from alembic import op

revision = "0020"
down_revision = "0015"
branch_labels = None
depends_on = None

_TABLE = "approval_policies"
_BUMP = "UPDATE config_version SET version = version + 1 WHERE id = 1"
_EVENTS = ("INSERT", "UPDATE", "DELETE")


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":  # the function is revision 0003's
        op.execute(
            f"CREATE TRIGGER {_TABLE}_config_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {_TABLE} "
            "FOR EACH STATEMENT EXECUTE FUNCTION weavz_flow_bump_config_version()"
        )
        return
    for event in _EVENTS:
        op.execute(f"CREATE TRIGGER {_TABLE}_config_version_{event.lower()} AFTER {event} ON {_TABLE} "
                   f"BEGIN {_BUMP}; END")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP TRIGGER {_TABLE}_config_version ON {_TABLE}")
        return
    for event in _EVENTS:
        op.execute(f"DROP TRIGGER {_TABLE}_config_version_{event.lower()}")
