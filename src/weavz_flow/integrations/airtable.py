"""Airtable (https://airtable.com/developers/web/api): records, comments, tables and bases over the Web API ``/v0``.

Auth: a personal access token or an OAuth access token as a bearer
(https://airtable.com/developers/web/api/authentication). Errors are ``{"error": {"type", "message"}}`` or, for an
unknown route or record, ``{"error": "NOT_FOUND"}`` (https://airtable.com/developers/web/api/errors); the type
becomes ``providerError``. A base allows 5 requests a second; past that Airtable answers 429 and asks for 30 seconds
(errors page, "429 Too Many Requests").

Records (https://airtable.com/developers/web/api/...): list ``GET /v0/{baseId}/{tableIdOrName}`` with ``view``,
``filterByFormula``, ``maxRecords``, ``pageSize`` (at most 100), ``sort[n][field]``/``sort[n][direction]`` and
``offset``; the answer's ``offset`` is present while more pages follow (``list-records``). Get, update and delete
``GET``/``PATCH``/``DELETE /v0/{baseId}/{tableIdOrName}/{recordId}`` (``get-record``, ``update-record`` with
``{fields}``, ``delete-record`` answering ``{id, deleted}``); create ``POST /v0/{baseId}/{tableIdOrName}`` with
``{fields}`` (``create-records``). Comments ``POST .../{recordId}/comments`` with ``{text}`` (``create-comment``).
An attachment cell is written as an array of ``{url, filename}`` objects, which replaces the cell, so the existing
attachments are sent back by ``id`` to keep them (``field-model#multipleattachment``); Airtable fetches the URL.

Meta API: list bases ``GET /v0/meta/bases`` (1000 a page, ``offset``; ``list-bases``), a base's schema
``GET /v0/meta/bases/{baseId}/tables`` (``get-base-schema``), create a table ``POST /v0/meta/bases/{baseId}/tables``
with ``{name, fields}`` (``create-table``), create a base ``POST /v0/meta/bases`` with ``{name, workspaceId,
tables}``, at least one table with at least one field (``create-base``). Airtable's upload-by-bytes endpoint lives on
``content.airtable.com`` (``upload-attachment``), a second host a ``custom_api_call`` may reach.

The ``base`` and ``table`` fields list their choices (``properties/options``) from the bases the token reaches and
the base's tables, each by id.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from weavz_flow.catalog.model import AuthForm
from weavz_flow.errors import ApiError, ErrorCode
from weavz_flow.integrations.base import ActionContext, NativeIntegration
from weavz_flow.integrations.custom_api_call import plain_custom_api_call
from weavz_flow.integrations.http_spec import HttpSpec, call, call_spec, json_value, spec_actions, wire
from weavz_flow.integrations.native_action import invalid_input
from weavz_flow.integrations.options import Option, OptionPage, OptionSource, property_options, required_input, text
from weavz_flow.integrations.provider import ProviderFault, ProviderProfile, ProviderRequest

PAGE_SIZE = 100  # Airtable's maximum pageSize for records
MAX_PAGES = 100  # a listing stops after this many pages
RATE_LIMIT_WAIT = 30.0  # seconds Airtable asks a client to wait after a 429


def airtable_fault(body: Any) -> ProviderFault | None:
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, str) and error:
        return ProviderFault(str(body.get("message") or error), {"providerError": error})
    if isinstance(error, dict):
        kind = error.get("type")
        return ProviderFault(str(error.get("message") or kind or "error"), {"providerError": kind} if kind else {})
    return None


AIRTABLE = ProviderProfile(
    name="airtable",
    display_name="Airtable",
    default_base_url="https://api.airtable.com/v0",
    other_base_urls=("https://content.airtable.com/v0",),
    error_fault=airtable_fault,
    reset_delay=lambda headers: RATE_LIMIT_WAIT,
)


def _segment(value: Any) -> str:
    return quote(str(value).strip(), safe="")


def _json(ctx: ActionContext, values: Mapping[str, Any], field: str, kind: type) -> Any:
    """A JSON input (an object or array, or the same as JSON text) of the given kind."""
    value = json_value(values.get(field))
    if not isinstance(value, kind):
        raise invalid_input(ctx, field, f"must be a JSON {'object' if kind is dict else 'array'}")
    return value


# --- listings ----------------------------------------------------------------------------------------------------


def _sort_params(ctx: ActionContext, values: Mapping[str, Any]) -> dict[str, str]:
    if values.get("sort") in (None, "", []):
        return {}
    params: dict[str, str] = {}
    for n, item in enumerate(_json(ctx, values, "sort", list)):
        if not isinstance(item, Mapping) or not item.get("field"):
            raise invalid_input(ctx, "sort", 'must be an array of {"field", "direction"} objects')
        direction = str(item.get("direction") or "asc").lower()
        if direction not in ("asc", "desc"):
            raise invalid_input(ctx, "sort", "has a direction other than asc or desc")
        params[f"sort[{n}][field]"] = str(item["field"])
        params[f"sort[{n}][direction]"] = direction
    return params


def _max_records(ctx: ActionContext, values: Mapping[str, Any]) -> int | None:
    limit = values.get("max_records")
    if limit is None:
        return None
    if not isinstance(limit, int) or limit < 1:
        raise invalid_input(ctx, "max_records", "must be a whole number of at least 1")
    return limit


def _records(ctx: ActionContext, values: Mapping[str, Any]) -> list[Any]:
    """Every record of the table that the view and formula select, following ``offset`` (up to max_records)."""
    limit = _max_records(ctx, values)
    base = {"view": values.get("view"), "filterByFormula": values.get("filter_by_formula"),
            **_sort_params(ctx, values)}
    if limit is not None:
        base["maxRecords"] = limit
    path = f"/{_segment(values['base'])}/{_segment(values['table'])}"
    records: list[Any] = []
    offset: str | None = None
    for _ in range(MAX_PAGES):
        query = {**base, "pageSize": PAGE_SIZE, **({"offset": offset} if offset else {})}
        page = call(ctx, AIRTABLE, ProviderRequest("GET", path, query=query)).body
        page = page if isinstance(page, dict) else {}
        records.extend(page.get("records") or ())
        offset = page.get("offset")
        if not offset or (limit is not None and len(records) >= limit):
            break
    return records[:limit] if limit is not None else records


def list_records(ctx: ActionContext, values: dict[str, Any]) -> Any:
    return {"records": _records(ctx, values)}


def find_record(ctx: ActionContext, values: dict[str, Any]) -> Any:
    records = _records(ctx, values)
    return {"found": bool(records), "records": records}


def _bases_page(ctx: ActionContext, offset: str | None) -> tuple[list[Any], str | None]:
    page = call(ctx, AIRTABLE, ProviderRequest("GET", "/meta/bases", query={"offset": offset} if offset else {})).body
    page = page if isinstance(page, dict) else {}
    return list(page.get("bases") or ()), text(page.get("offset"))


def _bases(ctx: ActionContext) -> list[Any]:
    bases: list[Any] = []
    offset: str | None = None
    for _ in range(MAX_PAGES):
        page, offset = _bases_page(ctx, offset)
        bases.extend(page)
        if not offset:
            break
    return bases


def _named(items: list[Any], wanted: str) -> list[Any]:
    """Items whose name holds ``wanted`` (case-insensitive), those named exactly so first; an id matches too."""
    needle = wanted.strip().lower()
    found = [i for i in items if isinstance(i, dict) and (
        needle in str(i.get("name") or "").lower() or i.get("id") == wanted.strip())]
    return sorted(found, key=lambda i: str(i.get("name") or "").lower() != needle and i.get("id") != wanted.strip())


def find_base(ctx: ActionContext, values: dict[str, Any]) -> Any:
    bases = _named(_bases(ctx), values["name"])
    return {"found": bool(bases), "bases": bases}


# --- schema ------------------------------------------------------------------------------------------------------

BASE_SCHEMA = HttpSpec("GET", "/meta/bases/{base}/tables")


def _tables(ctx: ActionContext, base: str) -> list[Any]:
    body = call_spec(ctx, AIRTABLE, BASE_SCHEMA, {"base": base})
    tables = body.get("tables") if isinstance(body, dict) else None
    return tables if isinstance(tables, list) else []


def find_table(ctx: ActionContext, values: dict[str, Any]) -> Any:
    tables = _named(_tables(ctx, values["base"]), values["table_name"])
    return {"found": bool(tables), "table": tables[0] if tables else None, "tables": tables}


def get_table_schema(ctx: ActionContext, values: dict[str, Any]) -> Any:
    wanted = str(values["table"]).strip()
    tables = _tables(ctx, values["base"])
    for table in tables:
        if isinstance(table, dict) and wanted in (table.get("id"), table.get("name")):
            return table
    names = ", ".join(str(t.get("name")) for t in tables if isinstance(t, dict)) or "none"
    raise ApiError(ErrorCode.ACTION_FAILED, f"Airtable base {values['base']} has no table {wanted!r}",
                   details={"provider": "airtable", "reason": "not_found", "providerMessage":
                            f"no table named {wanted!r} (the base has: {names})"})


def create_table(ctx: ActionContext, values: dict[str, Any]) -> Any:
    fields = _json(ctx, values, "fields", list)
    if not fields:
        raise invalid_input(ctx, "fields", "must define at least one field (the first is the primary field)")
    return call(ctx, AIRTABLE, ProviderRequest("POST", f"/meta/bases/{_segment(values['base'])}/tables",
                                               json={"name": values["name"], "fields": fields},
                                               has_json=True)).body


# A base is created with at least one table of at least one field; this is the table when none is given.
DEFAULT_TABLES = ({"name": "Table 1", "fields": [{"name": "Name", "type": "singleLineText"}]},)


def create_base(ctx: ActionContext, values: dict[str, Any]) -> Any:
    tables = _json(ctx, values, "tables", list) if values.get("tables") not in (None, "", []) else list(
        DEFAULT_TABLES)
    body = {"name": values["name"], "workspaceId": values["workspace_id"], "tables": tables}
    return call(ctx, AIRTABLE, ProviderRequest("POST", "/meta/bases", json=body, has_json=True)).body


# --- records -----------------------------------------------------------------------------------------------------

RECORD = "/{base}/{table}/{record_id}"
GET_RECORD = HttpSpec("GET", RECORD)
UPDATE_RECORD = HttpSpec("PATCH", RECORD, body=wire("fields"))


def create_record(ctx: ActionContext, values: dict[str, Any]) -> Any:
    fields = _json(ctx, values, "fields", dict)
    return call(ctx, AIRTABLE, ProviderRequest("POST", f"/{_segment(values['base'])}/{_segment(values['table'])}",
                                               json={"fields": fields}, has_json=True)).body


def update_record(ctx: ActionContext, values: dict[str, Any]) -> Any:
    return call_spec(ctx, AIRTABLE, UPDATE_RECORD, {**values, "fields": _json(ctx, values, "fields", dict)})


def upload_attachment(ctx: ActionContext, values: dict[str, Any]) -> Any:
    """Adds the file at ``url`` to the record's attachment cell, keeping the attachments it holds."""
    url = str(values["url"]).strip()
    if not url.lower().startswith(("http://", "https://")):
        raise invalid_input(ctx, "url", "must be an http(s) URL that Airtable can fetch")
    field = str(values["field_name"])
    by_id = field.startswith("fld")  # a field id: read the record keyed by field ids to find its cell
    query = {"returnFieldsByFieldId": "true"} if by_id else {}
    record = call(ctx, AIRTABLE, ProviderRequest("GET", GET_RECORD.render(values).path, query=query)).body
    cell = ((record or {}).get("fields") or {}).get(field) if isinstance(record, dict) else None
    kept = [{"id": a["id"]} for a in cell or () if isinstance(a, dict) and a.get("id")]
    filename = url.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
    added = {"url": url, **({"filename": filename} if filename else {})}
    return call_spec(ctx, AIRTABLE, UPDATE_RECORD, {**values, "fields": {field: [*kept, added]}})


