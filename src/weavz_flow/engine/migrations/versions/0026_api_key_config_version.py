"""API key writes that change what a key may do bump the configuration version (revision 0003's triggers), so that
every process's cache of authenticated keys sees a deleted, expired or re-scoped key at its next request.

``last_used_at`` is left out: it is written as keys are used (at most once a minute per key), and bumping the version
then would empty every process's caches for nothing.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-04
"""

from __future__ import annotations

from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None

_TABLE = "api_keys"
_BUMP = "UPDATE config_version SET version = version + 1 WHERE id = 1"
_COLUMNS = "id, org_id, key_hash, permissions, expires_at"
_EVENTS = {"insert": "INSERT", "update": f"UPDATE OF {_COLUMNS}", "delete": "DELETE"}


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":  # the function is revision 0003's
        # Per row, as SQLite's triggers are: a statement that changes no key (deleting an unknown id) bumps nothing,
        # so a refused request leaves the store as it was. TRUNCATE has no rows; it gets a statement trigger.
        op.execute(
            f"CREATE TRIGGER {_TABLE}_config_version AFTER INSERT OR DELETE OR UPDATE OF {_COLUMNS} "
            f"ON {_TABLE} FOR EACH ROW EXECUTE FUNCTION weavz_flow_bump_config_version()"
        )
        op.execute(
            f"CREATE TRIGGER {_TABLE}_config_version_truncate AFTER TRUNCATE ON {_TABLE} "
            "FOR EACH STATEMENT EXECUTE FUNCTION weavz_flow_bump_config_version()"
        )
        return
    for name, event in _EVENTS.items():
        op.execute(f"CREATE TRIGGER {_TABLE}_config_version_{name} AFTER {event} ON {_TABLE} BEGIN {_BUMP}; END")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP TRIGGER {_TABLE}_config_version ON {_TABLE}")
        op.execute(f"DROP TRIGGER {_TABLE}_config_version_truncate ON {_TABLE}")
        return
    for name in _EVENTS:
        op.execute(f"DROP TRIGGER {_TABLE}_config_version_{name}")
