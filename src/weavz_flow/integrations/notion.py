"""Notion (https://developers.notion.com/reference): database items, pages, blocks and comments over the REST API.

Every request carries ``Notion-Version: 2022-06-28`` (required; the version whose databases are queried at
``/databases/{id}/query``: https://developers.notion.com/reference/versioning) and the connection's token as a bearer
(an internal integration secret or an OAuth access token:
https://developers.notion.com/reference/authentication). Errors are ``{"object": "error", "status", "code",
"message"}`` (https://developers.notion.com/reference/status-codes); ``code`` becomes ``providerError``.

Endpoints (https://developers.notion.com/reference/...): retrieve a database ``GET /databases/{id}``
(``retrieve-a-database``), query one ``POST /databases/{id}/query`` with ``filter`` (``post-database-query``,
``post-database-query-filter``), create a page ``POST /pages`` under ``parent.database_id`` or ``parent.page_id``
with ``properties`` and ``children`` (``post-page``), update one ``PATCH /pages/{id}`` with ``properties`` or
``archived`` (``patch-page``, ``archive-a-page``), block children ``GET``/``PATCH /blocks/{id}/children`` (at most 100
blocks per append: ``patch-block-children``, ``request-limits``), comments ``POST /comments`` with
``parent.page_id`` and ``rich_text`` and ``GET /comments?block_id=`` (``create-a-comment``, ``retrieve-a-comment``),
search ``POST /search`` with ``query`` and ``filter: {property: "object", value: "page"}`` (``post-search``). Lists
page with ``start_cursor`` / ``page_size`` (at most 100) and answer ``has_more`` and ``next_cursor``
(``intro#pagination``): in the query string for GET, in the body for POST.

``databaseFields`` names each property by its name in the database; its value is plain (text, a number, an option
name, a list of option names, a date, true/false, ids) and is written as the property value object of the
property's type, which is read from the database first (https://developers.notion.com/reference/page-property-values).
A value already given as a property value object passes as it is. ``filterDatabaseFields`` matches each property
with the filter condition of its type (``equals``; ``contains`` for multi-select, people and relations).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import quote

from weavz_flow.catalog.model import AuthForm
from weavz_flow.integrations.base import ActionContext, NativeIntegration
from weavz_flow.integrations.custom_api_call import custom_api_call
from weavz_flow.integrations.http_spec import HttpSpec, call, call_spec, spec_actions, wire
from weavz_flow.integrations.native_action import invalid_input
from weavz_flow.integrations.notion_markdown import blocks_markdown, markdown_blocks, plain_text, rich_text
from weavz_flow.integrations.provider import ProviderFault, ProviderProfile, ProviderRequest

NOTION_VERSION = "2022-06-28"
PAGE_SIZE = 100  # Notion's maximum page_size and blocks per append
MAX_PAGES = 100  # a listing stops after this many pages (10,000 items)


def notion_fault(body: Any) -> ProviderFault | None:
    if not isinstance(body, dict) or body.get("object") != "error":
        return None
    message = str(body.get("message") or body.get("code") or "error")
    return ProviderFault(message, {"providerError": body.get("code")} if body.get("code") else {})


NOTION = ProviderProfile(
    name="notion",
    display_name="Notion",
    default_base_url="https://api.notion.com/v1",
    headers={"Notion-Version": NOTION_VERSION},
    error_fault=notion_fault,
)


# --- listings ----------------------------------------------------------------------------------------------------


def list_all(ctx: ActionContext, method: str, path: str, params: Mapping[str, Any] | None = None,
             limit: int | None = None, keep: Callable[[Any], bool] | None = None) -> list[Any]:
    """Every result of a Notion listing, following ``next_cursor`` while ``has_more`` (up to ``limit`` kept)."""
    results: list[Any] = []
    cursor: str | None = None
    for _ in range(MAX_PAGES):
        paging = {"page_size": PAGE_SIZE, **({"start_cursor": cursor} if cursor else {})}
        if method == "GET":
            request = ProviderRequest("GET", path, query={**(params or {}), **paging})
        else:
            request = ProviderRequest(method, path, json={**(params or {}), **paging}, has_json=True)
        page = call(ctx, NOTION, request).body
        page = page if isinstance(page, dict) else {}
        results.extend(r for r in page.get("results") or () if keep is None or keep(r))
        if limit is not None and len(results) >= limit:
            return results[:limit]
        cursor = page.get("next_cursor") if page.get("has_more") else None
        if not cursor:
            break
    return results


# --- property values ---------------------------------------------------------------------------------------------


def _schema(ctx: ActionContext, database_id: str) -> dict[str, Any]:
    body = call_spec(ctx, NOTION, RETRIEVE_DATABASE, {"database_id": database_id})
    properties = body.get("properties") if isinstance(body, dict) else None
    return properties if isinstance(properties, dict) else {}


def _names(value: Any) -> list[str]:
    items = value if isinstance(value, list) else str(value).split(",")
    return [str(i).strip() for i in items if str(i).strip()]


def _date(value: Any) -> Any:
    return value if isinstance(value, Mapping) else {"start": str(value)}


_WRITERS: dict[str, Callable[[Any], Any]] = {
    "title": lambda v: rich_text(str(v)),
    "rich_text": lambda v: rich_text(str(v)),
    "number": lambda v: v if isinstance(v, int | float) else float(v),
    "select": lambda v: {"name": str(v)},
    "status": lambda v: {"name": str(v)},
    "multi_select": lambda v: [{"name": n} for n in _names(v)],
    "date": _date,
    "checkbox": lambda v: v if isinstance(v, bool) else str(v).strip().lower() in ("true", "1", "yes"),
    "url": str,
    "email": str,
    "phone_number": str,
    "people": lambda v: [{"id": i} for i in _names(v)],
    "relation": lambda v: [{"id": i} for i in _names(v)],
    "files": lambda v: [{"name": u[:100], "external": {"url": u}} for u in _names(v)],
}


def _property_type(ctx: ActionContext, field: str, schema: Mapping[str, Any], name: str) -> str:
    spec = schema.get(name)
    if not isinstance(spec, Mapping):
        raise invalid_input(ctx, field, f"names the property {name!r}, which the database does not have "
                                        f"(it has: {', '.join(sorted(schema)) or 'none'})")
    return str(spec.get("type") or "")


def property_values(ctx: ActionContext, field: str, schema: Mapping[str, Any],
                    values: Mapping[str, Any]) -> dict[str, Any]:
    """``{property name: plain value}`` as Notion property value objects, by each property's type."""
    out: dict[str, Any] = {}
    for name, value in values.items():
        if value is None or value == "":
            continue
        kind = _property_type(ctx, field, schema, name)
        if isinstance(value, Mapping) and kind in value:
            out[name] = dict(value)
            continue
        writer = _WRITERS.get(kind)
        if writer is None:
            raise invalid_input(ctx, field, f"sets {name!r}, a {kind} property, which the Notion API cannot write")
        try:
            out[name] = {kind: writer(value)}
        except (TypeError, ValueError):
            raise invalid_input(ctx, field, f"gives {name!r} a value that is not a {kind}") from None
    return out


