"""Dynamic options: the choices a provider lists for one property of an action (``POST /api/v1/integrations/{name}/
properties/options``, weavz-api.md §2.2).

A native integration declares, as data next to its actions, which (action, property) pairs have options and which
:class:`OptionSource` lists them. A source reads one page of the provider's listing per call and says where the next
page starts (the provider's cursor, page token or page number); :func:`collect` walks the pages within a bound.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from weavz_flow.errors import ApiError, ErrorCode

if TYPE_CHECKING:
    from weavz_flow.integrations.base import ActionContext

# A listing stops after this many provider pages or options, so one request for options stays bounded (each page is
# one provider call within the execute deadline).
MAX_PAGES = 20
MAX_OPTIONS = 1000


@dataclass(frozen=True, slots=True)
class Option:
    label: str
    value: Any


@dataclass(frozen=True, slots=True)
class OptionPage:
    options: tuple[Option, ...]
    next_cursor: str | None = None  # None: this was the last page


# (context, the merged input, the cursor of the page to read: None for the first) -> that page
PageReader = Callable[["ActionContext", Mapping[str, Any], "str | None"], OptionPage]


@dataclass(frozen=True)
class OptionSource:
    name: str  # what it lists, for messages: "Slack channels"
    read_page: PageReader


@dataclass(frozen=True, slots=True)
class Collected:
    options: tuple[Option, ...]
    complete: bool  # False when a bound stopped the listing before the provider's last page


OptionMap = Mapping[str, Mapping[str, OptionSource]]  # action -> property -> source


def property_options(sources: Mapping[OptionSource, Iterable[str]]) -> dict[str, dict[str, OptionSource]]:
    """The declaration of an integration's options: each source with the ``action.property`` names it serves."""
    out: dict[str, dict[str, OptionSource]] = {}
    for source, names in sources.items():
        for name in names:
            action, _, prop = name.partition(".")
            if not prop or prop in out.get(action, {}):
                raise ValueError(f"bad or repeated option property {name!r}")
            out.setdefault(action, {})[prop] = source
    return out


def collect(source: OptionSource, ctx: ActionContext, values: Mapping[str, Any], search: str | None) -> Collected:
    """The source's options across the provider's pages; with ``search``, those whose label holds it (any case)."""
    needle = search.casefold() if search else None
    found: list[Option] = []
    cursor: str | None = None
    for _ in range(MAX_PAGES):
        page = source.read_page(ctx, values, cursor)
        found.extend(o for o in page.options if needle is None or needle in o.label.casefold())
        cursor = page.next_cursor
        if len(found) >= MAX_OPTIONS:
            return Collected(tuple(found[:MAX_OPTIONS]), complete=False)
        if not cursor:
            return Collected(tuple(found), complete=True)
    return Collected(tuple(found), complete=False)


def required_input(values: Mapping[str, Any], *names: str) -> str:
    """The first of ``names`` set in the input: a source that lists within something (the sheets of a spreadsheet)
    needs it, and says which field to fill when none is."""
    for name in names:
        value = values.get(name)
        if value not in (None, ""):
            return str(value)
    listed = " or ".join(f"input.{n}" for n in names)
    raise ApiError(ErrorCode.VALIDATION_ERROR, f"These options depend on {listed}; give it first",
                   details={"fields": [{"field": f"input.{n}", "message": "required for these options"}
                                       for n in names]})


def text(value: Any) -> str | None:
    """A provider's cursor or token as text; an empty one means the end, as Slack sends it."""
    return str(value) if value not in (None, "") else None
