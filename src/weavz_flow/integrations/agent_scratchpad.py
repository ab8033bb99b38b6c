"""Agent Scratchpad (``agent-scratchpad``): named text pages an agent writes, appends to and searches, per persistence
scope.

Pages are one document per persistence namespace (:mod:`~weavz_flow.integrations.state_document`), so all pages of
a scope together are bounded by the store's ``kv_value_bytes`` (1 MiB by default); a write that would pass it is a
VALIDATION_ERROR naming ``content`` and changes nothing. A page name is exact (case kept, surrounding whitespace
dropped), at most :data:`PAGE_NAME_MAX` characters. Input schemas are the SDK catalog's.

``append_page`` adds the content on a new line (a newline goes between the old text and the new unless the old
text is empty or already ends with one); it creates a missing page. ``list_pages`` lists pages by name;
``search_pages`` ranks pages whose name or text holds the query (a name match first, then more occurrences in the
text; see :mod:`~weavz_flow.integrations.text_search`) and shows a short snippet around the first match in the text.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from weavz_flow.errors import ApiError, ErrorCode
from weavz_flow.integrations.base import ActionContext, NativeIntegration
from weavz_flow.integrations.catalog_action import catalog_actions
from weavz_flow.integrations.native_action import invalid_input
from weavz_flow.integrations.state_document import Document, StateDocument
from weavz_flow.integrations.text_search import occurrences, ranked, search_query

NAME = "agent-scratchpad"
PAGE_NAME_MAX = 200
LIST_LIMIT = 500
SEARCH_LIMIT = 20
SNIPPET_CONTEXT = 60  # characters shown on each side of a search match

Page = dict[str, str]  # {"name", "content"}
_Output = TypeVar("_Output")


def _empty() -> Document:
    return {"pages": []}


PAGES = StateDocument(NAME, "pages", _empty)


def _page_name(ctx: ActionContext, values: dict[str, Any]) -> str:
    name = str(values["pageName"]).strip()
    if not name:
        raise invalid_input(ctx, "pageName", "must be a non-empty string")
    if len(name) > PAGE_NAME_MAX:
        raise invalid_input(ctx, "pageName", f"must be at most {PAGE_NAME_MAX} characters")
    return name


def _pages(document: Document) -> list[Page]:
    return [{"name": p["name"], "content": p["content"]} for p in document.get("pages", [])]


def _find(pages: list[Page], name: str) -> Page | None:
    return next((p for p in pages if p["name"] == name), None)


def _change(ctx: ActionContext, change: Callable[[list[Page]], tuple[list[Page], _Output]]) -> _Output:
    def on_document(document: Document) -> tuple[Document | None, _Output]:
        pages, result = change(_pages(document))
        return ({"pages": pages} if pages else None), result  # no pages: nothing kept

    return PAGES.update(ctx, on_document, field="content")


def _described(page: Page, created: bool) -> dict[str, Any]:
    return {"pageName": page["name"], "size": len(page["content"]), "created": created}


def _put(name: str, text: str, join: Callable[[str, str], str]) -> Callable[[list[Page]], tuple[list[Page], Any]]:
    """A change that sets the page to ``join(old text, text)``, creating it (from empty text) when missing."""
    def change(pages: list[Page]) -> tuple[list[Page], dict[str, Any]]:
        page = _find(pages, name)
        created = page is None
        if page is None:
            page = {"name": name, "content": ""}
            pages.append(page)
        page["content"] = join(page["content"], text)
        return pages, _described(page, created)

    return change


def _appended(old: str, new: str) -> str:
    return old + new if not old or old.endswith("\n") else f"{old}\n{new}"


def read_page(ctx: ActionContext, values: dict[str, Any]) -> dict[str, Any]:
    name = _page_name(ctx, values)
    page = _find(_pages(PAGES.read(ctx)), name)
    if page is None:
        raise ApiError(ErrorCode.ACTION_FAILED, f"No page named '{name}'",
                       details={"reason": "not_found", "pageName": name})
    return {"pageName": name, "content": page["content"], "size": len(page["content"])}


def write_page(ctx: ActionContext, values: dict[str, Any]) -> dict[str, Any]:
    return _change(ctx, _put(_page_name(ctx, values), values["content"], lambda old, new: new))


def append_page(ctx: ActionContext, values: dict[str, Any]) -> dict[str, Any]:
    return _change(ctx, _put(_page_name(ctx, values), values["content"], _appended))


def list_pages(ctx: ActionContext, values: dict[str, Any]) -> dict[str, Any]:
    pages = sorted(_pages(PAGES.read(ctx)), key=lambda p: p["name"])
    return {"pages": [{"pageName": p["name"], "size": len(p["content"])} for p in pages[:LIST_LIMIT]],
            "count": len(pages)}


def search_pages(ctx: ActionContext, values: dict[str, Any]) -> dict[str, Any]:
    query = search_query(ctx, values)
    found, total = ranked(_pages(PAGES.read(ctx)), lambda p: (min(occurrences(query, p["name"]), 1),
                                                              occurrences(query, p["content"])), SEARCH_LIMIT)
    return {"results": [{"pageName": p["name"], "matches": occurrences(query, p["content"]),
                         "snippet": _snippet(p["content"], query)} for p in found],
            "total": total}


def _snippet(content: str, query: str) -> str:
    """The text around the first match (whitespace collapsed); the page's start when only its name matched."""
    at = content.casefold().find(query)
    start = max(0, at - SNIPPET_CONTEXT) if at >= 0 else 0
    end = at + len(query) + SNIPPET_CONTEXT if at >= 0 else 2 * SNIPPET_CONTEXT
    text = " ".join(content[start:end].split())
    return ("…" if start > 0 else "") + text + ("…" if end < len(content) else "")


def delete_page(ctx: ActionContext, values: dict[str, Any]) -> dict[str, Any]:
    name = _page_name(ctx, values)

    def change(pages: list[Page]) -> tuple[list[Page], dict[str, Any]]:
        kept = [p for p in pages if p["name"] != name]
        return kept, {"pageName": name, "deleted": len(kept) < len(pages)}

    return _change(ctx, change)


def clear_all(ctx: ActionContext, values: dict[str, Any]) -> dict[str, Any]:
    return _change(ctx, lambda pages: ([], {"deleted": len(pages)}))


INTEGRATION = NativeIntegration(
    name=NAME,
    display_name="Agent Scratchpad",
    description="Named text pages to write, append to, list and search, kept per persistence scope.",
    actions=catalog_actions(NAME, {
        "read_page": read_page,
        "write_page": write_page,
        "append_page": append_page,
        "list_pages": list_pages,
        "search_pages": search_pages,
        "delete_page": delete_page,
        "clear_all": clear_all,
    }),
)