_CONTAINS = frozenset({"multi_select", "people", "relation"})


def property_filter(ctx: ActionContext, field: str, schema: Mapping[str, Any],
                    values: Mapping[str, Any]) -> dict[str, Any] | None:
    """A database query filter matching every given property (None when none is given)."""
    conditions: list[dict[str, Any]] = []
    for name, value in values.items():
        if value is None or value == "":
            continue
        kind = _property_type(ctx, field, schema, name)
        if kind == "title" or kind == "rich_text":
            condition: Any = {"equals": str(value)}
        elif kind == "number":
            condition = {"equals": value if isinstance(value, int | float) else float(value)}
        elif kind == "checkbox":
            condition = {"equals": _WRITERS["checkbox"](value)}
        elif kind in _CONTAINS:
            condition = {"contains": str(value)}
        elif kind in ("select", "status", "url", "email", "phone_number", "date", "unique_id"):
            condition = {"equals": value}
        else:
            raise invalid_input(ctx, field, f"filters on {name!r}, a {kind} property, which this action cannot match")
        conditions.append({"property": name, kind: condition})
    if not conditions:
        return None
    return conditions[0] if len(conditions) == 1 else {"and": conditions}


# --- actions -----------------------------------------------------------------------------------------------------

RETRIEVE_DATABASE = HttpSpec("GET", "/databases/{database_id}")
UPDATE_PAGE = HttpSpec("PATCH", "/pages/{page_id}", body=wire("properties"))


