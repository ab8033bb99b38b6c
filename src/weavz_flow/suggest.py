"""'Did you mean' suggestions for names a user mistyped."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def closest(name: str, candidates: Iterable[str], *, limit: int = 3, cutoff: float = 0.6) -> list[str]:
    return difflib.get_close_matches(name, list(candidates), n=limit, cutoff=cutoff)


def did_you_mean(name: str, candidates: Iterable[str]) -> str | None:
    """A hint such as "did you mean 'strategy'?", or None when nothing is close enough."""
    matches = closest(name, candidates)
    if not matches:
        return None
    if len(matches) == 1:
        return f"did you mean '{matches[0]}'?"
    return "did you mean " + ", ".join(f"'{m}'" for m in matches[:-1]) + f" or '{matches[-1]}'?"
