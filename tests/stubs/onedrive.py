"""A OneDrive stub over Microsoft Graph (:mod:`tests.stubs.graph`): the items of ``/me/drive``, addressed by id
(``/me/drive/items/{id}``) or by path (``/me/drive/root:/{path}:``), in memory.

Seed data: the root (``root``) holding folder ``item-docs`` (Documents, with ``item-q1`` "Q1 report.txt" and
``item-q2`` "Q2 report.txt") and file ``item-notes`` (notes.md). Children and search are paged by ``$top``; search
matches names containing its ``q`` (``'...'`` with ``''`` for a quote, as OData writes it). ``PUT
root:/{path}:/content`` creates or replaces a file in an existing folder and keeps the bytes and Content-Type in
``stub.content[id]``; ``POST .../children`` takes ``{name, folder: {}}`` and the conflict behaviors fail and rename;
``createLink`` takes the link types view, edit and embed and the scopes anonymous, organization and users.
"""

from __future__ import annotations

import re
from typing import Any

from starlette.responses import JSONResponse, Response

from tests.stubs.base import RecordedRequest
from tests.stubs.graph import GraphStub, graph_error

_ITEM = re.compile(r"^/me/drive/(?:items/(?P<id>[^/:]+)|root(?::/(?P<path>.+?):)?)(?P<rest>/.*)?$")
_SEARCH = re.compile(r"^/search\(q='(?P<q>(?:[^']|'')*)'\)$")


def _item(item_id: str, name: str, parent: str | None, *, folder: bool = False, size: int = 0) -> dict[str, Any]:
    item: dict[str, Any] = {"id": item_id, "name": name, "size": size,
                            "webUrl": f"https://contoso-my.sharepoint.com/personal/me/{name}",
                            "parentReference": {"id": parent} if parent else {}}
    item["folder" if folder else "file"] = {"childCount": 0} if folder else {"mimeType": "text/plain"}
    return item


class OneDriveStub(GraphStub):
    name = "microsoft-onedrive"

    def seed(self) -> None:
        self.items: dict[str, dict[str, Any]] = {i["id"]: i for i in (
            _item("root", "root", None, folder=True),
            _item("item-docs", "Documents", "root", folder=True),
            _item("item-q1", "Q1 report.txt", "item-docs", size=12),
            _item("item-q2", "Q2 report.txt", "item-docs", size=12),
            _item("item-notes", "notes.md", "root", size=5),
        )}
        self.content: dict[str, tuple[bytes, str]] = {}
        self.links: dict[str, list[dict[str, Any]]] = {}
        self.page_size = None

    def route(self, request: RecordedRequest, path: str) -> Response:
        found = _ITEM.match(path)
        if found is None:
            return graph_error(400, "Invalid request", "invalidRequest")
        rest, method = found["rest"] or "", request.method
        if found["path"] is not None and rest == "/content" and method == "PUT":
            return self._put(request, found["path"])
        item = self.items.get(found["id"]) if found["id"] else self.by_path(found["path"] or "")
        if item is None:
            return graph_error(404, "Item not found", "itemNotFound")
        if rest == "" and method == "GET":
            return JSONResponse(item)
        if rest == "" and method == "DELETE":
            del self.items[item["id"]]
            return Response(status_code=204)
        if rest == "/children" and method == "GET":
            return self.paged(request, self.children(item["id"]))
        if rest == "/children" and method == "POST":
            return self._create_folder(request, item)
        search = _SEARCH.match(rest)
        if search and method == "GET":
            text = search["q"].replace("''", "'").lower()
            return self.paged(request, [i for i in self.items.values() if text in i["name"].lower()
                                        and i["id"] != "root"])
        if rest == "/createLink" and method == "POST":
            return self._link(request, item)
        return self.route_item(request, item, rest)

    def route_item(self, request: RecordedRequest, item: dict[str, Any], rest: str) -> Response:
        """Further routes under an item (the workbook API of Excel's stub)."""
        return graph_error(400, "Invalid request", "invalidRequest")

    def children(self, parent: str) -> list[dict[str, Any]]:
        return [i for i in self.items.values() if i["parentReference"].get("id") == parent]

    def by_path(self, path: str) -> dict[str, Any] | None:
        current: dict[str, Any] | None = self.items["root"]
        for name in (s for s in path.split("/") if s):
            current = next((i for i in self.children(current["id"]) if i["name"] == name), None)
            if current is None:
                return None
        return current

    def _put(self, request: RecordedRequest, path: str) -> Response:
        parent_path, _, name = path.rstrip("/").rpartition("/")
        parent = self.by_path(parent_path)
        if parent is None or "folder" not in parent:
            return graph_error(404, "Item not found", "itemNotFound")
        existing = next((i for i in self.children(parent["id"]) if i["name"] == name), None)
        kind = request.headers.get("content-type", "application/octet-stream")
        item = existing or _item(f"item-new-{len(self.items)}", name, parent["id"])
        item.update(size=len(request.body), file={"mimeType": kind})
        self.items[item["id"]] = item
        self.content[item["id"]] = (request.body, kind)
        self.uploaded(item, request.body)
        return JSONResponse(item, status_code=200 if existing else 201)

    def uploaded(self, item: dict[str, Any], content: bytes) -> None:
        """A file was written (Excel's stub opens workbooks here)."""

    def _create_folder(self, request: RecordedRequest, parent: dict[str, Any]) -> Response:
        body = request.json or {}
        name = body.get("name")
        if not name or body.get("folder") != {}:
            return graph_error(400, "A folder needs a name and folder: {}", "invalidRequest")
        taken = {i["name"] for i in self.children(parent["id"])}
        behavior = body.get("@microsoft.graph.conflictBehavior", "fail")
        if name in taken and behavior == "fail":
            return graph_error(409, "An item with the same name already exists under the parent", "nameAlreadyExists")
        base, n = name, 1
        while name in taken:
            name, n = f"{base} {n}", n + 1
        item = _item(f"item-new-{len(self.items)}", name, parent["id"], folder=True)
        self.items[item["id"]] = item
        return JSONResponse(item, status_code=201)

    def _link(self, request: RecordedRequest, item: dict[str, Any]) -> Response:
        body = request.json or {}
        if body.get("type") not in ("view", "edit", "embed") or body.get("scope", "anonymous") not in (
                "anonymous", "organization", "users"):
            return graph_error(400, "Invalid link type or scope", "invalidRequest")
        permission = {"id": f"perm-{len(self.links.get(item['id'], []))}",
                      "roles": ["write" if body["type"] == "edit" else "read"],
                      "link": {"type": body["type"], "scope": body.get("scope", "anonymous"),
                               "webUrl": f"https://1drv.ms/t/s!{item['id']}"}}
        self.links.setdefault(item["id"], []).append(permission)
        return JSONResponse(permission, status_code=201)
