"""Google Drive (https://developers.google.com/drive/api/reference/rest/v3): list, search, read, upload, create
folders, share and delete files, over Drive API v3 with the connection's Google OAuth token.

Endpoints (https://developers.google.com/drive/api/reference/rest/v3/...): ``files/list`` ``GET /files`` with ``q``,
``pageSize``, ``pageToken``, ``orderBy`` and ``fields`` (the answer's ``nextPageToken`` is absent on the last page);
``files/get`` ``GET /files/{fileId}``; ``files/create`` ``POST /files`` with the File as JSON (a folder is a file of
mimeType ``application/vnd.google-apps.folder``: https://developers.google.com/drive/api/guides/folder) and, with
content, ``POST https://www.googleapis.com/upload/drive/v3/files?uploadType=multipart`` whose body is
``multipart/related``: the metadata part (``application/json; charset=UTF-8``) first, the media part second
(https://developers.google.com/drive/api/guides/manage-uploads#multipart); ``files/delete`` ``DELETE
/files/{fileId}`` (an empty answer); ``permissions/create`` ``POST /files/{fileId}/permissions`` with ``type``,
``role`` (owner, organizer, fileOrganizer, writer, commenter, reader) and ``emailAddress``, and the query
``sendNotificationEmail`` (https://developers.google.com/drive/api/reference/rest/v3/permissions). ``supportsAllDrives``
lets a call reach files of shared drives. Queries: ``'<id>' in parents``, ``trashed = false``
(https://developers.google.com/drive/api/guides/ref-search-terms).

``list_files`` and ``search_files`` answer one page: ``{files, nextPageToken}``; pass ``nextPageToken`` back as
``pageToken`` for the next. A deleted file answers ``{fileId, deleted: true}``.
"""

from __future__ import annotations

import json
import secrets
from typing import Any

from weavz_flow.integrations.base import ActionContext, NativeIntegration
from weavz_flow.integrations.custom_api_call import plain_custom_api_call
from weavz_flow.integrations.google_api import (
    DRIVE_BASE_URL,
    GOOGLEAPIS,
    drive_literal,
    google_profile,
    google_url,
    page,
)
from weavz_flow.integrations.http_spec import HttpSpec, call, call_spec, spec_actions, wire
from weavz_flow.integrations.native_action import invalid_input
from weavz_flow.integrations.provider import ProviderRequest

DRIVE = google_profile("google-drive", "Google Drive", DRIVE_BASE_URL, f"{GOOGLEAPIS}/upload/drive/v3")
UPLOAD_URL = f"{GOOGLEAPIS}/upload/drive/v3/files"
FOLDER_MIME = "application/vnd.google-apps.folder"
# What a listed file says unless ``fields`` asks otherwise (Drive's own default is id, name and mimeType only).
FILE_FIELDS = "id,name,mimeType,parents,modifiedTime,size,webViewLink"
LIST_FIELDS = f"nextPageToken,files({FILE_FIELDS})"
ROLES = ("owner", "organizer", "fileOrganizer", "writer", "commenter", "reader")


def _files(ctx: ActionContext, values: dict[str, Any], q: str, fields: str) -> dict[str, Any]:
    query = {"q": q, "pageSize": values.get("pageSize"), "pageToken": values.get("pageToken"),
             "orderBy": values.get("orderBy"), "fields": fields, "supportsAllDrives": True,
             "includeItemsFromAllDrives": True}
    return page(call(ctx, DRIVE, ProviderRequest("GET", "/files", query=query)).body, "files")


def list_files(ctx: ActionContext, values: dict[str, Any]) -> Any:
    q = "trashed = false"
    if values.get("folderId"):
        q = f"{drive_literal(values['folderId'])} in parents and {q}"
    return _files(ctx, values, q, values.get("fields") or LIST_FIELDS)


def search_files(ctx: ActionContext, values: dict[str, Any]) -> Any:
    return _files(ctx, values, values["query"], LIST_FIELDS)


def upload_file(ctx: ActionContext, values: dict[str, Any]) -> Any:
    mime = values.get("mimeType") or "text/plain"
    metadata: dict[str, Any] = {"name": values["name"], "mimeType": mime}
    if values.get("folderId"):
        metadata["parents"] = [values["folderId"]]
    boundary = "weavz-" + secrets.token_hex(12)
    body = (f"--{boundary}\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n{json.dumps(metadata)}\r\n"
            f"--{boundary}\r\nContent-Type: {mime}\r\n\r\n").encode() + values["content"].encode() + (
            f"\r\n--{boundary}--\r\n").encode()
    request = ProviderRequest("POST", google_url(ctx, DRIVE, UPLOAD_URL), content=body,
                              query={"uploadType": "multipart", "fields": FILE_FIELDS, "supportsAllDrives": True},
                              headers={"Content-Type": f"multipart/related; boundary={boundary}"})
    return call(ctx, DRIVE, request).body


def create_folder(ctx: ActionContext, values: dict[str, Any]) -> Any:
    body: dict[str, Any] = {"name": values["name"], "mimeType": FOLDER_MIME}
    if values.get("parentFolderId"):
        body["parents"] = [values["parentFolderId"]]
    request = ProviderRequest("POST", "/files", query={"fields": FILE_FIELDS, "supportsAllDrives": True},
                              json=body, has_json=True)
    return call(ctx, DRIVE, request).body


SHARE = HttpSpec("POST", "/files/{fileId}/permissions",
                 query=wire("supportsAllDrives", sendNotificationEmail="sendNotification"),
                 body=wire("role", emailAddress="email"), constants={"type": "user"})


def share_file(ctx: ActionContext, values: dict[str, Any]) -> Any:
    if values["role"] not in ROLES:
        raise invalid_input(ctx, "role", f"must be one of {', '.join(ROLES)}")
    return call_spec(ctx, DRIVE, SHARE, {**values, "supportsAllDrives": True})


DELETE = HttpSpec("DELETE", "/files/{fileId}", query=wire("supportsAllDrives"))


def delete_file(ctx: ActionContext, values: dict[str, Any]) -> Any:
    call_spec(ctx, DRIVE, DELETE, {**values, "supportsAllDrives": True})
    return {"fileId": values["fileId"], "deleted": True}


GET = HttpSpec("GET", "/files/{fileId}", query=wire("fields", "supportsAllDrives"))


def get_file(ctx: ActionContext, values: dict[str, Any]) -> Any:
    return call_spec(ctx, DRIVE, GET, {**values, "fields": values.get("fields") or FILE_FIELDS,
                                       "supportsAllDrives": True})


ACTIONS = spec_actions(DRIVE, {
    "list_files": list_files,
    "get_file": get_file,
    "upload_file": upload_file,
    "create_folder": create_folder,
    "search_files": search_files,
    "share_file": share_file,
    "delete_file": delete_file,
})
ACTIONS["custom_api_call"] = plain_custom_api_call(DRIVE)

INTEGRATION = NativeIntegration(
    name="google-drive",
    display_name="Google Drive",
    description="List, search, upload, share and delete files and folders in Google Drive.",
    actions=ACTIONS,
    auth_types=("OAUTH2",),
    default_base_url=DRIVE.default_base_url,
)
