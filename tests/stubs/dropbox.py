"""A Dropbox API v2 stub (``/2``): an in-memory Dropbox answering the RPC and the content endpoints on one host.

Every request is a POST with ``Authorization: Bearer <DROPBOX_TOKEN>`` (else 401 ``invalid_access_token``). RPC
endpoints need ``Content-Type: application/json`` and a JSON body; content endpoints (``files/upload``,
``files/download``) need their argument as JSON in the ``Dropbox-API-Arg`` header, which must be ASCII, and
``Content-Type: application/octet-stream`` (any other is a 400, as Dropbox answers a malformed call: plain text).
Endpoint errors are 409 ``{"error_summary", "error": {".tag", ...}}`` (``path/not_found/``, ``to/conflict/file/``,
``path/conflict/folder/``). A download answers the bytes with the file's metadata in ``Dropbox-API-Result``. Listings
(``list_folder``, ``search_v2``) answer ``{entries | matches, cursor, has_more}``; ``stub.page_size`` caps a page
lower than asked, and the continue endpoints take the cursor.

Seed data: ``/Docs`` (folder) with ``/Docs/report.txt`` ("quarterly report"), ``/Docs/logo.png`` (binary) and
``/Docs/Old`` (folder) with ``/Docs/Old/notes.txt`` ("old notes, see the report"); ``/readme.md``.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from typing import Any

from starlette.responses import JSONResponse, PlainTextResponse, Response

from tests.stubs.base import ProviderStub, RecordedRequest

DROPBOX_TOKEN = "sl.StubDropboxToken0123456789abcdefABCDEF"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe"
CONTENT_ENDPOINTS = ("files/upload", "files/download")


def endpoint_error(summary: str, error: dict[str, Any]) -> Response:
    return JSONResponse({"error_summary": summary, "error": error}, status_code=409)


def _path_error(tag: str, summary: str) -> Response:
    return endpoint_error(f"{summary}/", {".tag": tag, tag: {".tag": summary.split("/")[1]}})


class DropboxStub(ProviderStub):
    name = "dropbox"
    token = DROPBOX_TOKEN

    def seed(self) -> None:
        self.page_size: int | None = None
        self._ids = itertools.count(100)
        self.entries: dict[str, dict[str, Any]] = {}
        self.content: dict[str, bytes] = {}
        for path in ("/Docs", "/Docs/Old"):
            self._folder(path)
        self._file("/Docs/report.txt", b"quarterly report")
        self._file("/Docs/logo.png", PNG)
        self._file("/Docs/Old/notes.txt", b"old notes, see the report")
        self._file("/readme.md", b"# Read me")

    # --- data ------------------------------------------------------------------------------------------------
    def _folder(self, path: str) -> dict[str, Any]:
        entry = {".tag": "folder", "name": path.rsplit("/", 1)[-1], "path_lower": path.lower(),
                 "path_display": path, "id": f"id:folder{next(self._ids)}"}
        self.entries[path.lower()] = entry
        return entry

    def _file(self, path: str, data: bytes) -> dict[str, Any]:
        entry = {".tag": "file", "name": path.rsplit("/", 1)[-1], "path_lower": path.lower(),
                 "path_display": path, "id": f"id:file{next(self._ids)}", "client_modified": "2026-12-01T10:00:00Z",
                 "server_modified": "2026-12-01T10:00:00Z", "rev": f"0{next(self._ids)}a", "size": len(data),
                 "is_downloadable": True, "content_hash": hashlib.sha256(data).hexdigest()}
        self.entries[path.lower()] = entry
        self.content[path.lower()] = data
        return entry

    def _children(self, path: str, recursive: bool) -> list[dict[str, Any]]:
        prefix = path.lower().rstrip("/") + "/"
        found = [e for key, e in self.entries.items() if key.startswith(prefix)]
        if not recursive:
            found = [e for e in found if "/" not in e["path_lower"][len(prefix):]]
        return sorted(found, key=lambda e: e["path_lower"])

    def error_body(self, status: int, message: str) -> Any:
        if status == 429:
            return {"error_summary": "too_many_requests/", "error": {"reason": {".tag": "too_many_requests"},
                                                                     "retry_after": 1}}
        return {"error_summary": f"{message}/", "error": {".tag": "other"}}

    def auth_error(self) -> Response:
        return JSONResponse({"error_summary": "invalid_access_token/", "error": {".tag": "invalid_access_token"}},
                            status_code=401)

    # --- routing ---------------------------------------------------------------------------------------------
    def handle(self, request: RecordedRequest) -> Response:
        if request.method != "POST" or not request.path.startswith("/2/"):
            return PlainTextResponse("Unknown API function", status_code=404)
        endpoint = request.path.removeprefix("/2/")
        kind = request.headers.get("content-type", "").split(";")[0].strip()
        if endpoint in CONTENT_ENDPOINTS:
            if kind != "application/octet-stream":
                return PlainTextResponse(f'Error in call to API function "{endpoint}": Bad HTTP "Content-Type" '
                                         f'header: "{kind}". Expecting one of "application/octet-stream".',
                                         status_code=400)
            raw = request.headers.get("dropbox-api-arg")
            try:
                arg = json.loads(raw) if raw is not None and raw.isascii() else None
            except ValueError:
                arg = None
            if not isinstance(arg, dict):
                return PlainTextResponse(f'Error in call to API function "{endpoint}": Bad or missing '
                                         'Dropbox-API-Arg header.', status_code=400)
            return self._upload(arg, request.body) if endpoint == "files/upload" else self._download(arg)
        if kind != "application/json" or not isinstance(request.json, dict):
            return PlainTextResponse(f'Error in call to API function "{endpoint}": Bad HTTP "Content-Type" header: '
                                     f'"{kind}". Expecting one of "application/json".', status_code=400)
        handler = {
            "files/list_folder": self._list_folder, "files/list_folder/continue": self._continue,
            "files/search_v2": self._search, "files/search/continue_v2": self._continue,
            "files/get_temporary_link": self._link, "files/delete_v2": self._delete,
            "files/move_v2": self._move, "files/copy_v2": self._copy, "files/create_folder_v2": self._create_folder,
        }.get(endpoint)
        if handler is None:
            return PlainTextResponse(f"Unknown API function: {endpoint}", status_code=404)
        return handler(request.json)

    # --- content ---------------------------------------------------------------------------------------------
    def _upload(self, arg: dict[str, Any], data: bytes) -> Response:
        path = str(arg.get("path") or "")
        if arg.get("mode") not in (None, "add", {".tag": "add"}):
            return PlainTextResponse('Error in call to API function "files/upload": unsupported mode', 400)
        if path.lower() in self.entries:
            if not arg.get("autorename"):
                return endpoint_error("path/conflict/file/..", {".tag": "path", "reason": {
                    ".tag": "conflict", "conflict": {".tag": "file"}}, "upload_session_id": "stub"})
            stem, dot, ext = path.rpartition(".")
            path = f"{stem} (1){dot}{ext}" if dot else f"{path} (1)"
        return JSONResponse(self._file(path, data))

    def _download(self, arg: dict[str, Any]) -> Response:
        entry = self.entries.get(str(arg.get("path") or "").lower())
        if entry is None or entry[".tag"] != "file":
            return _path_error("path", "path/not_found" if entry is None else "path/not_file")
        return Response(self.content[entry["path_lower"]], media_type="application/octet-stream",
                        headers={"Dropbox-API-Result": json.dumps(entry)})

    # --- listings --------------------------------------------------------------------------------------------
    def _page(self, key: str, items: list[Any], start: int, size: int, cursor_of: str) -> Response:
        size = min(size, self.page_size or size)
        more = start + size < len(items)
        return JSONResponse({key: items[start:start + size], "cursor": f"{cursor_of}|{start + size}|{size}",
                             "has_more": more})

    def _list_folder(self, body: dict[str, Any]) -> Response:
        path = str(body.get("path") or "")
        if path and (path.lower() not in self.entries or self.entries[path.lower()][".tag"] != "folder"):
            return _path_error("path", "path/not_found" if path.lower() not in self.entries else "path/not_folder")
        limit = int(body.get("limit") or 2000)
        if not 1 <= limit <= 2000:
            return PlainTextResponse('Error in call to API function "files/list_folder": limit out of range', 400)
        key = f"list:{path}:{bool(body.get('recursive'))}"
        return self._page("entries", self._children(path, bool(body.get("recursive"))), 0, limit, key)

    def _matches(self, query: str, options: dict[str, Any]) -> list[Any]:
        scope = str(options.get("path") or "").lower()
        found = [e for key, e in sorted(self.entries.items()) if key.startswith(scope) and (
            query.lower() in e["name"].lower() or (not options.get("filename_only") and e[".tag"] == "file"
                                                   and query.lower().encode() in self.content[key].lower()))]
        extensions = options.get("file_extensions")
        if extensions:
            found = [e for e in found if e["name"].rsplit(".", 1)[-1] in extensions]
        return [{"match_type": {".tag": "filename"}, "metadata": {".tag": "metadata", "metadata": e}}
                for e in found]

    def _search(self, body: dict[str, Any]) -> Response:
        options = body.get("options") or {}
        limit = int(options.get("max_results") or 100)
        if not 1 <= limit <= 1000:
            return PlainTextResponse('Error in call to API function "files/search_v2": max_results out of range',
                                     400)
        key = "search:" + json.dumps([body.get("query"), options])
        return self._page("matches", self._matches(str(body.get("query") or ""), options), 0, limit, key)

    def _continue(self, body: dict[str, Any]) -> Response:
        kind, _, rest = str(body.get("cursor") or "").partition(":")
        spec, start, size = rest.rsplit("|", 2) if rest.count("|") >= 2 else ("", "0", "0")
        if kind == "list":
            path, _, recursive = spec.rpartition(":")
            return self._page("entries", self._children(path, recursive == "True"), int(start), int(size),
                              f"list:{spec}")
        if kind == "search":
            query, options = json.loads(spec)
            return self._page("matches", self._matches(query, options), int(start), int(size), f"search:{spec}")
        return endpoint_error("reset/", {".tag": "reset"})

    # --- single calls ----------------------------------------------------------------------------------------
    def _link(self, body: dict[str, Any]) -> Response:
        entry = self.entries.get(str(body.get("path") or "").lower())
        if entry is None or entry[".tag"] != "file":
            return _path_error("path", "path/not_found" if entry is None else "path/not_file")
        return JSONResponse({"metadata": entry, "link": f"https://dl.dropboxusercontent.test/{entry['id'][3:]}"})

    def _delete(self, body: dict[str, Any]) -> Response:
        path = str(body.get("path") or "").lower()
        entry = self.entries.get(path)
        if entry is None:
            return _path_error("path_lookup", "path_lookup/not_found")
        for key in [k for k in self.entries if k == path or k.startswith(path + "/")]:
            self.entries.pop(key)
            self.content.pop(key, None)
        return JSONResponse({"metadata": entry})

    def _relocate(self, body: dict[str, Any], *, keep: bool) -> Response:
        source = str(body.get("from_path") or "").lower()
        target = str(body.get("to_path") or "")
        if source not in self.entries:
            return _path_error("from_lookup", "from_lookup/not_found")
        if target.lower() in self.entries:
            if not body.get("autorename"):
                return endpoint_error("to/conflict/file/.", {".tag": "to", "to": {".tag": "conflict", "conflict": {
                    ".tag": "file"}}})
            target += " (1)"
        moved = [k for k in sorted(self.entries) if k == source or k.startswith(source + "/")]
        for key in moved:
            entry = self.entries[key]
            new_path = target + entry["path_display"][len(source):]
            if entry[".tag"] == "folder":
                self._folder(new_path)
            else:
                self._file(new_path, self.content[key])
            if not keep:
                self.entries.pop(key)
                self.content.pop(key, None)
        return JSONResponse({"metadata": self.entries[target.lower()]})

    def _move(self, body: dict[str, Any]) -> Response:
        return self._relocate(body, keep=False)

    def _copy(self, body: dict[str, Any]) -> Response:
        return self._relocate(body, keep=True)

    def _create_folder(self, body: dict[str, Any]) -> Response:
        path = str(body.get("path") or "")
        if path.lower() in self.entries:
            if not body.get("autorename"):
                return endpoint_error("path/conflict/folder/.", {".tag": "path", "path": {
                    ".tag": "conflict", "conflict": {".tag": "folder"}}})
            path += " (1)"
        folder = self._folder(path)
        return JSONResponse({"metadata": {k: v for k, v in folder.items() if k != ".tag"}})
