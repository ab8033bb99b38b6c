"""The on-disk form of a catalog cache: a small JSON index, then one JSON blob per integration.

It holds the SDK catalog and, in a second file, the native integrations' entries as laid over it
(:mod:`weavz_flow.catalog.overlay_cache`). Layout::

    WEAVZ-FLOW-SDK-CATALOG\\n
    {"format": 1, "sdkVersion": "0.1.2", ["key": K,] "bodyLength": N, "bodyCrc32": C, "index": [[name, displayName,
     actionCount, offset, length(, extras)], ...]}\\n
    <body: the integrations' blobs back to back>

Reading costs one file read, a checksum and the index parse; an integration's blob is decoded only when someone asks
for it. Each blob is ``[[actionName, actionDisplayName, [[wireName, type, required, description(, extras)], ...]
(, actionDescription)], ...]``, or, for an integration with triggers, ``{"actions": <that list>, "triggers":
[[triggerName, displayName, fields, description, type, sampleData], ...]}``.

The bracketed parts are written only when they hold something, which SDK entries never do, so an SDK cache written
before they existed reads the same: integration extras ``{"description", "authTypes", "native", "nativeActions"}``,
field extras ``{"enum", "default", "displayName"}``. ``key`` names what an overlay file was built from.
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

from weavz_flow.catalog.model import (
    JSON_TYPES,
    ActionInfo,
    AuthForm,
    AuthProp,
    InputField,
    IntegrationInfo,
    TriggerInfo,
)

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
    extras: dict[str, Any] | None = None


def encode(sdk_version: str, integrations: Iterable[IntegrationInfo], *, key: str | None = None) -> bytes:
    """The file's bytes; ValueError or TypeError when a value has no exact JSON form (a tuple default, a set)."""
    index: list[list[Any]] = []
    blobs: list[bytes] = []
    offset = 0
    for info in integrations:
        blob = json.dumps(_integration_blob(info), ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        row: list[Any] = [info.name, info.display_name, len(info.actions), offset, len(blob)]
        extras = _integration_extras(info)
        if extras:
            row.append(extras)
        index.append(row)
        blobs.append(blob)
        offset += len(blob)
    body = b"".join(blobs)
    header: dict[str, Any] = {"format": FORMAT_VERSION, "sdkVersion": sdk_version}
    if key is not None:
        header["key"] = key
    header.update(bodyLength=len(body), bodyCrc32=zlib.crc32(body), index=index)
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

    def __init__(
        self, data: bytes, *, expected_sdk_version: str | None = None, expected_key: str | None = None
    ) -> None:
        if not data.startswith(MAGIC):
            raise CacheInvalid("not a weavz-flow SDK catalog cache")
        end = data.find(b"\n", len(MAGIC))
        if end < 0:
            raise CacheInvalid("truncated header")
        try:
            header = json.loads(data[len(MAGIC) : end])
            fmt = header["format"]
            self.sdk_version: str = header["sdkVersion"]
            self.key: str | None = header.get("key")
            body_length = header["bodyLength"]
            body_crc = header["bodyCrc32"]
            raw_index = header["index"]
        except (ValueError, KeyError, TypeError) as exc:
            raise CacheInvalid(f"unreadable header: {exc}") from exc
        if fmt != FORMAT_VERSION:
            raise CacheInvalid(f"cache format {fmt!r}, expected {FORMAT_VERSION}")
        if expected_sdk_version is not None and self.sdk_version != expected_sdk_version:
            raise CacheInvalid(f"built for weavz-io-sdk {self.sdk_version}, installed is {expected_sdk_version}")
        if expected_key is not None and self.key != expected_key:
            raise CacheInvalid("built from other sources")
        self._body = memoryview(data)[end + 1 :]
        if len(self._body) != body_length or zlib.crc32(self._body) != body_crc:
            raise CacheInvalid("body length or checksum mismatch")
        # What the body holds, cheaply: an overlay built over this catalog keys on it.
        self.fingerprint = f"{self.sdk_version}/{body_length}/{body_crc:08x}"
        try:
            self.index: dict[str, IndexEntry] = {row[0]: IndexEntry(*row) for row in raw_index}
        except TypeError as exc:
            raise CacheInvalid(f"unreadable index: {exc}") from exc

    @classmethod
    def read(
        cls, path: Path, *, expected_sdk_version: str | None = None, expected_key: str | None = None
    ) -> CacheFile:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CacheInvalid(f"cannot read {path}: {exc}") from exc
        return cls(data, expected_sdk_version=expected_sdk_version, expected_key=expected_key)

    def integration(
        self, name: str, auth_types: Callable[[str], tuple[str, ...]] | None = None
    ) -> IntegrationInfo:
        """Decode one integration. ``auth_types`` supplies its connection types (the SDK's blobs hold none); without
        it they are the ones stored."""
        entry = self.index[name]
        blob = json.loads(self._body[entry.offset : entry.offset + entry.length].tobytes())
        # A blob of an integration without triggers is its list of actions (the form every SDK entry has).
        action_rows, trigger_rows = (blob["actions"], blob["triggers"]) if isinstance(blob, dict) else (blob, [])
        actions = {
            a_name: ActionInfo(
                integration=name,
                name=a_name,
                display_name=a_display,
                description=a_rest[0] if a_rest else "",
                fields=tuple(_field(*row) for row in fields),
            )
            for a_name, a_display, fields, *a_rest in action_rows
        }
        triggers = {
            t_name: TriggerInfo(
                integration=name,
                name=t_name,
                display_name=t_display,
                description=t_description,
                fields=tuple(_field(*row) for row in fields),
                type=t_type,
                sample_data=sample,
            )
            for t_name, t_display, fields, t_description, t_type, sample in trigger_rows
        }
        extras = entry.extras or {}
        return IntegrationInfo(
            name=name,
            display_name=entry.display_name,
            description=extras.get("description", ""),
            auth_types=auth_types(name) if auth_types is not None else tuple(extras.get("authTypes", ())),
            auth_form=_auth_form(extras.get("authForm")),
            native=bool(extras.get("native", False)),
            actions=actions,
            native_actions=frozenset(extras.get("nativeActions", ())),
            triggers=triggers,
        )


def _auth_form(stored: list[Any] | None) -> AuthForm:
    if not stored:
        return AuthForm()
    label, description, props = stored
    return AuthForm(secret_label=label, secret_description=description,
                    props=tuple(AuthProp(*row) for row in props))


def _field(
    name: str, type: str | None, required: int, description: str, extras: dict[str, Any] | None = None
) -> InputField:
    if not extras:
        return InputField(name=name, type=type, required=bool(required), description=description)
    more: dict[str, Any] = {"display_name": extras.get("displayName", "")}
    if "enum" in extras:
        more["enum"] = tuple(extras["enum"])
    if "default" in extras:
        more["default"] = extras["default"]
    return InputField(name=name, type=type, required=bool(required), description=description, **more)


def _integration_extras(info: IntegrationInfo) -> dict[str, Any]:
    extras: dict[str, Any] = {}
    if info.description:
        extras["description"] = info.description
    if info.auth_types:
        extras["authTypes"] = list(info.auth_types)
    if info.auth_form != AuthForm():
        form = info.auth_form
        extras["authForm"] = [form.secret_label, form.secret_description,
                              [[p.name, p.display_name, p.description, p.required, p.secret] for p in form.props]]
    if info.native:
        extras["native"] = True
    if info.native_actions:
        extras["nativeActions"] = sorted(info.native_actions)
    return extras


def _field_extras(f: InputField) -> dict[str, Any]:
    extras: dict[str, Any] = {}
    if f.enum is not None:
        extras["enum"] = _exact_json(list(f.enum), f.name)
    if f.has_default:
        extras["default"] = _exact_json(f.default, f.name)
    if f.display_name:
        extras["displayName"] = f.display_name
    return extras


def _exact_json(value: Any, where: str) -> Any:
    """``value`` when JSON gives it back equal and of the same types, else ValueError: a cached tuple would come back
    a list, and a catalog read from the cache must equal the one it was built from."""
    text = json.dumps(value, ensure_ascii=False)
    back = json.loads(text)
    if back != value or json.dumps(back, ensure_ascii=False) != text or not _same_types(back, value):
        raise ValueError(f"{where}: {value!r} has no exact JSON form")
    return value


def _same_types(a: Any, b: Any) -> bool:
    if type(a) is not type(b):
        return False
    if isinstance(a, list):
        return all(_same_types(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return all(_same_types(v, b[k]) for k, v in a.items())
    return True


def _integration_blob(info: IntegrationInfo) -> list[Any] | dict[str, Any]:
    actions = [_action_row(action) for action in info.actions.values()]
    if not info.triggers:
        return actions
    triggers = [
        [t.name, t.display_name, _field_rows(t), t.description, t.type,
         _exact_json(dict(t.sample_data), f"{t.key} sample data")]
        for t in info.triggers.values()
    ]
    return {"actions": actions, "triggers": triggers}


def _action_row(action: ActionInfo) -> list[Any]:
    row: list[Any] = [action.name, action.display_name, _field_rows(action)]
    if action.description:
        row.append(action.description)
    return row


def _field_rows(action: ActionInfo) -> list[list[Any]]:
    rows = []
    for f in action.fields:
        if f.type is not None and f.type not in JSON_TYPES:
            raise ValueError(f"{action.key}.{f.name}: unknown type {f.type!r}")
        row: list[Any] = [f.name, f.type, 1 if f.required else 0, f.description]
        extras = _field_extras(f)
        if extras:
            row.append(extras)
        rows.append(row)
    return rows
