"""The built-ins' durable state (``StateStore`` of integrations/base.py) over the store's kv_entries and stored_files.

Each method is one transaction. Updates (list appends and removals, the agent tools' documents) read, change and
write the value under the row's write lock (SQLite: ``BEGIN IMMEDIATE``; PostgreSQL: ``SELECT ... FOR UPDATE`` after
an ``INSERT ... ON CONFLICT DO NOTHING`` that makes sure the row exists to lock), so concurrent updates never lose
one another.

Every write checks what it keeps first: keys and paths, values and content types must be valid text
(:mod:`weavz_flow.text_check`), and sizes stay within the :class:`~weavz_flow.size_limits.SizeLimits` (a kv value,
the list an append would leave, a file) and within the columns (a key, a path, a content type), so the rule holds for
REST callers and local flows alike.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import sqlalchemy as sa

from weavz_flow.engine import tables as t
from weavz_flow.engine.dialect_insert import insert_for, insert_for_dialect
from weavz_flow.engine.stamps import utc_now
from weavz_flow.engine.store import Store
from weavz_flow.engine.tables import AnyRow
from weavz_flow.errors import ApiError, ErrorCode
from weavz_flow.integrations.base import StoredFile, StoredValue
from weavz_flow.size_limits import DEFAULT_SIZE_LIMITS, SizeLimits, check_chars, check_json_size, too_large
from weavz_flow.text_check import check_text

_kv = t.kv_entries
_f = t.stored_files

# A "holds nothing yet" marker for a row that kv_update created only to have something to lock.
_FRESH = {"__weavz_flow_fresh__": True}
_Result = TypeVar("_Result")


@functools.cache
def _kv_upsert(dialect: str) -> sa.Insert:
    """The put, one statement with bound parameters, built once per dialect (so compiled once)."""
    stmt = insert_for_dialect(dialect, _kv).values(
        namespace=sa.bindparam("namespace", type_=_kv.c.namespace.type),
        key=sa.bindparam("key", type_=_kv.c.key.type),
        value=sa.bindparam("value", type_=_kv.c.value.type),
        updated_at=sa.bindparam("updated_at", type_=_kv.c.updated_at.type),
    )
    return stmt.on_conflict_do_update(index_elements=[_kv.c.namespace, _kv.c.key],
                                      set_={"value": stmt.excluded.value, "updated_at": stmt.excluded.updated_at})


class SqlStateStore:
    def __init__(self, store: Store, limits: SizeLimits = DEFAULT_SIZE_LIMITS) -> None:
        self._store = store
        self._limits = limits

    # -- key/value --------------------------------------------------------------------------------------------

    def kv_get(self, namespace: str, key: str) -> tuple[bool, Any]:
        with self._store.read() as conn:
            row = conn.execute(sa.select(_kv.c.value).where(_kv.c.namespace == namespace, _kv.c.key == key)).first()
        return (False, None) if row is None else (True, row.value)

    def kv_put(self, namespace: str, key: str, value: Any) -> None:
        self._check_key(key)
        self._check_value(value)
        self._store.write_one(_kv_upsert(self._store.dialect),
                              {"namespace": namespace, "key": key, "value": value, "updated_at": utc_now()})

    def kv_delete(self, namespace: str, key: str) -> bool:
        with self._store.write() as conn:
            gone = conn.execute(
                sa.delete(_kv).where(_kv.c.namespace == namespace, _kv.c.key == key).returning(_kv.c.key)).first()
        return gone is not None

    def kv_add_to_list(self, namespace: str, key: str, value: Any) -> list[Any]:
        self._check_value(value)
        return self.kv_update(namespace, key, lambda current: _list_change(key, current, lambda i: [*i, value]))

    def kv_remove_from_list(self, namespace: str, key: str, value: Any) -> list[Any]:
        return self.kv_update(namespace, key,
                              lambda current: _list_change(key, current, lambda i: [x for x in i if x != value]))

    def kv_list(self, namespace: str, prefix: str, limit: int) -> list[StoredValue]:
        query = sa.select(_kv.c.key, _kv.c.value, _kv.c.updated_at).where(_kv.c.namespace == namespace)
        if prefix:
            # LIKE (autoescaped) where an index can serve it, and an exact comparison of the first characters
            # because SQLite's LIKE ignores ASCII case: the limit counts only keys that really start with prefix.
            query = query.where(_kv.c.key.startswith(prefix, autoescape=True),
                                sa.func.substr(_kv.c.key, 1, len(prefix)) == prefix)
        with self._store.read() as conn:
            rows = conn.execute(query.order_by(_kv.c.key).limit(limit)).all()
        return [StoredValue(key=r.key, value=r.value, updated_at=r.updated_at) for r in rows if r.value != _FRESH]

    def kv_update(
        self, namespace: str, key: str, change: Callable[[Any], tuple[Any, _Result]], *, field: str = "value"
    ) -> _Result:
        self._check_key(key)
        now = utc_now()
        where = (_kv.c.namespace == namespace, _kv.c.key == key)
        with self._store.write() as conn:
            conn.execute(insert_for(conn, _kv).values(namespace=namespace, key=key, value=_FRESH, updated_at=now)
                         .on_conflict_do_nothing(index_elements=[_kv.c.namespace, _kv.c.key]))
            current = conn.execute(sa.select(_kv.c.value).where(*where).with_for_update()).scalar_one()
            # A raise from here on rolls back the marker row too: a failed change leaves nothing behind.
            updated, result = change(None if current == _FRESH else current)
            if updated is None:
                conn.execute(sa.delete(_kv).where(*where))
            else:
                check_text(updated, field)
                check_json_size(updated, field, self._limits.kv_value_bytes)
                conn.execute(sa.update(_kv).where(*where).values(value=updated, updated_at=now))
        return result

    # -- files ------------------------------------------------------------------------------------------------

    def file_write(self, namespace: str, path: str, content: bytes, content_type: str | None) -> StoredFile:
        check_text(path, "path")
        check_chars(path, "path", _column_length(_f.c.path))
        check_text(content_type, "contentType")
        if content_type is not None:
            check_chars(content_type, "contentType", _column_length(_f.c.content_type))
        if len(content) > self._limits.file_bytes:
            raise too_large("content", len(content), self._limits.file_bytes)
        now = utc_now()
        values = {"content": content, "content_type": content_type, "size": len(content), "updated_at": now}
        with self._store.write() as conn:
            stmt = insert_for(conn, _f).values(namespace=namespace, path=path, **values)
            conn.execute(stmt.on_conflict_do_update(index_elements=[_f.c.namespace, _f.c.path], set_=values))
        return StoredFile(path=path, content=content, content_type=content_type, size=len(content), updated_at=now)

    def file_read(self, namespace: str, path: str) -> StoredFile | None:
        with self._store.read() as conn:
            row = conn.execute(sa.select(_f).where(_f.c.namespace == namespace, _f.c.path == path)).first()
        return None if row is None else _file(row)

    def file_list(self, namespace: str, prefix: str) -> list[StoredFile]:
        columns = [_f.c.path, _f.c.content_type, _f.c.size, _f.c.updated_at]
        query = sa.select(*columns).where(_f.c.namespace == namespace)
        if prefix:
            # autoescape: '%' and '_' in a prefix mean themselves. SQLite's LIKE ignores ASCII case, hence the
            # exact check below.
            query = query.where(_f.c.path.startswith(prefix, autoescape=True))
        with self._store.read() as conn:
            rows = conn.execute(query.order_by(_f.c.path)).all()
        return [StoredFile(path=r.path, content=b"", content_type=r.content_type, size=r.size,
                           updated_at=r.updated_at) for r in rows if r.path.startswith(prefix)]

    def file_delete(self, namespace: str, path: str) -> bool:
        with self._store.write() as conn:
            gone = conn.execute(
                sa.delete(_f).where(_f.c.namespace == namespace, _f.c.path == path).returning(_f.c.path)).first()
        return gone is not None

    def _check_key(self, key: str) -> None:
        check_text(key, "key")
        check_chars(key, "key", _column_length(_kv.c.key))

    def _check_value(self, value: Any) -> None:
        check_text(value, "value")
        check_json_size(value, "value", self._limits.kv_value_bytes)


def _list_change(key: str, current: Any, change: Callable[[list[Any]], list[Any]]) -> tuple[list[Any], list[Any]]:
    if current is None:
        current = []
    if not isinstance(current, list):
        raise ApiError(ErrorCode.VALIDATION_ERROR, f"The value under key '{key}' is not a list", details={"key": key})
    updated = change(current)
    return updated, list(updated)


def _column_length(column: sa.Column[Any]) -> int:
    length = getattr(column.type, "length", None)
    assert isinstance(length, int), column
    return length


def _file(row: AnyRow) -> StoredFile:
    return StoredFile(path=row.path, content=bytes(row.content), content_type=row.content_type, size=row.size,
                      updated_at=row.updated_at)