# --- dynamic options (the catalog's Base and Table fields) ----------------------------------------------------


def _base_options(ctx: ActionContext, values: Mapping[str, Any], cursor: str | None) -> OptionPage:
    bases, offset = _bases_page(ctx, cursor)
    return OptionPage(tuple(Option(str(b.get("name") or b["id"]), b["id"]) for b in bases
                            if isinstance(b, dict) and b.get("id")), offset)


def _table_options(ctx: ActionContext, values: Mapping[str, Any], cursor: str | None) -> OptionPage:
    tables = _tables(ctx, required_input(values, "base"))
    return OptionPage(tuple(Option(str(t.get("name") or t["id"]), t["id"]) for t in tables
                            if isinstance(t, dict) and t.get("id")))


BASES = OptionSource("Airtable bases", _base_options)
TABLES = OptionSource("tables of the base", _table_options)
_TABLE_ACTIONS = ("create_record", "find_record", "get_record", "update_record", "delete_record", "list_records",
                  "get_table_schema", "add_comment", "upload_attachment")
OPTIONS = property_options({
    BASES: [f"{a}.base" for a in (*_TABLE_ACTIONS, "create_table", "find_table", "get_base_schema")],
    TABLES: [f"{a}.table" for a in _TABLE_ACTIONS],
})