def _fields(ctx: ActionContext, values: Mapping[str, Any], field: str) -> Mapping[str, Any]:
    fields = values.get(field) or {}
    if not isinstance(fields, Mapping):
        raise invalid_input(ctx, field, "must be an object of property names and values")
    return fields


def _append(ctx: ActionContext, block_id: str, blocks: list[dict[str, Any]]) -> list[Any]:
    """Append blocks in batches of 100 (Notion's limit); the blocks created, in order."""
    created: list[Any] = []
    for start in range(0, len(blocks), PAGE_SIZE):
        body = call(ctx, NOTION, ProviderRequest("PATCH", f"/blocks/{_id(block_id)}/children",
                                                 json={"children": blocks[start:start + PAGE_SIZE]},
                                                 has_json=True)).body
        created.extend(body.get("results") or () if isinstance(body, dict) else ())
    return created


def _id(value: Any) -> str:
    return quote(str(value).strip(), safe="")


def _create_page(ctx: ActionContext, parent: dict[str, Any], properties: dict[str, Any], content: str | None) -> Any:
    blocks = markdown_blocks(content) if content else []
    body: dict[str, Any] = {"parent": parent, "properties": properties}
    if blocks:
        body["children"] = blocks[:PAGE_SIZE]  # a page is created with at most 100 blocks; the rest are appended
    page = call(ctx, NOTION, ProviderRequest("POST", "/pages", json=body, has_json=True)).body
    if len(blocks) > PAGE_SIZE and isinstance(page, dict) and page.get("id"):
        _append(ctx, page["id"], blocks[PAGE_SIZE:])
    return page


def create_database_item(ctx: ActionContext, values: dict[str, Any]) -> Any:
    schema = _schema(ctx, values["database_id"])
    properties = property_values(ctx, "databaseFields", schema, _fields(ctx, values, "databaseFields"))
    return _create_page(ctx, {"database_id": values["database_id"]}, properties, values.get("content"))


def update_database_item(ctx: ActionContext, values: dict[str, Any]) -> Any:
    schema = _schema(ctx, values["database_id"])
    properties = property_values(ctx, "databaseFields", schema, _fields(ctx, values, "databaseFields"))
    return call_spec(ctx, NOTION, UPDATE_PAGE, {"page_id": values["database_item_id"], "properties": properties})


def find_database_item(ctx: ActionContext, values: dict[str, Any]) -> Any:
    schema = _schema(ctx, values["database_id"])
    condition = property_filter(ctx, "filterDatabaseFields", schema, _fields(ctx, values, "filterDatabaseFields"))
    results = list_all(ctx, "POST", f"/databases/{_id(values['database_id'])}/query",
                       {"filter": condition} if condition is not None else {})
    return {"found": bool(results), "results": results}


def create_page(ctx: ActionContext, values: dict[str, Any]) -> Any:
    properties = {"title": {"title": rich_text(values["title"])}} if values.get("title") else {}
    return _create_page(ctx, {"page_id": values["pageId"]}, properties, values.get("content"))


