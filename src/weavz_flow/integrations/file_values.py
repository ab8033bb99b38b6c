"""Files as action inputs and outputs: one representation for every integration that moves file bytes.

Out, a file's bytes are ``{"content", "encoding"}``: UTF-8 text when the bytes are text, else base64, and
``encoding`` says which (``storage``'s ``read_file`` answers the same way). In, a catalog FILE field (the SDK types
it as a URL, base64 or a file object) takes any of:

- that output object (``{"content", "encoding"}``, with ``filename``/``name`` and ``contentType``/``mimeType`` when
  known), so a file read by one step can be written by the next as it is;
- ``{"base64": ..., "filename": ...}`` or ``{"url": ...}``;
- a ``data:`` URL (RFC 2397), an ``http(s)://`` URL, or plain base64 text.

A URL is fetched with no credential (the connection's is for its provider only), following redirects, through
:mod:`~weavz_flow.integrations.provider_http` (timeouts, the execute deadline, retries, failures as
``ACTION_FAILED``), reading at most the caller's byte bound.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, unquote_to_bytes, urlsplit

from weavz_flow.integrations.base import ActionContext
from weavz_flow.integrations.http_spec import call
from weavz_flow.integrations.native_action import invalid_input
from weavz_flow.integrations.provider import ProviderProfile, ProviderRequest

BASE64 = "base64"
UTF8 = "utf-8"

FILE_URL = ProviderProfile(name="file-url", display_name="File URL", default_base_url=None, auth="none")


@dataclass(frozen=True, slots=True)
class FileBytes:
    content: bytes
    filename: str | None = None  # as the input or the URL named it
    content_type: str | None = None


def file_output(content: bytes, *, force_base64: bool = False) -> dict[str, str]:
    """``{"content", "encoding"}``: text when the bytes are UTF-8 (unless ``force_base64``), else base64."""
    if not force_base64:
        try:
            return {"content": content.decode(UTF8), "encoding": UTF8}
        except UnicodeDecodeError:
            pass
    return {"content": base64.b64encode(content).decode("ascii"), "encoding": BASE64}


def file_input(ctx: ActionContext, field: str, value: Any, *, max_bytes: int) -> FileBytes:
    """The bytes of a FILE input (see the module docstring for the forms it takes), at most ``max_bytes``."""
    if isinstance(value, Mapping):
        found = _from_object(ctx, field, value, max_bytes)
    elif isinstance(value, str) and value.strip():
        found = _from_text(ctx, field, value.strip(), max_bytes)
    else:
        raise invalid_input(ctx, field, "must be a URL, base64 text or a file object")
    if len(found.content) > max_bytes:
        raise invalid_input(ctx, field, f"holds more than {max_bytes} bytes")
    return found


def _from_object(ctx: ActionContext, field: str, value: Mapping[str, Any], max_bytes: int) -> FileBytes:
    name = _text(value.get("filename") or value.get("name"))
    kind = _text(value.get("contentType") or value.get("mimeType"))
    if isinstance(value.get("content"), str):
        encoding = str(value.get("encoding") or UTF8).lower()
        if encoding == BASE64:
            data = _base64(ctx, field, value["content"])
        elif encoding in (UTF8, "utf8", "text"):
            data = value["content"].encode(UTF8)
        else:
            raise invalid_input(ctx, field, "has an encoding other than base64 or utf-8")
        return FileBytes(data, name, kind)
    if isinstance(value.get("base64"), str):
        return FileBytes(_base64(ctx, field, value["base64"]), name, kind)
    if isinstance(value.get("url"), str):
        fetched = _from_text(ctx, field, value["url"].strip(), max_bytes)
        return FileBytes(fetched.content, name or fetched.filename, kind or fetched.content_type)
    raise invalid_input(ctx, field, "must hold content, base64 or url")


def _from_text(ctx: ActionContext, field: str, text: str, max_bytes: int) -> FileBytes:
    lowered = text[:8].lower()
    if lowered.startswith(("http://", "https://")):
        return _fetch(ctx, text, max_bytes)
    if lowered.startswith("data:"):
        return _data_url(ctx, field, text)
    return FileBytes(_base64(ctx, field, text))


def _fetch(ctx: ActionContext, url: str, max_bytes: int) -> FileBytes:
    response = call(ctx, FILE_URL, ProviderRequest("GET", url, follow_redirects=True, max_bytes=max_bytes))
    name = unquote(urlsplit(url).path.rsplit("/", 1)[-1]) or None
    kind = response.headers.get("content-type")
    return FileBytes(response.content, name, kind.split(";")[0].strip() if kind else None)


def _data_url(ctx: ActionContext, field: str, text: str) -> FileBytes:
    header, comma, payload = text[5:].partition(",")
    if not comma:
        raise invalid_input(ctx, field, "is a data: URL without data")
    params = header.split(";")
    kind = params[0].strip() or None
    if params[-1].strip().lower() == BASE64:
        return FileBytes(_base64(ctx, field, unquote(payload)), None, kind)
    return FileBytes(unquote_to_bytes(payload), None, kind)


def _base64(ctx: ActionContext, field: str, text: str) -> bytes:
    try:
        return base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError):
        raise invalid_input(ctx, field, "is neither a URL nor valid base64") from None


def _text(value: Any) -> str | None:
    return str(value) if value not in (None, "") else None