ACTIONS = spec_actions(AIRTABLE, {
    "create_record": create_record,
    "find_record": find_record,
    "get_record": GET_RECORD,
    "update_record": update_record,
    "delete_record": HttpSpec("DELETE", RECORD),
    "list_records": list_records,
    "create_table": create_table,
    "find_table": find_table,
    "get_table_schema": get_table_schema,
    "create_base": create_base,
    "find_base": find_base,
    "get_base_schema": BASE_SCHEMA,
    "add_comment": HttpSpec("POST", RECORD + "/comments", body=wire("text")),
    "upload_attachment": upload_attachment,
})
ACTIONS["custom_api_call"] = plain_custom_api_call(AIRTABLE)

INTEGRATION = NativeIntegration(
    name="airtable",
    display_name="Airtable",
    description="Create, find, update and delete Airtable records; comment, attach files, read and create tables and "
                "bases.",
    actions=ACTIONS,
    auth_types=("OAUTH2", "SECRET_TEXT"),
    default_base_url=AIRTABLE.default_base_url,
    options=OPTIONS,
    # Airtable's name for the token a person creates at airtable.com/create/tokens (authentication page).
    auth_form=AuthForm(secret_label="Personal access token",
                       secret_description="A personal access token from airtable.com/create/tokens with the scopes "
                                          "the actions need (data.records, data.recordComments, schema.bases) and "
                                          "access to the bases they use."),
)
