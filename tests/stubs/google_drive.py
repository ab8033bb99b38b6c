"""A Google Drive API v3 stub: files list/get/create/delete, multipart upload and permissions, in memory.

Seed data: folder ``fold-reports`` (Reports) in My Drive (``root``) holding ``file-q1`` (Q1 report.txt) and
``file-q2`` (Q2 report.txt); ``file-notes`` (notes.md) in My Drive; ``file-old`` (old.txt) trashed. ``q`` understands
the terms joined by ``and`` that Drive documents: ``'<id>' in parents``, ``trashed = false``, ``name contains '...'``,
``name = '...'`` and ``mimeType = '...'``; anything else is a 400 as Drive answers an invalid query. ``fields`` is
honoured as Drive does: ``files(a,b)`` (a list) or ``a,b`` (one file) picks the fields answered, and without it a
file is ``kind, id, name, mimeType``. Uploads are ``multipart/related`` (metadata JSON first, content second);
``stub.content[id]`` holds what was uploaded, ``stub.permissions[id]`` what was shared.
"""

from __future__ import annotations

import json
import re
from typing import Any

from starlette.responses import JSONResponse, Response

from tests.stubs.base import RecordedRequest
from tests.stubs.google import GoogleStub, google_error, not_found

FOLDER = "application/vnd.google-apps.folder"
_TERM = re.compile(r"""^(?:'(?P<parent>[^']*)' in parents|trashed ?= ?(?P<trashed>true|false)|"""
                   r"""(?P<field>name|mimeType) ?(?P<op>contains|=) ?'(?P<value>(?:[^'\\]|\\.)*)')$""")
_DEFAULT = ("kind", "id", "name", "mimeType")
_ROLES = {"owner", "organizer", "fileOrganizer", "writer", "commenter", "reader"}


def _file(file_id: str, name: str, mime: str, parent: str, **extra: Any) -> dict[str, Any]:
    return {"kind": "drive#file", "id": file_id, "name": name, "mimeType": mime, "parents": [parent],
            "modifiedTime": "2026-12-01T09:00:00.000Z", "webViewLink": f"https://drive.google.com/file/d/{file_id}",
            "trashed": False, **extra}


class DriveStub(GoogleStub):
    name = "google-drive"

    def seed(self) -> None:
        self.files: dict[str, dict[str, Any]] = {f["id"]: f for f in (
            _file("fold-reports", "Reports", FOLDER, "root"),
            _file("file-q1", "Q1 report.txt", "text/plain", "fold-reports", size="12"),
            _file("file-q2", "Q2 report.txt", "text/plain", "fold-reports", size="12"),
            _file("file-notes", "notes.md", "text/markdown", "root", size="5"),
            _file("file-old", "old.txt", "text/plain", "root", size="3", trashed=True),
        )}
        self.content: dict[str, bytes] = {}
        self.permissions: dict[str, list[dict[str, Any]]] = {}
        self.page_size = None

    def handle(self, request: RecordedRequest) -> Response:
        path, method = request.path, request.method
        if path == "/upload/drive/v3/files" and method == "POST":
            return self._upload(request)
        if not path.startswith("/drive/v3/files"):
            return not_found()
        rest = path.removeprefix("/drive/v3/files").strip("/")
        if not rest:
            return self._list(request) if method == "GET" else self._create(request, request.json or {}, b"")
        file_id, _, sub = rest.partition("/")
        file = self.files.get(file_id)
        if file is None:
            return google_error(404, f"File not found: {file_id}.")
        if sub == "permissions" and method == "POST":
            return self._share(file_id, request)
        if sub:
            return not_found()
        if method == "DELETE":
            del self.files[file_id]
            return Response(status_code=204)
        if method == "GET":
            return JSONResponse(_pick(file, request.query.get("fields")))
        return not_found()

    def _list(self, request: RecordedRequest) -> Response:
        matches: list[Any] = []
        for term in (t.strip() for t in request.query.get("q", "").split(" and ") if t.strip()):
            found = _TERM.match(term)
            if found is None:
                return google_error(400, "Invalid Value")
            matches.append(found)
        files = [f for f in self.files.values() if all(_matches(m, f) for m in matches)]
        fields = request.query.get("fields")
        inner = re.search(r"files\(([^)]*)\)", fields or "")
        picked = [_pick(f, inner.group(1) if inner else None) for f in files]
        return self.paged(request, picked, "files", "pageSize", kind="drive#fileList")

    def _create(self, request: RecordedRequest, metadata: dict[str, Any], content: bytes) -> Response:
        if not metadata.get("name"):
            return google_error(400, "Required: name")
        parents = metadata.get("parents") or ["root"]
        if any(p != "root" and p not in self.files for p in parents):
            return google_error(404, f"File not found: {parents[0]}.")
        file_id = f"file-new-{len(self.files)}"
        extra = {"size": str(len(content))} if content else {}
        self.files[file_id] = _file(file_id, metadata["name"], metadata.get("mimeType") or "application/octet-stream",
                                    parents[0], **extra)
        self.content[file_id] = content
        return JSONResponse(_pick(self.files[file_id], request.query.get("fields")))

    def _upload(self, request: RecordedRequest) -> Response:
        if request.query.get("uploadType") != "multipart":
            return google_error(400, "This stub takes uploadType=multipart only")
        boundary = re.search(r"boundary=([^;]+)", request.headers.get("content-type", ""))
        if not request.headers.get("content-type", "").startswith("multipart/related") or boundary is None:
            return google_error(400, "Bad content type: multipart/related with a boundary expected")
        parts = request.body.split(b"--" + boundary.group(1).encode())
        if len(parts) != 4 or parts[3].strip() != b"--":
            return google_error(400, "Malformed multipart body")
        (meta_head, meta), (media_head, media) = (p.split(b"\r\n\r\n", 1) for p in parts[1:3])
        if b"application/json" not in meta_head.lower():
            return google_error(400, "The metadata part must be application/json")
        metadata = json.loads(meta)
        if f"content-type: {metadata.get('mimeType')}".encode() not in media_head.lower():
            return google_error(400, "The media part's Content-Type differs from the metadata's mimeType")
        return self._create(request, metadata, media.removesuffix(b"\r\n"))

    def _share(self, file_id: str, request: RecordedRequest) -> Response:
        body = request.json or {}
        if body.get("type") not in ("user", "group", "domain", "anyone") or body.get("role") not in _ROLES:
            return google_error(400, "Invalid permission: type and role are required")
        if body["type"] in ("user", "group") and not body.get("emailAddress"):
            return google_error(400, "The permission's emailAddress is required for a user or group")
        permission = {"kind": "drive#permission", "id": f"perm-{len(self.permissions.get(file_id, []))}", **body}
        self.permissions.setdefault(file_id, []).append(permission)
        return JSONResponse(permission)


def _matches(term: re.Match[str], file: dict[str, Any]) -> bool:
    if term["parent"] is not None:
        return term["parent"] in file["parents"]
    if term["trashed"] is not None:
        return file["trashed"] == (term["trashed"] == "true")
    value = re.sub(r"\\(.)", r"\1", term["value"])
    return value.lower() in file[term["field"]].lower() if term["op"] == "contains" else file[term["field"]] == value


def _pick(file: dict[str, Any], fields: str | None) -> dict[str, Any]:
    names = [n.strip() for n in fields.split(",")] if fields else list(_DEFAULT)
    return {n: file[n] for n in names if n in file}
