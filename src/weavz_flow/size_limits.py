"""How large an input may be: one typed value, with defaults that an operator or a project file can raise.

The server reads it from ``WEAVZ_FLOW_LIMIT_*`` environment variables (``weavz-flow serve``); the embedded engine
takes it from ``backend.limits`` in ``weavz-flow.yaml``. Each limit is checked where the value is written (the kv
store, the file store, the services), so a flow run on the local engine meets the same bounds as a REST caller.
Lengths that the store's schema fixes (a kv key, a file path, a name) are not here: they are checked against the
column itself (engine/tables.py), since no configuration can widen a column.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

from weavz_flow.errors import ApiError, ErrorCode, WeavzFlowError

KIB = 1024
MIB = 1024 * KIB
ENV_PREFIX = "WEAVZ_FLOW_LIMIT_"


@dataclass(frozen=True, slots=True)
class SizeLimits:
    # Bytes of one request body, counted while it streams in (413 PAYLOAD_TOO_LARGE beyond).
    request_body_bytes: int = 10 * MIB
    # UTF-8 bytes of one kv-store value as JSON (a list after an append included).
    kv_value_bytes: int = 1 * MIB
    # Bytes of one stored file (after base64 decoding).
    file_bytes: int = 10 * MIB
    # UTF-8 bytes of an end user's metadata as JSON.
    metadata_bytes: int = 64 * KIB
    # UTF-8 bytes of a connection's credential (all its secret fields) as JSON.
    secret_bytes: int = 64 * KIB
    # Nesting of arrays and objects in a JSON body.
    json_depth: int = 64

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> SizeLimits:
        """Defaults, each overridden by ``WEAVZ_FLOW_LIMIT_<NAME>`` (``WEAVZ_FLOW_LIMIT_KV_VALUE_BYTES=4194304``)."""
        env = os.environ if environ is None else environ
        overrides: dict[str, int] = {}
        for field in fields(cls):
            name = ENV_PREFIX + field.name.upper()
            raw = env.get(name, "").strip()
            if raw:
                try:
                    overrides[field.name] = int(raw)
                except ValueError:
                    raise WeavzFlowError(f"{name} must be a whole number, not {raw!r}") from None
        try:
            return cls.of(**overrides)
        except ValueError as exc:
            raise WeavzFlowError(f"{ENV_PREFIX}*: {exc}") from None

    @classmethod
    def of(cls, **overrides: int) -> SizeLimits:
        for name, value in overrides.items():
            if value < 1:
                raise ValueError(f"the limit {name} must be at least 1, not {value}")
        return replace(cls(), **overrides)


DEFAULT_SIZE_LIMITS = SizeLimits()


def json_size(value: Any) -> int:
    """UTF-8 bytes of ``value`` as compact JSON (what the store keeps, near enough)."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
    return len(text.encode("utf-8", "surrogatepass"))


def too_large(field: str, size: int, limit: int, unit: str = "bytes") -> ApiError:
    return ApiError(
        ErrorCode.VALIDATION_ERROR, f"{field} is too large: {size} {unit}, at most {limit}",
        details={"fields": [{"field": field, "message": f"at most {limit} {unit}", "type": "too_large"}],
                 "limit": limit, "size": size},
    )


def check_json_size(value: Any, field: str, limit: int) -> None:
    size = json_size(value)
    if size > limit:
        raise too_large(field, size, limit)


def check_chars(text: str, field: str, limit: int) -> None:
    if len(text) > limit:
        raise too_large(field, len(text), limit, "characters")
