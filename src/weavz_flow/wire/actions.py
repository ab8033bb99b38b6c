"""The execute request and its success body (weavz-api.md §2.1, weavz-sdk-wire.md §2.5)."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable
from typing import Any

from pydantic import Field

from weavz_flow.wire.base import AliasRef, ExternalRef, IdempotencyKey, Ref, WireModel, WireRequest


class ExecuteRequest(WireRequest):
    integration_name: Ref
    action_name: Ref
    input: dict[str, Any] = Field(default_factory=dict)
    workspace_id: Ref
    connection_external_id: ExternalRef | None = None
    workspace_integration_id: Ref | None = None
    integration_alias: AliasRef | None = None
    end_user_id: ExternalRef | None = None
    # None (absent): the alias's default partials; [] or a list: the default partials that enforce keys, then those
    # listed (engine/partial_merge.py).
    partial_ids: list[str] | None = None
    idempotency_key: IdempotencyKey | None = None


class ExecuteResult(WireModel):
    success: bool = True
    output: Any = None
    # Always sent by weavz-flow serve; hosted Weavz leaves it out of some answers (weavz-sdk-wire.md §2.5).
    duration: float | None = Field(default=None, description="milliseconds")


# -- the redaction header -----------------------------------------------------------------------------------------
# A weavz-flow client (the flow runner) names the values it knows to be secret, so that the server redacts them from
# everything it records and returns. The values are in the body already; the header adds no exposure. Hosted Weavz
# ignores an unknown header, so the same request runs there unchanged. A caller can only add redactions: the
# server's own (the credential's strings, enforced values) always apply.
REDACT_HEADER = "X-Weavz-Flow-Redact"
MAX_REDACT_VALUES = 64
MAX_REDACT_HEADER_CHARS = 12 * 1024  # with the other headers, inside the 16 KiB head that uvicorn's h11 accepts
REDACT_HEADER_DESCRIPTION = (
    "Optional, weavz-flow only: values to redact from the execution record, the logs and this response, on top of "
    "the connection's credential. base64url (padding optional) of a UTF-8 JSON array of strings; at most "
    f"{MAX_REDACT_VALUES} values and {MAX_REDACT_HEADER_CHARS} characters. Never logged or stored."
)


# Weavz's preview docs accept the key as a header too (weavz-api.md §2.1); the official SDK sends only the body
# field (weavz-sdk-wire.md §2.5). Both given: they must agree.
IDEMPOTENCY_HEADER = "Idempotency-Key"
IDEMPOTENCY_HEADER_DESCRIPTION = (
    "Optional: the same as the body's idempotencyKey (same length limit); when both are given they must be equal."
)


# A weavz-flow client that retries a call itself (a flow step's `retry`) sends this header with "0": the server's
# provider layer then makes one attempt, so the step's retries are the only ones. Hosted Weavz ignores it.
PROVIDER_RETRIES_HEADER = "X-Weavz-Flow-Provider-Retries"
PROVIDER_RETRIES_HEADER_DESCRIPTION = (
    "Optional, weavz-flow only: \"0\" when the caller retries this call itself; the server then does not retry "
    "the provider request (429/5xx) underneath."
)


# The official SDK says who it is (weavz-sdk-wire.md §1.1).
SOURCE_HEADER = "X-Weavz-Source"


class RedactHeaderError(ValueError):
    """The header is not a base64url JSON array of strings within the limits; the message never quotes it."""


def encode_redactions(values: Iterable[str]) -> str | None:
    """The header value for ``values`` (None when there is nothing to send)."""
    unique = sorted({v for v in values if v})
    if not unique:
        return None
    if len(unique) > MAX_REDACT_VALUES:
        raise RedactHeaderError(f"{len(unique)} values to redact; {REDACT_HEADER} carries at most {MAX_REDACT_VALUES}")
    text = json.dumps(unique, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    encoded = base64.urlsafe_b64encode(text).decode("ascii").rstrip("=")
    if len(encoded) > MAX_REDACT_HEADER_CHARS:
        raise RedactHeaderError(f"the values to redact take {len(encoded)} characters encoded; {REDACT_HEADER} "
                                f"carries at most {MAX_REDACT_HEADER_CHARS}")
    return encoded


def decode_redactions(header: str | None) -> tuple[str, ...]:
    if not header:
        return ()
    if len(header) > MAX_REDACT_HEADER_CHARS:
        raise RedactHeaderError(f"{REDACT_HEADER} is longer than {MAX_REDACT_HEADER_CHARS} characters")
    try:
        text = header.strip()
        raw = base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_", validate=True)
        values = json.loads(raw.decode("utf-8"))
    except ValueError:  # bad base64 (binascii.Error), bad UTF-8, bad JSON
        raise RedactHeaderError(f"{REDACT_HEADER} must be base64url of a JSON array of strings") from None
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise RedactHeaderError(f"{REDACT_HEADER} must be base64url of a JSON array of strings")
    if len(values) > MAX_REDACT_VALUES:
        raise RedactHeaderError(f"{REDACT_HEADER} carries at most {MAX_REDACT_VALUES} values")
    return tuple(values)
