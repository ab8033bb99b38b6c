"""A wrapper that keeps secret values out of every printed form.

Anything that holds a credential holds it as :class:`Sensitive`, so repr, str, logging and JSON renderers see only a
mask. The value is read on purpose with :meth:`Sensitive.reveal`, and :meth:`Sensitive.fingerprint` lets a plan show
that a secret changed without showing it.
"""

from __future__ import annotations

import hashlib
from typing import Generic, TypeVar

T = TypeVar("T")

MASK = "(sensitive)"


class Sensitive(Generic[T]):
    __slots__ = ("_value",)

    def __init__(self, value: T) -> None:
        self._value = value

    def reveal(self) -> T:
        return self._value

    def fingerprint(self) -> str:
        """A short, stable digest: equal values give equal fingerprints, and it cannot be reversed in practice."""
        return hashlib.sha256(repr(self._value).encode("utf-8")).hexdigest()[:16]

    def __repr__(self) -> str:
        return f"Sensitive({MASK})"

    def __str__(self) -> str:
        return MASK

    def __format__(self, spec: str) -> str:
        return MASK

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sensitive) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self.fingerprint())

    def __reduce__(self) -> tuple[object, ...]:
        # Pickling would write the secret out in clear; refuse instead of leaking.
        raise TypeError("Sensitive values cannot be pickled")
