"""A wrapper that keeps secret values out of every printed form.

Anything that holds a credential holds it as :class:`Sensitive`, so repr, str, logging and JSON renderers see only a
mask. The value is read on purpose with :meth:`Sensitive.reveal`. There is deliberately no digest method: an unkeyed
hash of a weak secret can be reversed by guessing, so a plan tells a changed secret by keyed HMACs instead
(engine/credential_cipher.py, plan/fingerprints.py).
"""

from __future__ import annotations

from typing import Generic, TypeVar

T = TypeVar("T")

MASK = "(sensitive)"


class Sensitive(Generic[T]):
    __slots__ = ("_value",)

    def __init__(self, value: T) -> None:
        self._value = value

    def reveal(self) -> T:
        return self._value

    def __repr__(self) -> str:
        return f"Sensitive({MASK})"

    def __str__(self) -> str:
        return MASK

    def __format__(self, spec: str) -> str:
        return MASK

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sensitive) and other._value == self._value

    def __hash__(self) -> int:
        # In memory only, and salted per process (str hashing); repr because a dict value is not hashable itself.
        return hash(repr(self._value))

    def __reduce__(self) -> tuple[object, ...]:
        # Pickling would write the secret out in clear; refuse instead of leaking.
        raise TypeError("Sensitive values cannot be pickled")
