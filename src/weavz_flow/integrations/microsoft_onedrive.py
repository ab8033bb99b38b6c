"""Microsoft OneDrive over Microsoft Graph v1.0 (shared facts in :mod:`microsoft_graph`): list, search, read,
upload, create folders, share and delete the items of the signed-in user's drive.

Endpoints (https://learn.microsoft.com/en-us/graph/api/...): ``driveitem-list-children`` ``GET
/me/drive/root/children`` or, by path, ``GET /me/drive/root:/{path}:/children`` (a path is addressed as
``root:/{path}:``: https://learn.microsoft.com/en-us/graph/onedrive-addressing-driveitems) with ``$top``;
``driveitem-get`` ``GET /me/drive/items/{item-id}``; ``driveitem-put-content`` ``PUT
/me/drive/root:/{parent-path}/{filename}:/content`` with the bytes as the body (simple upload, files up to 250 MB),
answering the driveItem; ``driveitem-post-children`` ``POST /me/drive/root/children`` (or ``root:/{path}:/children``)
with ``{name, folder: {}, "@microsoft.graph.conflictBehavior"}`` (fail, replace or rename), 201 with the driveItem;
``driveitem-search`` ``GET /me/drive/root/search(q='{text}')`` with ``$top``; ``driveitem-createlink`` ``POST
/me/drive/items/{item-id}/createLink`` with ``type`` (view, edit, embed) and ``scope`` (anonymous, organization,
users), answering the permission with its ``link``; ``driveitem-delete`` ``DELETE /me/drive/items/{item-id}`` (204).

``upload_file``'s ``content`` is the file's text, sent as UTF-8; a ``data:`` URL (RFC 2397) in it is read by
:mod:`file_values` and its bytes sent instead, so a binary file can be uploaded too. A new folder whose name is taken
is renamed by OneDrive ("Reports 1"). A deleted item answers ``{itemId, deleted: true}``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from weavz_flow.integrations.base import ActionContext
from weavz_flow.integrations.file_values import file_input
from weavz_flow.integrations.http_spec import HttpSpec, call, call_spec, wire
from weavz_flow.integrations.microsoft_graph import graph_integration, graph_list, graph_profile, odata_literal
from weavz_flow.integrations.native_action import choice
from weavz_flow.integrations.provider import ProviderProfile, ProviderRequest

ONEDRIVE = graph_profile("microsoft-onedrive", "Microsoft OneDrive")
UPLOAD_MAX_BYTES = 250 * 1024 * 1024  # the simple upload's bound; larger files need an upload session
LINK_TYPES = ("view", "edit", "embed")
LINK_SCOPES = ("anonymous", "organization", "users")


def drive_path(*parts: str | None) -> str:
    """The drive path of ``parts`` (``"/Documents"``, ``"a.txt"``), each segment percent-encoded; "" for the root."""
    segments = [s for part in parts if part for s in part.split("/") if s]
    return "/".join(quote(s, safe="") for s in segments)


def folder(path: str | None) -> str:
    """The address of a folder: ``/me/drive/root`` or ``/me/drive/root:/{path}:``."""
    encoded = drive_path(path)
    return f"/me/drive/root:/{encoded}:" if encoded else "/me/drive/root"


def put_content(ctx: ActionContext, profile: ProviderProfile, parent: str | None, name: str, content: bytes,
                content_type: str) -> Any:
    request = ProviderRequest("PUT", f"/me/drive/root:/{drive_path(parent, name)}:/content", content=content,
                              headers={"Content-Type": content_type})
    return call(ctx, profile, request).body


def list_files(ctx: ActionContext, values: dict[str, Any]) -> Any:
    return graph_list(ctx, ONEDRIVE, folder(values.get("path")) + "/children", {"$top": values.get("top")},
                      values.get("top"))


def search_files(ctx: ActionContext, values: dict[str, Any]) -> Any:
    literal = quote(odata_literal(values["query"]), safe="'")
    path = f"/me/drive/root/search(q={literal})"
    return graph_list(ctx, ONEDRIVE, path, {"$top": values.get("top")}, values.get("top"))


def upload_file(ctx: ActionContext, values: dict[str, Any]) -> Any:
    text: str = values["content"]
    kind = values.get("contentType")
    if text[:5].lower() == "data:":
        found = file_input(ctx, "content", text, max_bytes=UPLOAD_MAX_BYTES)
        content, kind = found.content, kind or found.content_type
    else:
        content = text.encode("utf-8")
    return put_content(ctx, ONEDRIVE, values.get("parentPath"), values["fileName"], content, kind or "text/plain")


def create_folder(ctx: ActionContext, values: dict[str, Any]) -> Any:
    body = {"name": values["folderName"], "folder": {}, "@microsoft.graph.conflictBehavior": "rename"}
    request = ProviderRequest("POST", folder(values.get("parentPath")) + "/children", json=body, has_json=True)
    return call(ctx, ONEDRIVE, request).body


SHARE = HttpSpec("POST", "/me/drive/items/{itemId}/createLink", body=wire("type", "scope"))


def share_file(ctx: ActionContext, values: dict[str, Any]) -> Any:
    link = {"itemId": values["itemId"],
            "type": choice(ctx, values, "type", LINK_TYPES) if values.get("type") else "view"}
    if values.get("scope"):
        link["scope"] = choice(ctx, values, "scope", LINK_SCOPES)
    return call_spec(ctx, ONEDRIVE, SHARE, link)


DELETE = HttpSpec("DELETE", "/me/drive/items/{itemId}")


def delete_file(ctx: ActionContext, values: dict[str, Any]) -> Any:
    call_spec(ctx, ONEDRIVE, DELETE, values)
    return {"itemId": values["itemId"], "deleted": True}


DESCRIPTION = "List, search, upload, share and delete files and folders in OneDrive over Microsoft Graph."
INTEGRATION = graph_integration(ONEDRIVE, DESCRIPTION, {
    "list_files": list_files,
    "get_file": HttpSpec("GET", "/me/drive/items/{itemId}"),
    "upload_file": upload_file,
    "create_folder": create_folder,
    "search_files": search_files,
    "share_file": share_file,
    "delete_file": delete_file,
})
