"""Credential fingerprints, so a plan can show that a secret changed without showing the secret.

A backend that stores its own fingerprint (the local engine) is asked directly. For one that cannot report any (a
remote Weavz API), the fingerprint of what apply last stored is kept in a small local state file next to the
project, ``.weavz-flow/applied-fingerprints.json``, keyed by backend and connection id. Those fingerprints are keyed
HMACs (the key sits beside the file, readable by its owner only), so the file does not help anyone guess a secret.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from weavz_flow.backends.protocol import Backend
from weavz_flow.integrations.base import Credentials
from weavz_flow.plan.desired import DesiredState
from weavz_flow.plan.model import Address, ObjectKind

STATE_DIR = ".weavz-flow"
BOOK_FILE = "applied-fingerprints.json"
KEY_FILE = "fingerprint.key"


def credentials_identity(creds: Credentials) -> dict[str, Any]:
    """Every part of a credential as plain data in a stable shape; only ever hashed."""
    return {
        "type": creds.type,
        "secret_text": creds.secret_text.reveal() if creds.secret_text else None,
        "username": creds.username,
        "password": creds.password.reveal() if creds.password else None,
        "props": creds.props.reveal() if creds.props else None,
        "access_token": creds.access_token.reveal() if creds.access_token else None,
        "refresh_token": creds.refresh_token.reveal() if creds.refresh_token else None,
    }


class FingerprintBook:
    """Last-applied credential fingerprints for one backend, stored under ``state_dir``."""

    def __init__(self, state_dir: Path, backend_identity: str) -> None:
        self._dir = state_dir
        self._backend = hashlib.sha256(backend_identity.encode("utf-8")).hexdigest()[:16]
        self._key: bytes | None = None

    def fingerprint(self, creds: Credentials) -> str:
        text = json.dumps(credentials_identity(creds), sort_keys=True, separators=(",", ":"))
        return "hmac-sha256:" + hmac.new(self._secret_key(), text.encode("utf-8"), hashlib.sha256).hexdigest()[:32]

    def applied(self) -> dict[str, str]:
        """Connection id -> fingerprint of the credential apply last stored there."""
        return dict(self._load().get(self._backend, {}))

    def record(self, connection_id: str, fingerprint: str) -> None:
        doc = self._load()
        doc.setdefault(self._backend, {})[connection_id] = fingerprint
        self._write(doc)

    def forget(self, connection_id: str) -> None:
        doc = self._load()
        if doc.get(self._backend, {}).pop(connection_id, None) is not None:
            self._write(doc)

    def _load(self) -> dict[str, dict[str, str]]:
        path = self._dir / BOOK_FILE
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError):
            # A damaged book only costs a re-send of credentials on the next apply; it must not block planning.
            return {}
        return data if isinstance(data, dict) else {}

    def _write(self, doc: Mapping[str, Any]) -> None:
        self._dir.mkdir(parents=True, exist_ok=True)
        path = self._dir / BOOK_FILE
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(doc, sort_keys=True, indent=1), encoding="utf-8")
        os.replace(tmp, path)  # atomic: a killed apply leaves the old book or the new one, never half of one

    def _secret_key(self) -> bytes:
        if self._key is None:
            path = self._dir / KEY_FILE
            try:
                self._key = bytes.fromhex(path.read_text(encoding="utf-8").strip())
            except (FileNotFoundError, ValueError):
                self._dir.mkdir(parents=True, exist_ok=True)
                key = secrets.token_bytes(32)
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
                with os.fdopen(fd, "w", encoding="utf-8") as fh:
                    fh.write(key.hex())
                self._key = key
        return self._key


def desired_fingerprints(desired: DesiredState, backend: Backend, book: FingerprintBook) -> dict[Address, str]:
    """The fingerprint of each desired connection's credential, comparable with what the live side reports."""
    out: dict[Address, str] = {}
    use_backend = backend.capabilities.credential_fingerprints
    for conn in desired.connections:
        if conn.credentials is None:
            continue
        fp = backend.credential_fingerprint(conn.credentials) if use_backend else None
        out[Address(conn.workspace, ObjectKind.CONNECTION, conn.external_id)] = fp or book.fingerprint(conn.credentials)
    return out
