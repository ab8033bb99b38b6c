"""An Airtable Web API stub (``/v0``): records, comments and the meta API (bases, tables).

Every request needs ``Authorization: Bearer <AIRTABLE_TOKEN>`` (else 401 ``AUTHENTICATION_REQUIRED``). Errors are
``{"error": {"type", "message"}}``, or ``{"error": "NOT_FOUND"}`` for an unknown route or record. Record lists page
with ``pageSize`` (at most 100) and ``offset``, stop at ``maxRecords``, honour ``view`` (a view named ``Done`` holds
the records whose Status is Done), ``sort[n][field]``/``sort[n][direction]`` and a ``filterByFormula`` of the form
``{Field}='value'`` (or ``"value"``); another formula is a 422 ``INVALID_FILTER_BY_FORMULA``. ``stub.page_size`` caps
a page lower; base lists page by ``stub.base_page_size``. Writing a field the table lacks is a 422
``UNKNOWN_FIELD_NAME``; an attachment cell takes ``{id}`` (kept) or ``{url, filename}`` (added) objects.

Seed data: base ``appTeam`` ("Team Tracker") with table ``tblTasks`` "Tasks" (Name, Status, Files attachments) holding
``recTask1`` ("Write docs", Doing, one attachment ``attOld``), ``recTask2`` ("Ship", Done) and ``recTask3``
("Review", Doing); base ``appOther`` ("Marketing Plan") with table ``tblIdeas`` "Ideas".
"""

from __future__ import annotations

import itertools
import re
from typing import Any
from urllib.parse import unquote

from starlette.responses import JSONResponse, Response

from tests.stubs.base import ProviderStub, RecordedRequest

AIRTABLE_TOKEN = "patStubToken.0123456789abcdef0123456789abcdef"

_TYPES = {400: "INVALID_REQUEST_UNKNOWN", 401: "AUTHENTICATION_REQUIRED", 403: "INVALID_PERMISSIONS",
          404: "NOT_FOUND", 422: "INVALID_REQUEST_UNKNOWN", 429: "RATE_LIMIT_REACHED",
          500: "SERVER_ERROR", 502: "SERVER_ERROR", 503: "SERVICE_UNAVAILABLE"}
_FORMULA = re.compile(r"""\{([^}]+)\}\s*=\s*(?:'([^']*)'|"([^"]*)")""")


def error(status: int, kind: str, message: str) -> Response:
    return JSONResponse({"error": {"type": kind, "message": message}}, status_code=status)


def not_found() -> Response:
    return JSONResponse({"error": "NOT_FOUND"}, status_code=404)


def _field(field_id: str, name: str, kind: str) -> dict[str, Any]:
    return {"id": field_id, "name": name, "type": kind}


