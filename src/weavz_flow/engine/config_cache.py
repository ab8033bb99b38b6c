"""An in-memory cache of resolved configuration for the execute pipeline, checked against the database per call.

What execute reads before an action runs (the workspace check, the alias, the connection row, its decrypted
credential, the default partials) changes only when someone writes the managed objects, and every such write bumps
the one-row ``config_version`` counter (database triggers, migration 0003). Each execute reads the counter (one
primary-key query) and uses an entry only if it was resolved at that same version; any other version empties the
cache. So a change made by any process sharing the database, through any code path, is seen by the next call.

The counter is read before the configuration, so an entry may hold rows newer than its version (a later call then
reloads them) but never older. Failed resolutions are not cached: errors always come from a fresh read.
Decrypted credentials stay in this process's memory, as they already do for the length of a call.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Generic, TypeVar

import sqlalchemy as sa

from weavz_flow.engine import tables as t
from weavz_flow.engine.store import Store

V = TypeVar("V")

DEFAULT_MAX_ENTRIES = 4096
_VERSION = sa.select(t.config_version.c.version).where(t.config_version.c.id == 1)
_VERSION_SQL = "SELECT version FROM config_version WHERE id = 1"


def read_config_version(conn: sa.Connection) -> int:
    """The version inside a transaction, read before the configuration it will tag."""
    return int(conn.execute(_VERSION).scalar_one())


class _Snapshot:
    __slots__ = ("store", "version")

    def __init__(self, store: Store) -> None:
        self.store = store
        self.version: int | None = None


_snapshot: ContextVar[_Snapshot | None] = ContextVar("weavz_flow_config_version_snapshot", default=None)


def current_config_version(store: Store) -> int:
    """The version by itself, for the cache check on every call: one statement, no transaction; inside
    :func:`one_config_version`, the one read of that block."""
    snapshot = _snapshot.get()
    if snapshot is not None and snapshot.store is store:
        if snapshot.version is None:
            snapshot.version = int(store.scalar(_VERSION_SQL))
        return snapshot.version
    return int(store.scalar(_VERSION_SQL))


@contextmanager
def one_config_version(store: Store) -> Iterator[None]:
    """One version read for the checks of one request (its API key, then its execute's configuration), instead of
    one per check. The request then runs against the configuration as of that read, the moment it is taken to have
    happened; a change committed before it is seen, as before."""
    token = _snapshot.set(_Snapshot(store))
    try:
        yield
    finally:
        _snapshot.reset(token)


class ConfigCache(Generic[V]):
    """A bounded LRU map from request shape to resolved configuration, valid for one config version at a time."""

    def __init__(self, max_entries: int = DEFAULT_MAX_ENTRIES) -> None:
        self._max_entries = max_entries
        self._entries: OrderedDict[Hashable, V] = OrderedDict()
        self._version: int | None = None
        self._lock = threading.Lock()

    def get(self, key: Hashable, version: int) -> V | None:
        with self._lock:
            if version != self._version:
                return None
            value = self._entries.get(key)
            if value is not None:
                self._entries.move_to_end(key)
            return value

    def put(self, key: Hashable, version: int, value: V) -> None:
        with self._lock:
            if version != self._version:
                if self._version is not None and version < self._version:
                    return  # resolved by a call that started before a newer version was seen; keep the newer
                self._entries.clear()
                self._version = version
            self._entries[key] = value
            self._entries.move_to_end(key)
            while len(self._entries) > self._max_entries:
                self._entries.popitem(last=False)

    def refresh(self, key: Hashable, value: V) -> None:
        """Replace an entry's value at the version it holds (a change that is not a configuration change); a key
        no longer cached stays out."""
        with self._lock:
            if key in self._entries:
                self._entries[key] = value

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._version = None

    def __len__(self) -> int:
        return len(self._entries)
