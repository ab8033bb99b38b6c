"""Encryption of connection credentials at rest, and their keyed fingerprints.

One master key, from ``WEAVZ_FLOW_SECRET_KEY`` or from a key file created with mode 0600 on first use, yields two
subkeys: a Fernet key (AES-128-CBC with HMAC-SHA256, authenticated) for the credential blobs, and an HMAC key for
fingerprints. A fingerprint lets a plan tell whether a configured secret differs from the stored one without
decrypting anything, and without being a plain hash that could be tested against guesses offline.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken

from weavz_flow.errors import ApiError, ErrorCode

SECRET_KEY_ENV = "WEAVZ_FLOW_SECRET_KEY"
KEY_FILE_NAME = "secret.key"


class CredentialCipher:
    __slots__ = ("_fernet", "_hmac_key")

    def __init__(self, master_key: bytes) -> None:
        if len(master_key) < 16:
            raise ValueError("the secret key must be at least 16 bytes")
        enc = hmac.new(master_key, b"weavz-flow/credential-encryption", hashlib.sha256).digest()
        self._fernet = Fernet(base64.urlsafe_b64encode(enc))
        self._hmac_key = hmac.new(master_key, b"weavz-flow/credential-fingerprint", hashlib.sha256).digest()

    @classmethod
    def from_environment(cls, key_file: Path | None) -> CredentialCipher:
        """``WEAVZ_FLOW_SECRET_KEY`` if set, else the key file (created on first use); one of them is required."""
        env = os.environ.get(SECRET_KEY_ENV)
        if env:
            return cls(env.encode("utf-8"))
        if key_file is None:
            raise ValueError(f"no secret key: set {SECRET_KEY_ENV} or give a key file path")
        return cls(load_or_create_key_file(key_file))

    def encrypt(self, credential: dict[str, Any]) -> bytes:
        return self._fernet.encrypt(_canonical(credential))

    def decrypt(self, blob: bytes) -> dict[str, Any]:
        try:
            data: dict[str, Any] = json.loads(self._fernet.decrypt(bytes(blob)))
        except InvalidToken:
            raise ApiError(
                ErrorCode.INTERNAL_ERROR,
                "A stored credential cannot be decrypted: the secret key differs from the one it was stored with",
                status=500,
            ) from None
        return data

    def fingerprint(self, credential: dict[str, Any]) -> str:
        return hmac.new(self._hmac_key, _canonical(credential), hashlib.sha256).hexdigest()[:32]

    def keyed_digest(self, purpose: str, message: bytes) -> str:
        """A keyed SHA-256 (64 hex digits) of ``message`` for one ``purpose``: a hash of a value that may hold a secret
        (an approval's input) or a token derived from a record (an approval link), neither testable against guesses
        by a reader of the database, and never equal across purposes."""
        key = hmac.new(self._hmac_key, b"weavz-flow/" + purpose.encode("utf-8"), hashlib.sha256).digest()
        return hmac.new(key, message, hashlib.sha256).hexdigest()

    def seal(self, purpose: str, value: dict[str, Any]) -> str:
        """``value`` encrypted and authenticated under a key of its own ``purpose``, as URL-safe text: for a token
        that carries its record (a download link) and must show nothing of it to whoever holds it."""
        return self._sealer(purpose).encrypt(_canonical(value)).decode("ascii")

    def unseal(self, purpose: str, token: str) -> dict[str, Any] | None:
        """The value :meth:`seal` sealed for ``purpose``; None for anything else (altered, another purpose or key)."""
        try:
            value = json.loads(self._sealer(purpose).decrypt(token.encode("ascii")))
        except (InvalidToken, UnicodeEncodeError, ValueError):
            return None
        return value if isinstance(value, dict) else None

    def _sealer(self, purpose: str) -> Fernet:
        key = hmac.new(self._hmac_key, b"weavz-flow/sealed/" + purpose.encode("utf-8"), hashlib.sha256).digest()
        return Fernet(base64.urlsafe_b64encode(key))

    def __repr__(self) -> str:
        return "CredentialCipher(<key hidden>)"


def load_or_create_key_file(path: Path) -> bytes:
    """Read the key file, or create it with mode 0600 (exclusively, so two processes never write two keys)."""
    path = Path(path)
    try:
        return base64.urlsafe_b64decode(path.read_bytes().strip())
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_bytes(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process created it first: use theirs
        return base64.urlsafe_b64decode(path.read_bytes().strip())
    with os.fdopen(fd, "wb") as handle:
        handle.write(base64.urlsafe_b64encode(key) + b"\n")
    return key


def _canonical(credential: dict[str, Any]) -> bytes:
    clean = {k: v for k, v in credential.items() if v is not None}
    return json.dumps(clean, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