class AirtableStub(ProviderStub):
    name = "airtable"
    token = AIRTABLE_TOKEN

    def seed(self) -> None:
        self.page_size: int | None = None
        self.base_page_size = 1000
        self._ids = itertools.count(1)
        tasks = {"id": "tblTasks", "name": "Tasks", "primaryFieldId": "fldName",
                 "fields": [_field("fldName", "Name", "singleLineText"), _field("fldStatus", "Status", "singleSelect"),
                            _field("fldFiles", "Files", "multipleAttachments")],
                 "views": [{"id": "viwGrid", "name": "Grid view", "type": "grid"},
                           {"id": "viwDone", "name": "Done", "type": "grid"}]}
        ideas = {"id": "tblIdeas", "name": "Ideas", "primaryFieldId": "fldTitle",
                 "fields": [_field("fldTitle", "Title", "singleLineText")], "views": []}
        self.bases: dict[str, dict[str, Any]] = {
            "appTeam": {"id": "appTeam", "name": "Team Tracker", "permissionLevel": "create", "tables": [tasks]},
            "appOther": {"id": "appOther", "name": "Marketing Plan", "permissionLevel": "edit", "tables": [ideas]},
        }
        old = {"id": "attOld", "url": "https://dl.airtable.test/old.pdf", "filename": "old.pdf", "size": 10,
               "type": "application/pdf"}
        self.records: dict[str, list[dict[str, Any]]] = {"tblTasks": [
            self._record("recTask1", {"Name": "Write docs", "Status": "Doing", "Files": [old]}),
            self._record("recTask2", {"Name": "Ship", "Status": "Done"}),
            self._record("recTask3", {"Name": "Review", "Status": "Doing"}),
        ], "tblIdeas": []}
        self.comments: list[dict[str, Any]] = []
        self.workspaces = {"wspTeam"}

    @staticmethod
    def _record(record_id: str, fields: dict[str, Any]) -> dict[str, Any]:
        return {"id": record_id, "createdTime": "2026-12-01T10:00:00.000Z", "fields": fields}

    def error_body(self, status: int, message: str) -> Any:
        return {"error": {"type": _TYPES.get(status, "SERVER_ERROR"), "message": message}}

    def auth_error(self) -> Response:
        return error(401, "AUTHENTICATION_REQUIRED", "Authentication required")

    # --- routing ---------------------------------------------------------------------------------------------
    def handle(self, request: RecordedRequest) -> Response:
        if not request.path.startswith("/v0/"):
            return not_found()
        parts = [unquote(p) for p in request.raw_path.split("?", 1)[0].removeprefix("/v0/").split("/")]
        method = request.method
        if method in ("POST", "PATCH") and not isinstance(request.json, dict):
            return error(400, "INVALID_REQUEST_UNKNOWN", "Invalid request: parameter validation failed. "
                                                         "Check your request data.")
        if parts[0] == "meta":
            return self._meta(request, parts[1:])
        base = self.bases.get(parts[0])
        if base is None:
            return error(403, "INVALID_PERMISSIONS_OR_MODEL_NOT_FOUND",
                         "Invalid permissions, or the requested model was not found.")
        if len(parts) < 2:
            return not_found()
        table = next((t for t in base["tables"] if parts[1] in (t["id"], t["name"])), None)
        if table is None:
            return error(404, "TABLE_NOT_FOUND", f"Could not find table {parts[1]} in application {base['id']}")
        rest = parts[2:]
        if not rest and method == "GET":
            return self._list(request, table)
        if not rest and method == "POST":
            return self._create(request, table)
        record = next((r for r in self.records[table["id"]] if rest and r["id"] == rest[0]), None)
        if record is None:
            return not_found()
        if len(rest) == 1 and method == "GET":
            return JSONResponse(self._shown(table, record, request.query.get("returnFieldsByFieldId") == "true"))
        if len(rest) == 1 and method == "PATCH":
            return self._update(request, table, record)
        if len(rest) == 1 and method == "DELETE":
            self.records[table["id"]].remove(record)
            return JSONResponse({"id": record["id"], "deleted": True})
        if rest[1:] == ["comments"] and method == "POST":
            return self._comment(request, record)
        return not_found()

    # --- records ---------------------------------------------------------------------------------------------
    def _shown(self, table: dict[str, Any], record: dict[str, Any], by_id: bool = False) -> dict[str, Any]:
        ids = {f["name"]: f["id"] for f in table["fields"]}
        fields = {(ids[k] if by_id else k): v for k, v in record["fields"].items() if v not in ("", [], None)}
        return {**record, "fields": fields}

    def _list(self, request: RecordedRequest, table: dict[str, Any]) -> Response:
        query = request.query
        size = int(query.get("pageSize") or 100)
        if not 1 <= size <= 100:
            return error(422, "INVALID_PAGE_SIZE", "The pageSize must be between 1 and 100")
        size = min(size, self.page_size or size)
        rows = list(self.records[table["id"]])
        view = query.get("view")
        if view is not None:
            if view not in {v["name"] for v in table["views"]} | {v["id"] for v in table["views"]}:
                return error(422, "VIEW_NAME_NOT_FOUND", f'Could not find view "{view}" in table {table["name"]}')
            if view in ("Done", "viwDone"):
                rows = [r for r in rows if r["fields"].get("Status") == "Done"]
        formula = query.get("filterByFormula")
        if formula:
            match = _FORMULA.fullmatch(formula.strip())
            if match is None:
                return error(422, "INVALID_FILTER_BY_FORMULA",
                             "The formula for filtering records is invalid: Invalid formula. Please check your "
                             "formula text.")
            name, wanted = match.group(1), match.group(2) if match.group(2) is not None else match.group(3)
            rows = [r for r in rows if str(r["fields"].get(name, "")) == wanted]
        for n in sorted({int(m.group(1)) for k in query if (m := re.fullmatch(r"sort\[(\d+)\]\[field\]", k))},
                        reverse=True):
            name = query[f"sort[{n}][field]"]
            rows.sort(key=lambda r, name=name: str(r["fields"].get(name, "")),
                      reverse=query.get(f"sort[{n}][direction]") == "desc")
        if query.get("maxRecords"):
            rows = rows[:int(query["maxRecords"])]
        start = int(query["offset"].removeprefix("itr/")) if query.get("offset") else 0
        page = rows[start:start + size]
        body: dict[str, Any] = {"records": [self._shown(table, r) for r in page]}
        if start + size < len(rows):
            body["offset"] = f"itr/{start + size}"
        return JSONResponse(body)

    def _check(self, table: dict[str, Any], fields: Any) -> Response | None:
        if not isinstance(fields, dict):
            return error(422, "INVALID_REQUEST_MISSING_FIELDS", "Could not find field \"fields\" in the request body")
        names = {f["name"] for f in table["fields"]} | {f["id"] for f in table["fields"]}
        for name in fields:
            if name not in names:
                return error(422, "UNKNOWN_FIELD_NAME", f'Unknown field name: "{name}"')
        return None

    def _by_name(self, table: dict[str, Any], fields: dict[str, Any], old: dict[str, Any]) -> dict[str, Any]:
        names = {f["id"]: f["name"] for f in table["fields"]}
        kinds = {f["name"]: f["type"] for f in table["fields"]}
        out: dict[str, Any] = {}
        for key, value in fields.items():
            name = names.get(key, key)
            if kinds[name] == "multipleAttachments":
                value = self._attachments(value, old.get(name) or [])
            out[name] = value
        return out

    def _attachments(self, value: list[dict[str, Any]], old: list[dict[str, Any]]) -> list[dict[str, Any]]:
        held = {a["id"]: a for a in old}
        cell = []
        for item in value:
            if "id" in item:
                cell.append(held[item["id"]])
            else:
                cell.append({"id": f"att{next(self._ids)}", "url": item["url"],
                             "filename": item.get("filename") or "file", "size": 0, "type": "application/octet-stream"})
        return cell

    def _create(self, request: RecordedRequest, table: dict[str, Any]) -> Response:
        fields = (request.json or {}).get("fields")
        problem = self._check(table, fields)
        if problem is not None:
            return problem
        record = self._record(f"recNew{next(self._ids)}", self._by_name(table, fields, {}))
        self.records[table["id"]].append(record)
        return JSONResponse(self._shown(table, record))

    def _update(self, request: RecordedRequest, table: dict[str, Any], record: dict[str, Any]) -> Response:
        fields = (request.json or {}).get("fields")
        problem = self._check(table, fields)
        if problem is not None:
            return problem
        record["fields"].update(self._by_name(table, fields, record["fields"]))
        return JSONResponse(self._shown(table, record))

    def _comment(self, request: RecordedRequest, record: dict[str, Any]) -> Response:
        text = (request.json or {}).get("text")
        if not isinstance(text, str) or not text:
            return error(422, "INVALID_REQUEST_UNKNOWN", "Invalid request: parameter validation failed. "
                                                         "Check your request data.")
        comment = {"id": f"com{next(self._ids)}", "text": text, "createdTime": "2026-12-02T10:00:00.000Z",
                   "lastUpdatedTime": None, "author": {"id": "usrStub", "email": "stub@example.test", "name": "Stub"},
                   "recordId": record["id"]}
        self.comments.append(comment)
        return JSONResponse({k: v for k, v in comment.items() if k != "recordId"})

    # --- meta ------------------------------------------------------------------------------------------------
    def _meta(self, request: RecordedRequest, parts: list[str]) -> Response:
        method = request.method
        if parts == ["bases"] and method == "GET":
            bases = [{k: b[k] for k in ("id", "name", "permissionLevel")} for b in self.bases.values()]
            start = int(request.query["offset"].removeprefix("itr/")) if request.query.get("offset") else 0
            body: dict[str, Any] = {"bases": bases[start:start + self.base_page_size]}
            if start + self.base_page_size < len(bases):
                body["offset"] = f"itr/{start + self.base_page_size}"
            return JSONResponse(body)
        if parts == ["bases"] and method == "POST":
            return self._create_base(request)
        if len(parts) == 3 and parts[0] == "bases" and parts[2] == "tables":
            base = self.bases.get(parts[1])
            if base is None:
                return error(403, "INVALID_PERMISSIONS_OR_MODEL_NOT_FOUND",
                             "Invalid permissions, or the requested model was not found.")
            if method == "GET":
                return JSONResponse({"tables": base["tables"]})
            if method == "POST":
                table = self._table(request.json or {})
                if isinstance(table, Response):
                    return table
                base["tables"].append(table)
                self.records[table["id"]] = []
                return JSONResponse(table)
        return not_found()

    def _table(self, config: dict[str, Any]) -> dict[str, Any] | Response:
        fields = config.get("fields")
        if not config.get("name") or not isinstance(fields, list) or not fields:
            return error(422, "INVALID_REQUEST_UNKNOWN", "Invalid request: a table needs a name and at least one "
                                                         "field.")
        made = [_field(f"fld{next(self._ids)}", f["name"], f["type"]) for f in fields]
        return {"id": f"tbl{next(self._ids)}", "name": config["name"], "primaryFieldId": made[0]["id"],
                "fields": made, "views": [{"id": f"viw{next(self._ids)}", "name": "Grid view", "type": "grid"}]}

    def _create_base(self, request: RecordedRequest) -> Response:
        data = request.json or {}
        if data.get("workspaceId") not in self.workspaces:
            return error(403, "INVALID_PERMISSIONS_OR_MODEL_NOT_FOUND",
                         "Invalid permissions, or the requested model was not found.")
        tables = []
        for config in data.get("tables") or ():
            table = self._table(config)
            if isinstance(table, Response):
                return table
            tables.append(table)
        if not tables:
            return error(422, "INVALID_REQUEST_UNKNOWN", "Invalid request: a base needs at least one table.")
        base_id = f"appNew{next(self._ids)}"
        self.bases[base_id] = {"id": base_id, "name": data.get("name"), "permissionLevel": "create",
                               "tables": tables}
        for table in tables:
            self.records[table["id"]] = []
        return JSONResponse({"id": base_id, "tables": tables})