def append_to_page(ctx: ActionContext, values: dict[str, Any]) -> Any:
    blocks = markdown_blocks(values["content"])
    if not blocks:
        raise invalid_input(ctx, "content", "holds nothing to append")
    return {"results": _append(ctx, values["pageId"], blocks)}


def _children(ctx: ActionContext, block_id: str, depth: int) -> list[Any]:
    blocks = list_all(ctx, "GET", f"/blocks/{_id(block_id)}/children")
    if depth > 0:
        for block in blocks:
            if isinstance(block, dict) and block.get("has_children") and block.get("type") not in (
                    "child_page", "child_database"):
                block["children"] = _children(ctx, block["id"], depth - 1)
    return blocks


_NESTING = 2  # levels of nested blocks fetched under the parent (a nested list, a toggle's content)


def get_block_children(ctx: ActionContext, values: dict[str, Any]) -> Any:
    blocks = _children(ctx, values["parentId"], _NESTING)
    return {"blocks": blocks, "markdown": blocks_markdown(blocks) if values.get("markdown") else None}


def add_comment(ctx: ActionContext, values: dict[str, Any]) -> Any:
    body = {"parent": {"page_id": values["page_id"]}, "rich_text": rich_text(values["comment_text"])}
    return call(ctx, NOTION, ProviderRequest("POST", "/comments", json=body, has_json=True)).body


def get_page_comments(ctx: ActionContext, values: dict[str, Any]) -> Any:
    return list_all(ctx, "GET", "/comments", {"block_id": values["page_id"]})


def page_title(page: Any) -> str:
    """The plain title of a page (its property of type ``title``)."""
    properties = page.get("properties") if isinstance(page, dict) else None
    for prop in (properties or {}).values():
        if isinstance(prop, dict) and prop.get("type") == "title":
            return plain_text(prop.get("title"))
    return ""


def find_page(ctx: ActionContext, values: dict[str, Any]) -> Any:
    wanted = str(values["title"]).strip().lower()
    limit = values.get("limit")
    if limit is not None and not (isinstance(limit, int) and 1 <= limit <= PAGE_SIZE):
        raise invalid_input(ctx, "limit", "must be a whole number from 1 to 100")
    exact = bool(values.get("exact_match"))

    def matches(page: Any) -> bool:
        title = page_title(page).strip().lower()
        return title == wanted if exact else wanted in title

    pages = list_all(ctx, "POST", "/search", {"query": values["title"],
                                              "filter": {"property": "object", "value": "page"}},
                     limit=limit or PAGE_SIZE, keep=matches)
    return {"found": bool(pages), "pages": pages}



ACTIONS = spec_actions(NOTION, {
    "create_database_item": create_database_item,
    "update_database_item": update_database_item,
    "notion-find-database-item": find_database_item,
    "createPage": create_page,
    "append_to_page": append_to_page,
    "getPageOrBlockChildren": get_block_children,
    "archive_database_item": HttpSpec("PATCH", "/pages/{database_item_id}", constants={"archived": True}, body={}),
    "restore_database_item": HttpSpec("PATCH", "/pages/{archived_item_id}", constants={"archived": False}, body={}),
    "add_comment": add_comment,
    "retrieve_database": RETRIEVE_DATABASE,
    "get_page_comments": get_page_comments,
    "find_page": find_page,
})
ACTIONS["custom_api_call"] = custom_api_call(NOTION)

INTEGRATION = NativeIntegration(
    name="notion",
    display_name="Notion",
    description="Create, find, update and archive Notion database items; write pages, read blocks, comment.",
    actions=ACTIONS,
    auth_types=("OAUTH2", "SECRET_TEXT"),
    default_base_url=NOTION.default_base_url,
    # Notion's name for an internal integration's token (developers.notion.com/docs/authorization).
    auth_form=AuthForm(secret_label="Internal Integration Secret",
                       secret_description="The secret of your internal integration, from its Configuration tab at "
                                          "notion.so/profile/integrations; share each page or database with it."),
)
