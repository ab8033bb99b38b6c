"""Filesystem (``storage``): durable files by path, namespaced by the alias's persistence scope.

Content is text by default; ``contentEncoding: base64`` on write and ``outputEncoding: base64`` on read carry
binary files. Input schemas are the SDK catalog's.

``get_download_url`` hands out a link that downloads the file without credentials until it expires
(``expiresInSeconds``, 60 to 3600 as the catalog describes it; the default is the longest): the engine's
:class:`~weavz_flow.integrations.base.FileLinks` makes it, and ``serve`` answers it.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from weavz_flow.errors import ApiError, ErrorCode
from weavz_flow.integrations.base import ActionContext, NativeIntegration
from weavz_flow.integrations.catalog_action import catalog_actions
from weavz_flow.integrations.file_values import file_output
from weavz_flow.integrations.state_access import state_of
from weavz_flow.integrations.storage_triggers import NEW_FILE

NAME = "storage"
BASE64 = "base64"


def clean_path(path: Any) -> str:
    """A relative path without empty, '.' or '..' segments; a leading '/' is dropped."""
    if not isinstance(path, str) or not path.strip("/"):
        raise _invalid("path", "'path' is required")
    parts = path.strip("/").split("/")
    if any(p in ("", ".", "..") for p in parts):
        raise _invalid("path", "'path' must not contain empty, '.' or '..' segments")
    return "/".join(parts)


def _encoding(values: dict[str, Any], field: str) -> str | None:
    encoding = values.get(field)
    if encoding in (None, ""):
        return None
    if str(encoding).lower() not in (BASE64, "utf-8", "utf8", "text"):
        raise _invalid(field, f"'{field}' must be base64 or utf-8")
    return BASE64 if str(encoding).lower() == BASE64 else None


def write_file(ctx: ActionContext, values: dict[str, Any]) -> dict[str, Any]:
    path = clean_path(values.get("path"))
    content = values.get("content")
    if not isinstance(content, str):
        raise _invalid("content", "'content' must be a string")
    if _encoding(values, "contentEncoding") == BASE64:
        try:
            data = base64.b64decode(content, validate=True)
        except (binascii.Error, ValueError):
            raise _invalid("content", "'content' is not valid base64") from None
    else:
        data = content.encode("utf-8")
    return state_of(ctx).file_write(ctx.namespace, path, data, values.get("contentType")).metadata()


def read_file(ctx: ActionContext, values: dict[str, Any]) -> dict[str, Any]:
    path = clean_path(values.get("path"))
    file = state_of(ctx).file_read(ctx.namespace, path)
    if file is None:
        raise ApiError(ErrorCode.ACTION_FAILED, f"File '{path}' not found",
                       details={"path": path, "reason": "not_found"})
    # Binary content cannot be text: it is handed over as base64, and ``encoding`` says so.
    force = _encoding(values, "outputEncoding") == BASE64
    return {**file.metadata(), **file_output(file.content, force_base64=force)}


def list_files(ctx: ActionContext, values: dict[str, Any]) -> dict[str, Any]:
    prefix = values.get("prefix") or ""
    if not isinstance(prefix, str):
        raise _invalid("prefix", "'prefix' must be a string")
    files = [f.metadata() for f in state_of(ctx).file_list(ctx.namespace, prefix.lstrip("/"))]
    return {"files": files, "count": len(files)}


def delete_file(ctx: ActionContext, values: dict[str, Any]) -> dict[str, Any]:
    path = clean_path(values.get("path"))
    return {"path": path, "deleted": state_of(ctx).file_delete(ctx.namespace, path)}


EXPIRY_RANGE = (60, 3600)


def get_download_url(ctx: ActionContext, values: dict[str, Any]) -> dict[str, Any]:
    path = clean_path(values.get("path"))
    low, high = EXPIRY_RANGE
    expires_in = values.get("expiresInSeconds", high)
    if not isinstance(expires_in, int) or not low <= expires_in <= high:
        raise _invalid("expiresInSeconds", f"'expiresInSeconds' must be a whole number from {low} to {high}")
    file = state_of(ctx).file_read(ctx.namespace, path)
    if file is None:
        raise ApiError(ErrorCode.ACTION_FAILED, f"File '{path}' not found",
                       details={"path": path, "reason": "not_found"})
    if ctx.file_links is None:
        raise ApiError(ErrorCode.ACTION_FAILED, "This engine hands out no download links",
                       details={"path": path, "reason": "no_links"})
    url, expires_at = ctx.file_links.link(ctx.namespace, path, expires_in)
    return {**file.metadata(), "url": url, "expiresAt": expires_at, "expiresInSeconds": expires_in}


def _invalid(field: str, message: str) -> ApiError:
    return ApiError(ErrorCode.VALIDATION_ERROR, message, details={"fields": [{"field": field, "message": message}]})


ACTIONS = catalog_actions(NAME, {
    "read_file": read_file,
    "write_file": write_file,
    "delete_file": delete_file,
    "list_files": list_files,
    "get_download_url": get_download_url,
})

INTEGRATION = NativeIntegration(
    name=NAME,
    display_name="Filesystem",
    description="Durable files by path, namespaced by the alias's persistence scope.",
    actions=ACTIONS,
    triggers={"new_file": NEW_FILE},
)
