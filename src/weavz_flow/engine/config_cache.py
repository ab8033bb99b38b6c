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
from collections.abc import Hashable
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


def current_config_version(store: Store) -> int:
    """The version by itself, for the cache check on every call: one statement, no transaction."""
    return int(store.scalar(_VERSION_SQL))


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

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._version = None

    def __len__(self) -> int:
        return len(self._entries)
