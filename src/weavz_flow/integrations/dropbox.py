"""Dropbox (API v2, https://www.dropbox.com/developers/documentation/http/documentation): files and folders.

Every endpoint is a POST. RPC endpoints live on ``api.dropboxapi.com/2`` and take JSON in the body; content
endpoints (``files/upload``, ``files/download``) live on ``content.dropboxapi.com/2``, take their JSON argument in
the ``Dropbox-API-Arg`` header, made "HTTP header safe" by ``\\uXXXX`` escapes for 0x7F and every non-ASCII
character (https://www.dropbox.com/developers/reference/json-encoding), and carry the file bytes as
``application/octet-stream``; a download answers its metadata as JSON in the ``Dropbox-API-Result`` header
("Request and response formats"). With a base URL override (a proxy, a test stub) both kinds go to that one host, so
the credential goes nowhere else. Auth is the connection's OAuth access token (or a generated one) as a bearer.

Errors ("Errors" section; https://developers.dropbox.com/error-handling-guide): 400 is plain text (bad input), 401
``{"error_summary", "error": {".tag": "invalid_access_token"}}``, 409 an endpoint-specific
``{"error_summary", "error", "user_message"?}`` such as ``path/not_found/``, 429 with ``Retry-After``. The
``error_summary`` is the message, the top ``.tag`` becomes ``providerError``.

Endpoints (documentation#files-...): ``search_v2`` with ``{query, options: {path, max_results (1-1000, default 100),
order_by, file_status, filename_only, file_extensions, file_categories, account_id}}`` and ``search/continue_v2``
with ``{cursor}`` while ``has_more``; ``upload`` with ``{path, mode, autorename, mute, strict_conflict}`` (at most 150
MB a call); ``download`` with ``{path}``; ``get_temporary_link`` ``{path}`` -> ``{metadata, link}``; ``delete_v2``
``{path}``; ``move_v2``/``copy_v2`` ``{from_path, to_path, autorename, allow_ownership_transfer}``;
``create_folder_v2`` ``{path, autorename}``; ``list_folder`` ``{path, recursive, limit (1-2000)}`` and
``list_folder/continue`` ``{cursor}`` while ``has_more``. The root folder's path is the empty string.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

from weavz_flow.catalog.model import AuthForm
from weavz_flow.integrations.base import ActionContext, NativeIntegration
from weavz_flow.integrations.custom_api_call import custom_api_call
from weavz_flow.integrations.file_values import file_input, file_output
from weavz_flow.integrations.http_spec import HttpSpec, call, comma_list, spec_actions, wire
from weavz_flow.integrations.native_action import invalid_input
from weavz_flow.integrations.provider import ProviderFault, ProviderProfile, ProviderRequest, ProviderResponse

API_URL = "https://api.dropboxapi.com/2"
CONTENT_URL = "https://content.dropboxapi.com/2"
UPLOAD_MAX_BYTES = 150 * 1024 * 1024  # files/upload takes at most 150 MB; larger files need an upload session
DOWNLOAD_MAX_BYTES = 25 * 1024 * 1024  # a download handed to a flow as its output, bounded like other outputs
SEARCH_DEFAULT = 100
SEARCH_MAX = 1000
LIST_MAX = 2000
MAX_PAGES = 100


def dropbox_fault(body: Any) -> ProviderFault | None:
    if not isinstance(body, dict) or not body.get("error_summary"):
        return None
    error = body.get("error")
    tag = error.get(".tag") if isinstance(error, dict) else None
    user_message = body.get("user_message")
    details: dict[str, Any] = {"providerError": tag} if tag else {}
    if isinstance(user_message, dict) and user_message.get("text"):
        details["userMessage"] = user_message["text"]
    return ProviderFault(str(body["error_summary"]), details)


DROPBOX = ProviderProfile(
    name="dropbox",
    display_name="Dropbox",
    default_base_url=API_URL,
    other_base_urls=(CONTENT_URL,),
    error_fault=dropbox_fault,
)


def header_json(value: Any) -> str:
    """JSON safe in an HTTP header: ``json.dumps`` escapes non-ASCII; 0x7F is escaped too, as Dropbox asks."""
    return json.dumps(value, separators=(",", ":")).replace("\x7f", "\\u007f")


def _content_url(ctx: ActionContext, endpoint: str) -> str:
    base = ctx.base_url
    if base is None or base.rstrip("/") == API_URL:
        return f"{CONTENT_URL}/{endpoint}"
    parts = urlsplit(base)
    return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}/{endpoint}"


def _content(ctx: ActionContext, endpoint: str, arg: dict[str, Any], data: bytes = b"",
             max_bytes: int | None = None) -> ProviderResponse:
    # An empty octet-stream body for a download too: Dropbox refuses a content call with a JSON Content-Type.
    request = ProviderRequest("POST", _content_url(ctx, endpoint), content=data, max_bytes=max_bytes,
                              headers={"Dropbox-API-Arg": header_json(arg),
                                       "Content-Type": "application/octet-stream"})
    return call(ctx, DROPBOX, request)


def _rpc(ctx: ActionContext, endpoint: str, body: dict[str, Any]) -> Any:
    return call(ctx, DROPBOX, ProviderRequest("POST", f"/{endpoint}", json=body, has_json=True)).body


def _path(value: Any) -> str:
    """Dropbox names its root ``""``; ``"/"`` is refused, so it is sent as the root."""
    text = str(value or "").strip()
    return "" if text == "/" else text


def _set(values: dict[str, Any], *names: str) -> dict[str, Any]:
    return {n: values[n] for n in names if values.get(n) is not None}


# --- files -------------------------------------------------------------------------------------------------------

_UPLOAD_FLAGS = ("autorename", "mute", "strict_conflict")


def _upload(ctx: ActionContext, values: dict[str, Any], data: bytes) -> Any:
    # mode "add": never overwrite; a conflict is an error, or a renamed file with autorename.
    arg = {"path": values["path"], "mode": "add", **_set(values, *_UPLOAD_FLAGS)}
    return _content(ctx, "files/upload", arg, data).body


def create_text_file(ctx: ActionContext, values: dict[str, Any]) -> Any:
    return _upload(ctx, values, str(values["text"]).encode("utf-8"))


def upload_file(ctx: ActionContext, values: dict[str, Any]) -> Any:
    return _upload(ctx, values, file_input(ctx, "file", values["file"], max_bytes=UPLOAD_MAX_BYTES).content)


def download_file(ctx: ActionContext, values: dict[str, Any]) -> Any:
    response = _content(ctx, "files/download", {"path": values["path"]}, max_bytes=DOWNLOAD_MAX_BYTES)
    try:
        metadata = json.loads(response.headers.get("dropbox-api-result") or "{}")
    except ValueError:
        metadata = {}
    kind = response.headers.get("content-type")
    return {**(metadata if isinstance(metadata, dict) else {}), **file_output(response.content),
            "contentType": kind.split(";")[0].strip() if kind else None}


# --- listings ----------------------------------------------------------------------------------------------------


def _bounded(ctx: ActionContext, field: str, value: Any, default: int, most: int) -> int:
    if value is None:
        return default
    if not isinstance(value, int) or not 1 <= value <= most:
        raise invalid_input(ctx, field, f"must be a whole number from 1 to {most}")
    return value


def _follow(ctx: ActionContext, first: Any, continue_endpoint: str, key: str, limit: int) -> dict[str, Any]:
    """The items under ``key`` of a listing and its continuations, at most ``limit``, and whether more remain."""
    page = first if isinstance(first, dict) else {}
    items: list[Any] = list(page.get(key) or ())
    for _ in range(MAX_PAGES):
        if len(items) >= limit or not page.get("has_more") or not page.get("cursor"):
            break
        page = _rpc(ctx, continue_endpoint, {"cursor": page["cursor"]})
        page = page if isinstance(page, dict) else {}
        items.extend(page.get(key) or ())
    return {key: items[:limit], "has_more": bool(page.get("has_more")) or len(items) > limit,
            "cursor": page.get("cursor")}


def search(ctx: ActionContext, values: dict[str, Any]) -> Any:
    query = str(values["query"])
    if len(query.strip()) < 3:
        raise invalid_input(ctx, "query", "must be at least 3 characters")
    limit = _bounded(ctx, "max_results", values.get("max_results"), SEARCH_DEFAULT, SEARCH_MAX)
    options: dict[str, Any] = {"max_results": limit, **_set(values, "order_by", "file_status", "filename_only",
                                                              "account_id")}
    if values.get("path") is not None:
        options["path"] = _path(values["path"])
    for name in ("file_extensions", "file_categories"):
        if values.get(name):
            options[name] = comma_list(values[name])
    first = _rpc(ctx, "files/search_v2", {"query": query, "options": options})
    return _follow(ctx, first, "files/search/continue_v2", "matches", limit)


def list_folder(ctx: ActionContext, values: dict[str, Any]) -> Any:
    limit = _bounded(ctx, "limit", values.get("limit"), LIST_MAX, LIST_MAX)
    body = {"path": _path(values["path"]), "limit": limit, **_set(values, "recursive")}
    return _follow(ctx, _rpc(ctx, "files/list_folder", body), "files/list_folder/continue", "entries", limit)


# --- single calls ------------------------------------------------------------------------------------------------

_RELOCATE = wire("from_path", "to_path", "autorename", "allow_ownership_transfer")
DELETE = HttpSpec("POST", "/files/delete_v2", body=wire("path"))
MOVE = HttpSpec("POST", "/files/move_v2", body=_RELOCATE)
COPY = HttpSpec("POST", "/files/copy_v2", body=_RELOCATE)

ACTIONS = spec_actions(DROPBOX, {
    "search_dropbox": search,
    "create_new_dropbox_text_file": create_text_file,
    "upload_dropbox_file": upload_file,
    "downloadFile": download_file,
    "get_dropbox_file_link": HttpSpec("POST", "/files/get_temporary_link", body=wire("path")),
    "delete_dropbox_file": DELETE,
    "move_dropbox_file": MOVE,
    "copy_dropbox_file": COPY,
    "create_new_dropbox_folder": HttpSpec("POST", "/files/create_folder_v2", body=wire("path", "autorename")),
    "delete_dropbox_folder": DELETE,
    "move_dropbox_folder": MOVE,
    "copy_dropbox_folder": COPY,
    "list_dropbox_folder": list_folder,
})
ACTIONS["custom_api_call"] = custom_api_call(DROPBOX)

INTEGRATION = NativeIntegration(
    name="dropbox",
    display_name="Dropbox",
    description="Upload, download, search, list, move, copy and delete files and folders in Dropbox.",
    actions=ACTIONS,
    auth_types=("OAUTH2", "SECRET_TEXT"),
    default_base_url=DROPBOX.default_base_url,
    # Dropbox's App Console can generate an access token for the app's own account (developers.dropbox.com/oauth-guide).
    auth_form=AuthForm(secret_label="Access token",
                       secret_description="An access token for your Dropbox app (App Console, Settings, "
                                          "\"Generated access token\"), with the files.metadata and files.content "
                                          "scopes."),
)
