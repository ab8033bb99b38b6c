"""The built-ins' text search (agent-memory ``search``, agent-scratchpad ``search_pages``, rss ``search_entries``).

The query is one case-insensitive substring (Unicode case folding, so ``STRASSE`` finds ``Straße``), surrounding
whitespace ignored; it is not split into words. Each item gets a score, a tuple compared field by field (a match in a
name before one in a type before more matching text); items that match nowhere are left out, the rest are ranked by
score, ties kept in their stored order, and at most ``limit`` are returned together with how many matched.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, TypeVar

from weavz_flow.integrations.base import ActionContext
from weavz_flow.integrations.native_action import invalid_input

_Item = TypeVar("_Item")
QUERY_MAX = 1000  # characters


def search_query(ctx: ActionContext, values: Mapping[str, Any], field: str = "query") -> str:
    """The query of ``field``, case-folded; an empty or oversized one is a VALIDATION_ERROR naming the field."""
    query = str(values.get(field) or "").strip()
    if not query:
        raise invalid_input(ctx, field, "must hold some text to search for")
    if len(query) > QUERY_MAX:
        raise invalid_input(ctx, field, f"must be at most {QUERY_MAX} characters")
    return query.casefold()


def occurrences(query: str, text: str | None) -> int:
    """How often the case-folded ``query`` occurs in ``text``."""
    return text.casefold().count(query) if text else 0


def found_in(query: str, texts: Iterable[str | None]) -> int:
    """How many of ``texts`` contain the case-folded ``query``."""
    return sum(1 for text in texts if occurrences(query, text))


def ranked(items: Sequence[_Item], score: Callable[[_Item], tuple[int, ...]], limit: int) -> tuple[list[_Item], int]:
    """The items with a non-zero score, best first (stored order among equals), at most ``limit``; and their count."""
    scored = [(score(item), index) for index, item in enumerate(items)]
    hits = sorted(((s, i) for s, i in scored if any(s)), key=lambda hit: (tuple(-x for x in hit[0]), hit[1]))
    return [items[i] for _, i in hits[:limit]], len(hits)
