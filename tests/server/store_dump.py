"""Every row of every table of a live server's store, read through SQLAlchemy: what "nothing was written" compares."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from weavz_flow.engine.engine import Engine

# Bookkeeping that any authenticated request may touch (at most once a minute per key), whatever its outcome.
IGNORED_COLUMNS = {("api_keys", "last_used_at")}

StoreDump = dict[str, list[tuple[Any, ...]]]


_reflected: dict[int, sa.MetaData] = {}


def dump_store(engine: Engine, *, skip_tables: frozenset[str] = frozenset()) -> StoreDump:
    engine.executions.flush()  # execution records are written by a background writer
    with engine.store.engine.connect() as conn:
        metadata = _reflected.get(id(engine.store.engine))
        if metadata is None:  # the tables are the migrated schema's: reflected once per store
            metadata = _reflected[id(engine.store.engine)] = sa.MetaData()
            metadata.reflect(conn)
        out: StoreDump = {}
        for name, table in sorted(metadata.tables.items()):
            if name in skip_tables:
                continue
            columns = [c for c in table.columns if (name, c.name) not in IGNORED_COLUMNS]
            rows = conn.execute(sa.select(*columns)).all()
            out[name] = sorted((tuple(row) for row in rows), key=repr)
    return out
