"""INSERT ... ON CONFLICT for the two databases the store supports (both spell it the same way in SQLAlchemy)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite


def insert_for(conn: sa.Connection, table: sa.Table) -> postgresql.Insert | sqlite.Insert:
    return insert_for_dialect(conn.dialect.name, table)


def insert_for_dialect(dialect: str, table: sa.Table) -> postgresql.Insert | sqlite.Insert:
    if dialect == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)
