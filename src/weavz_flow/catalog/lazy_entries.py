"""A read-only mapping whose values are built on first access, so 1,079 integrations cost nothing until used."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import TypeVar

V = TypeVar("V")


class LazyEntries(Mapping[str, V]):
    """Keys known up front; each value built once by ``build(key)`` and kept.

    Building is idempotent, so two threads racing on one key at worst build it twice and keep either result.
    """

    def __init__(self, keys: Iterable[str], build: Callable[[str], V]) -> None:
        self._keys: dict[str, None] = dict.fromkeys(keys)
        self._build = build
        self._built: dict[str, V] = {}

    def __getitem__(self, key: str) -> V:
        value = self._built.get(key)
        if value is None:
            if key not in self._keys:
                raise KeyError(key)
            value = self._build(key)
            self._built[key] = value
        return value

    def __contains__(self, key: object) -> bool:
        return key in self._keys

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)

    @property
    def built_count(self) -> int:
        """How many values have been built so far (lets tests check that lookups stay lazy)."""
        return len(self._built)
