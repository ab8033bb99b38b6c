"""The on-disk form of the SDK catalog: a small JSON index, then one JSON blob per integration.

Layout::

    WEAVZ-FLOW-SDK-CATALOG\\n
    {"format": 1, "sdkVersion": "0.1.2", "bodyLength": N, "bodyCrc32": C, "index": [[name, displayName, actionCount,
     offset, length], ...]}\\n
    <body: the integrations' blobs back to back>

Reading costs one file read, a checksum and the index parse; an integration's blob is decoded only when someone asks
for it. Each blob is ``[[actionName, actionDisplayName, [[wireName, type, required, description], ...]], ...]``.
"""

from __future__ import annotations

import json
import os
import tempfile
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from weavz_flow.catalog.model import JSON_TYPES, ActionInfo, InputField, IntegrationInfo

MAGIC = b"WEAVZ-FLOW-SDK-CATALOG\n"
# Bump when the layout or the meaning of a blob changes; older files are then rebuilt.
FORMAT_VERSION = 1


class CacheInvalid(Exception):
    """The file is missing, truncated, corrupt, of another format or of another SDK version."""


@dataclass(frozen=True, slots=True)
class IndexEntry:
    name: str
    display_name: str
    action_count: int
    offset: int
    length: int


def encode(sdk_version: str, integrations: Iterable[IntegrationInfo]) -> bytes:
    index: list[list[Any]] = []
    blobs: list[bytes] = []
    offset = 0
    for info in integrations:
        blob = json.dumps(_integration_blob(info), ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        index.append([info.name, info.display_name, len(info.actions), offset, len(blob)])
        blobs.append(blob)
        offset += len(blob)
    body = b"".join(blobs)
    header = {
        "format": FORMAT_VERSION,
        "sdkVersion": sdk_version,
        "bodyLength": len(body),
        "bodyCrc32": zlib.crc32(body),
        "index": index,
    }
    return MAGIC + json.dumps(header, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n" + body


def write_atomically(path: Path, data: bytes) -> None:
    """Write to a temporary file beside ``path`` and rename it over: readers see the old file or the new, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class CacheFile:
    """A cache file read into memory and checked; integrations are decoded on demand."""

    def __init__(self, data: bytes, *, expected_sdk_version: str | None = None) -> None:
        if not data.startswith(MAGIC):
            raise CacheInvalid("not a weavz-flow SDK catalog cache")
        end = data.find(b"\n", len(MAGIC))
        if end < 0:
            raise CacheInvalid("truncated header")
        try:
            header = json.loads(data[len(MAGIC) : end])
            fmt = header["format"]
            self.sdk_version: str = header["sdkVersion"]
            body_length = header["bodyLength"]
            body_crc = header["bodyCrc32"]
            raw_index = header["index"]
        except (ValueError, KeyError, TypeError) as exc:
            raise CacheInvalid(f"unreadable header: {exc}") from exc
        if fmt != FORMAT_VERSION:
            raise CacheInvalid(f"cache format {fmt!r}, expected {FORMAT_VERSION}")
        if expected_sdk_version is not None and self.sdk_version != expected_sdk_version:
            raise CacheInvalid(f"built for weavz-io-sdk {self.sdk_version}, installed is {expected_sdk_version}")
        self._body = memoryview(data)[end + 1 :]
        if len(self._body) != body_length or zlib.crc32(self._body) != body_crc:
            raise CacheInvalid("body length or checksum mismatch")
        try:
            self.index: dict[str, IndexEntry] = {row[0]: IndexEntry(*row) for row in raw_index}
        except TypeError as exc:
            raise CacheInvalid(f"unreadable index: {exc}") from exc

    @classmethod
    def read(cls, path: Path, *, expected_sdk_version: str | None = None) -> CacheFile:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CacheInvalid(f"cannot read {path}: {exc}") from exc
        return cls(data, expected_sdk_version=expected_sdk_version)

    def integration(self, name: str, auth_types: Callable[[str], tuple[str, ...]]) -> IntegrationInfo:
        entry = self.index[name]
        blob = json.loads(self._body[entry.offset : entry.offset + entry.length].tobytes())
        actions = {
            a_name: ActionInfo(
                integration=name,
                name=a_name,
                display_name=a_display,
                fields=tuple(
                    InputField(name=f_name, type=f_type, required=bool(req), description=desc)
                    for f_name, f_type, req, desc in fields
                ),
            )
            for a_name, a_display, fields in blob
        }
        return IntegrationInfo(
            name=name, display_name=entry.display_name, auth_types=auth_types(name), actions=actions
        )


def _integration_blob(info: IntegrationInfo) -> list[Any]:
    out: list[Any] = []
    for action in info.actions.values():
        fields = []
        for f in action.fields:
            if f.type is not None and f.type not in JSON_TYPES:
                raise ValueError(f"{action.key}.{f.name}: unknown type {f.type!r}")
            fields.append([f.name, f.type, 1 if f.required else 0, f.description])
        out.append([action.name, action.display_name, fields])
    return out
