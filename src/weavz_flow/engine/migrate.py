"""Running the packaged Alembic revisions on a store's database, programmatically.

Opening a store brings its schema to the newest revision, so a database made by one release opens in the next. The
check costs one small query when the schema is already current.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from functools import cache
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

MIGRATIONS = Path(__file__).with_name("migrations")
_LOCK_NAME = "weavz_flow.migrate:"


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


@cache
def head_revision() -> str:
    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None, "the packaged migrations have no head"
    return head


def current_revision(engine: sa.Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(
    engine: sa.Engine, revision: str = "head", *,
    write: Callable[[], AbstractContextManager[sa.Connection]] | None = None,
) -> None:
    """Bring the schema to ``revision`` (the newest by default); a no-op when it is already there.

    Safe when several processes open a new database at once (``serve`` workers, a CLI beside a server): the upgrade
    runs under a lock and re-reads the revision once it holds it, so the first process migrates and the others find
    the work done. On PostgreSQL the lock is a transaction-scoped advisory lock per schema; on SQLite it is the
    database's write lock, taken up front by ``write`` (the store's ``BEGIN IMMEDIATE`` transaction).
    """
    target = head_revision() if revision == "head" else revision
    if current_revision(engine) == target:
        return
    config = _config()
    with (write() if write is not None else engine.begin()) as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(hashtext(:name || current_schema()))"),
                         {"name": _LOCK_NAME})
        if MigrationContext.configure(conn).get_current_revision() == target:
            return  # another process migrated while we waited for the lock
        config.attributes["connection"] = conn
        command.upgrade(config, revision)
