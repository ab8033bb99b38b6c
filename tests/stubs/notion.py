"""A Notion REST API stub (``/v1``): databases and their query, pages, block children, comments and search.

Every request needs ``Authorization: Bearer <NOTION_TOKEN>`` (else 401 ``unauthorized``) and a ``Notion-Version``
header (else 400 ``missing_version``). Errors are ``{"object": "error", "status", "code", "message"}``. Lists answer
``{"object": "list", "results", "next_cursor", "has_more"}`` and page with ``page_size`` (at most 100) and
``start_cursor`` (in the query for GET, in the body for POST); ``stub.page_size`` caps a page lower. Property values
are checked against the database schema (an unknown property or a value of the wrong type is a 400
``validation_error``), appends take at most 100 blocks.

Seed data: database ``db-tasks`` (Name title, Status select, Tags multi_select, Count number, Done checkbox, Due date,
Notes rich_text, Link url) with items ``page-task-1`` ("Write docs", Status "Doing") and ``page-task-2`` ("Ship",
Status "Done"); page ``page-home`` ("Home") with two paragraph blocks, the second with a nested bullet.
"""

from __future__ import annotations

import itertools
import re
from typing import Any

from starlette.responses import JSONResponse, Response

from tests.stubs.base import ProviderStub, RecordedRequest

NOTION_TOKEN = "secret_notionstubtoken0123456789"

_CODES = {400: "validation_error", 401: "unauthorized", 403: "restricted_resource", 404: "object_not_found",
          409: "conflict_error", 429: "rate_limited", 500: "internal_server_error", 502: "internal_server_error",
          503: "service_unavailable"}


def error(status: int, code: str, message: str) -> Response:
    return JSONResponse({"object": "error", "status": status, "code": code, "message": message}, status_code=status)


def _text(items: Any) -> str:
    return "".join(str((i.get("text") or {}).get("content") or i.get("plain_text") or "")
                   for i in items or () if isinstance(i, dict))


def _rich(text: str) -> list[dict[str, Any]]:
    return [{"type": "text", "text": {"content": text, "link": None}, "plain_text": text}]


def _paragraph(block_id: str, text: str, has_children: bool = False) -> dict[str, Any]:
    return {"object": "block", "id": block_id, "type": "paragraph", "has_children": has_children,
            "paragraph": {"rich_text": _rich(text)}}


_SCHEMA = {"Name": "title", "Status": "select", "Tags": "multi_select", "Count": "number", "Done": "checkbox",
           "Due": "date", "Notes": "rich_text", "Link": "url"}


