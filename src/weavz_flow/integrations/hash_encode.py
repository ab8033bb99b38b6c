"""Hash & Encode (``hash-encode``): digests, text encodings and UUIDs, computed here with no provider.

The input schema of every action is the SDK catalog's (:mod:`weavz_flow.integrations.catalog_action`); the code
below checks only what the catalog leaves open: which algorithm and encoding names are supported, and UUID counts.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import html
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, unquote

from weavz_flow.integrations.base import ActionContext, NativeIntegration
from weavz_flow.integrations.catalog_action import catalog_actions
from weavz_flow.integrations.native_action import choice, invalid_input

NAME = "hash-encode"
MAX_UUIDS = 100

ALGORITHMS = ("md5", "sha1", "sha256", "sha384", "sha512")
DIGEST_ENCODINGS: dict[str, Callable[[bytes], str]] = {
    "hex": bytes.hex,
    "base64": lambda digest: base64.b64encode(digest).decode("ascii"),
}


def _b64decode(text: str, *, urlsafe: bool) -> str:
    padded = text + "=" * (-len(text) % 4)
    data = base64.urlsafe_b64decode(padded) if urlsafe else base64.b64decode(padded, validate=True)
    return data.decode("utf-8")


# Text encodings: name -> (encode, decode). Decoded bytes must be UTF-8 text.
TEXT_ENCODINGS: dict[str, tuple[Callable[[str], str], Callable[[str], str]]] = {
    "base64": (lambda text: base64.b64encode(text.encode("utf-8")).decode("ascii"),
               lambda text: _b64decode(text, urlsafe=False)),
    "base64url": (lambda text: base64.urlsafe_b64encode(text.encode("utf-8")).decode("ascii").rstrip("="),
                  lambda text: _b64decode(text, urlsafe=True)),
    "hex": (lambda text: text.encode("utf-8").hex(), lambda text: bytes.fromhex(text).decode("utf-8")),
    "url": (lambda text: quote(text, safe=""), unquote),
    "html": (html.escape, html.unescape),
}


def hash_text(ctx: ActionContext, values: dict[str, Any]) -> dict[str, Any]:
    algorithm = choice(ctx, values, "algorithm", ALGORITHMS)
    encoding = choice(ctx, values, "encoding", tuple(DIGEST_ENCODINGS))
    digest = hashlib.new(algorithm, values["text"].encode("utf-8")).digest()
    return {"hash": DIGEST_ENCODINGS[encoding](digest), "algorithm": algorithm, "encoding": encoding}


def encode_text(ctx: ActionContext, values: dict[str, Any]) -> dict[str, Any]:
    encoding = choice(ctx, values, "encoding", tuple(TEXT_ENCODINGS))
    encode, _ = TEXT_ENCODINGS[encoding]
    return {"encoded": encode(values["text"]), "encoding": encoding}


def decode_text(ctx: ActionContext, values: dict[str, Any]) -> dict[str, Any]:
    encoding = choice(ctx, values, "encoding", tuple(TEXT_ENCODINGS))
    _, decode = TEXT_ENCODINGS[encoding]
    try:
        decoded = decode(values["encoded"])
    except (binascii.Error, ValueError):  # UnicodeDecodeError is a ValueError: the bytes are not UTF-8 text
        raise invalid_input(ctx, "encoded", f"is not valid {encoding} of UTF-8 text") from None
    return {"decoded": decoded, "encoding": encoding}


def generate_uuid(ctx: ActionContext, values: dict[str, Any]) -> dict[str, Any]:
    count = values.get("count", 1)
    if not isinstance(count, int) or not 1 <= count <= MAX_UUIDS:
        raise invalid_input(ctx, "count", f"must be a whole number from 1 to {MAX_UUIDS}")
    return {"uuids": [str(uuid.uuid4()) for _ in range(count)]}


INTEGRATION = NativeIntegration(
    name=NAME,
    display_name="Hash & Encode",
    description="Hash text, encode and decode it, and generate UUIDs.",
    actions=catalog_actions(NAME, {
        "hash": hash_text,
        "encode": encode_text,
        "decode": decode_text,
        "generate_uuid": generate_uuid,
    }),
)