class NotionStub(ProviderStub):
    name = "notion"
    token = NOTION_TOKEN

    def seed(self) -> None:
        self.page_size: int | None = None
        self._ids = itertools.count(1)
        self.databases: dict[str, dict[str, Any]] = {"db-tasks": {
            "object": "database", "id": "db-tasks", "title": _rich("Tasks"),
            "properties": {name: {"id": name[:4].lower(), "name": name, "type": kind, kind: {}}
                           for name, kind in _SCHEMA.items()}}}
        self.pages: dict[str, dict[str, Any]] = {}
        self._page("page-task-1", {"type": "database_id", "database_id": "db-tasks"},
                   {"Name": {"title": _rich("Write docs")}, "Status": {"select": {"name": "Doing"}}})
        self._page("page-task-2", {"type": "database_id", "database_id": "db-tasks"},
                   {"Name": {"title": _rich("Ship")}, "Status": {"select": {"name": "Done"}}})
        self._page("page-home", {"type": "workspace", "workspace": True}, {"title": {"title": _rich("Home")}})
        self.blocks: dict[str, list[dict[str, Any]]] = {
            "page-home": [_paragraph("block-1", "Hello"), _paragraph("block-2", "World", has_children=True)],
            "block-2": [{"object": "block", "id": "block-3", "type": "bulleted_list_item", "has_children": False,
                         "bulleted_list_item": {"rich_text": _rich("nested")}}],
        }
        self.comments: list[dict[str, Any]] = []

    def _page(self, page_id: str, parent: dict[str, Any], properties: dict[str, Any]) -> dict[str, Any]:
        typed = {name: {"id": name[:4].lower(), "type": next(iter(value)), **value}
                 for name, value in properties.items()}
        page = {"object": "page", "id": page_id, "parent": parent, "archived": False, "properties": typed,
                "url": f"https://www.notion.so/{page_id}", "created_time": "2026-12-01T10:00:00.000Z"}
        self.pages[page_id] = page
        return page

    def error_body(self, status: int, message: str) -> Any:
        return {"object": "error", "status": status, "code": _CODES.get(status, "internal_server_error"),
                "message": message}

    def auth_error(self) -> Response:
        return error(401, "unauthorized", "API token is invalid.")

    def handle(self, request: RecordedRequest) -> Response:
        if "notion-version" not in request.headers:
            return error(400, "missing_version",
                         "Notion-Version header failed validation: Notion-Version header should be defined")
        path = request.path
        if not path.startswith("/v1/"):
            return error(400, "invalid_request_url", "Invalid request URL.")
        path = path.removeprefix("/v1")
        method = request.method
        if method in ("POST", "PATCH") and not isinstance(request.json, dict):
            return error(400, "invalid_json", "Error parsing JSON body.")
        routes = (
            ("GET", r"/databases/([^/]+)", self._database),
            ("POST", r"/databases/([^/]+)/query", self._query),
            ("POST", r"/pages", self._create_page),
            ("PATCH", r"/pages/([^/]+)", self._update_page),
            ("GET", r"/blocks/([^/]+)/children", self._children),
            ("PATCH", r"/blocks/([^/]+)/children", self._append),
            ("POST", r"/comments", self._comment),
            ("GET", r"/comments", self._comments),
            ("POST", r"/search", self._search),
        )
        for verb, pattern, handler in routes:
            match = re.fullmatch(pattern, path)
            if match and verb == method:
                return handler(request, *match.groups())
        return error(400, "invalid_request_url", "Invalid request URL.")

    # --- listings --------------------------------------------------------------------------------------------
    def _list(self, request: RecordedRequest, items: list[Any]) -> Response:
        params = request.query if request.method == "GET" else (request.json or {})
        size = int(params.get("page_size") or 100)
        if not 1 <= size <= 100:
            return error(400, "validation_error", "body failed validation: page_size should be ≤ 100")
        if self.page_size:
            size = min(size, self.page_size)
        cursor = params.get("start_cursor")
        start = int(str(cursor).removeprefix("cursor-")) if cursor else 0
        page = items[start:start + size]
        more = start + size < len(items)
        return JSONResponse({"object": "list", "results": page, "next_cursor": f"cursor-{start + size}" if more
                             else None, "has_more": more, "type": "page_or_database"})

    # --- databases -------------------------------------------------------------------------------------------
    def _database(self, request: RecordedRequest, database_id: str) -> Response:
        database = self.databases.get(database_id)
        if database is None:
            return error(404, "object_not_found", f"Could not find database with ID: {database_id}.")
        return JSONResponse(database)

    def _query(self, request: RecordedRequest, database_id: str) -> Response:
        if database_id not in self.databases:
            return error(404, "object_not_found", f"Could not find database with ID: {database_id}.")
        rows = [p for p in self.pages.values() if p["parent"].get("database_id") == database_id and not p["archived"]]
        condition = (request.json or {}).get("filter")
        if condition is not None:
            rows = [p for p in rows if _matches(p, condition)]
        return self._list(request, rows)

    # --- pages -----------------------------------------------------------------------------------------------
    def _check_properties(self, database_id: str | None, properties: dict[str, Any]) -> Response | None:
        if database_id is None:
            if set(properties) - {"title"}:
                return error(400, "validation_error", "body failed validation: a page's only property is title")
            return None
        schema = self.databases[database_id]["properties"]
        for name, value in properties.items():
            if name not in schema:
                return error(400, "validation_error", f"{name} is not a property that exists.")
            kind = schema[name]["type"]
            if not isinstance(value, dict) or kind not in value:
                return error(400, "validation_error",
                             f"body failed validation: body.properties.{name}.{kind} should be defined")
        return None

    def _create_page(self, request: RecordedRequest) -> Response:
        data = request.json or {}
        parent = data.get("parent") or {}
        database_id = parent.get("database_id")
        if database_id is not None and database_id not in self.databases:
            return error(404, "object_not_found", f"Could not find database with ID: {database_id}.")
        if database_id is None and parent.get("page_id") not in self.pages:
            return error(404, "object_not_found", f"Could not find page with ID: {parent.get('page_id')}.")
        problem = self._check_properties(database_id, data.get("properties") or {})
        if problem is not None:
            return problem
        children = data.get("children") or []
        if len(children) > 100:
            return error(400, "validation_error", "body failed validation: body.children.length should be ≤ 100")
        kind = "database_id" if database_id is not None else "page_id"
        page = self._page(f"page-new-{next(self._ids)}", {"type": kind, kind: parent[kind]},
                          data.get("properties") or {})
        self.blocks[page["id"]] = [self._stored(c) for c in children]
        return JSONResponse(page)

    def _update_page(self, request: RecordedRequest, page_id: str) -> Response:
        page = self.pages.get(page_id)
        if page is None:
            return error(404, "object_not_found", f"Could not find page with ID: {page_id}.")
        data = request.json or {}
        problem = self._check_properties(page["parent"].get("database_id"), data.get("properties") or {})
        if problem is not None:
            return problem
        for name, value in (data.get("properties") or {}).items():
            page["properties"][name] = {"id": name[:4].lower(), "type": next(iter(value)), **value}
        if "archived" in data:
            page["archived"] = bool(data["archived"])
        return JSONResponse(page)

    # --- blocks ----------------------------------------------------------------------------------------------
    def _stored(self, block: dict[str, Any]) -> dict[str, Any]:
        kind = block.get("type")
        stored = {"object": "block", "id": f"block-new-{next(self._ids)}", "type": kind,
                  "has_children": bool((block.get(kind) or {}).get("children")),
                  kind: {k: v for k, v in (block.get(kind) or {}).items() if k != "children"}}
        return stored

    def _children(self, request: RecordedRequest, block_id: str) -> Response:
        if block_id not in self.blocks and block_id not in self.pages:
            return error(404, "object_not_found", f"Could not find block with ID: {block_id}.")
        return self._list(request, self.blocks.get(block_id, []))

    def _append(self, request: RecordedRequest, block_id: str) -> Response:
        if block_id not in self.blocks and block_id not in self.pages:
            return error(404, "object_not_found", f"Could not find block with ID: {block_id}.")
        children = (request.json or {}).get("children")
        if not isinstance(children, list) or not children or len(children) > 100:
            return error(400, "validation_error", "body failed validation: body.children.length should be ≤ 100")
        created = [self._stored(c) for c in children]
        self.blocks.setdefault(block_id, []).extend(created)
        return JSONResponse({"object": "list", "results": created, "next_cursor": None, "has_more": False})

    # --- comments and search ---------------------------------------------------------------------------------
    def _comment(self, request: RecordedRequest) -> Response:
        data = request.json or {}
        page_id = (data.get("parent") or {}).get("page_id")
        if page_id not in self.pages:
            return error(404, "object_not_found", f"Could not find page with ID: {page_id}.")
        if not data.get("rich_text"):
            return error(400, "validation_error", "body failed validation: body.rich_text should be defined")
        comment = {"object": "comment", "id": f"comment-{next(self._ids)}", "discussion_id": f"discussion-{page_id}",
                   "parent": {"type": "page_id", "page_id": page_id}, "rich_text": data["rich_text"],
                   "created_time": "2026-12-02T10:00:00.000Z"}
        self.comments.append(comment)
        return JSONResponse(comment)

    def _comments(self, request: RecordedRequest) -> Response:
        block_id = request.query.get("block_id")
        if not block_id:
            return error(400, "validation_error", "block_id should be defined")
        return self._list(request, [c for c in self.comments if c["parent"]["page_id"] == block_id])

    def _search(self, request: RecordedRequest) -> Response:
        data = request.json or {}
        query = str(data.get("query") or "").lower()
        wanted = (data.get("filter") or {}).get("value")
        found = [p for p in self.pages.values() if wanted in (None, "page") and query in _title(p).lower()]
        return self._list(request, found)


def _title(page: dict[str, Any]) -> str:
    for prop in page["properties"].values():
        if prop.get("type") == "title":
            return _text(prop["title"])
    return ""


def _value(prop: dict[str, Any] | None) -> Any:
    if prop is None:
        return None
    kind = prop["type"]
    value = prop[kind]
    if kind in ("title", "rich_text"):
        return _text(value)
    if kind in ("select", "status"):
        return (value or {}).get("name")
    if kind == "multi_select":
        return [o["name"] for o in value]
    if kind == "date":
        return (value or {}).get("start")
    return value


def _matches(page: dict[str, Any], condition: dict[str, Any]) -> bool:
    if "and" in condition:
        return all(_matches(page, c) for c in condition["and"])
    name = condition["property"]
    test = next(v for k, v in condition.items() if k != "property")
    value = _value(page["properties"].get(name))
    if "equals" in test:
        return value == test["equals"]
    if "contains" in test:
        return value is not None and test["contains"] in value
    return False
