"""Credential fingerprints and the project's state document, so a plan can show that a secret changed without
showing the secret, from any machine. Approval policies' webhook secrets are write-only too, and are fingerprinted
the same way, one per approver (by its index in the policy's ``approvers``).

A backend that stores its own fingerprint (the local engine) is asked directly. For one that cannot report any (a
remote Weavz API), the fingerprint of what apply last stored is kept in a state document that lives with the backend
(its kv-store, see backends/kv_state.py), so a fresh checkout in CI sees exactly what the last apply did.

A fingerprint is HMAC-SHA256 of the credential under a key derived (HKDF) from the project's secrets: the
``state.fingerprint_key`` secret (default ``WEAVZ_FLOW_STATE_KEY``), else the backend's API key. Another machine with
the same secrets computes the same fingerprints; whoever reads the state learns nothing about a secret. The document
records a key id (an HMAC of a constant), so a changed key is reported instead of every secret showing as changed.

The state document::

    {"format": 1, "lineage": "<uuid>", "serial": 7, "key_id": "...",
     "connections": {"<address>": {"id": "<live id>", "fingerprint": "hmac-sha256:..."}},
     "approver_secrets": {"<address>": {"id": "<live policy id>", "fingerprints": ["hmac-sha256:...", null]}},
     "managed": ["<address>", ...]}
"""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from collections.abc import Iterable
from typing import Any, Protocol

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from weavz_flow.backends.kv_lock import check_still_held
from weavz_flow.backends.kv_state import StateChannel
from weavz_flow.backends.protocol import Backend
from weavz_flow.integrations.base import Credentials
from weavz_flow.plan.desired import DesiredState
from weavz_flow.plan.model import Address, ObjectKind
from weavz_flow.sensitive import Sensitive

STATE_DIR = ".weavz-flow"
STATE_KEY = "state"  # the kv key of the state document
STATE_FORMAT = 1
_KEY_ID_TEXT = b"weavz-flow fingerprint key id"
_SECRETS = "approver_secrets"


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


class FingerprintKey:
    """The HMAC key, derived from secret material; ``key_id`` names it without revealing it."""

    def __init__(self, material: str, source: str) -> None:
        self._key = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"weavz-flow/state/v1",
                         info=b"credential fingerprints").derive(material.encode("utf-8"))
        self.source = source  # where the material came from, for notes ("WEAVZ_FLOW_STATE_KEY", "the API key")
        self.key_id = hmac.new(self._key, _KEY_ID_TEXT, hashlib.sha256).hexdigest()[:16]

    def fingerprint(self, creds: Credentials) -> str:
        return self._digest(credentials_identity(creds))

    def secret_fingerprint(self, secret: Sensitive[str]) -> str:
        """A webhook approver's signing secret."""
        return self._digest({"webhook_secret": secret.reveal()})

    def _digest(self, identity: dict[str, Any]) -> str:
        text = json.dumps(identity, sort_keys=True, separators=(",", ":"))
        return "hmac-sha256:" + hmac.new(self._key, text.encode("utf-8"), hashlib.sha256).hexdigest()[:32]


class StatePort(Protocol):
    """Where the state document lives: read without the lock, written only under it."""

    def read(self) -> dict[str, Any] | None: ...

    def write(self, doc: dict[str, Any]) -> None: ...

    def check_lock(self) -> None:
        """Raise unless the apply lock taken on this state is still held by this process (no-op without one)."""
        ...


class KvStatePort:
    """The document under one key of the backend's kv-store (the reserved state alias)."""

    def __init__(self, channel: StateChannel) -> None:
        self._channel = channel

    def read(self) -> dict[str, Any] | None:
        doc = self._channel.get(STATE_KEY)
        return doc if isinstance(doc, dict) else None

    def write(self, doc: dict[str, Any]) -> None:
        self._channel.put(STATE_KEY, doc)

    def check_lock(self) -> None:
        check_still_held(self._channel)


class FingerprintBook:
    """The state document of one backend, read once, changed by apply, written by :meth:`flush`.

    With no port (the local engine keeps its own fingerprints and ownership is not tracked there) it only computes
    fingerprints.
    """

    def __init__(self, port: StatePort | None, key: FingerprintKey) -> None:
        self._port = port
        self._key = key
        self._doc: dict[str, Any] | None = None
        self._dirty = False
        self.notes: list[str] = []

    @property
    def key(self) -> FingerprintKey:
        return self._key

    def fingerprint(self, creds: Credentials) -> str:
        return self._key.fingerprint(creds)

    def secret_fingerprint(self, secret: Sensitive[str]) -> str:
        return self._key.secret_fingerprint(secret)

    # -- reading --------------------------------------------------------------------------------------------------

    @property
    def serial(self) -> int:
        return int(self._load().get("serial", 0))

    @property
    def lineage(self) -> str | None:
        return self._load().get("lineage")

    def applied(self) -> dict[str, str]:
        """Connection id -> fingerprint of the credential apply last stored there (under the current key)."""
        doc = self._load()
        if doc.get("key_id") not in (None, self._key.key_id):
            return {}
        return {e["id"]: e["fingerprint"] for e in doc.get("connections", {}).values()
                if isinstance(e, dict) and isinstance(e.get("id"), str) and isinstance(e.get("fingerprint"), str)}

    def applied_secrets(self) -> dict[str, tuple[str | None, ...]]:
        """Policy id -> fingerprint of each approver's webhook secret as apply last stored it (under the current
        key; None where none was sent)."""
        doc = self._load()
        if doc.get("key_id") not in (None, self._key.key_id):
            return {}
        out: dict[str, tuple[str | None, ...]] = {}
        for e in doc.get(_SECRETS, {}).values():
            if isinstance(e, dict) and isinstance(e.get("id"), str) and isinstance(e.get("fingerprints"), list):
                out[e["id"]] = tuple(f if isinstance(f, str) else None for f in e["fingerprints"])
        return out

    def managed(self) -> set[Address]:
        out = set()
        for text in self._load().get("managed", []):
            try:
                out.add(Address.parse(text))
            except ValueError:
                continue  # written by a newer weavz-flow with more kinds: not ours to show
        return out

    # -- changing (apply) -----------------------------------------------------------------------------------------

    def record(self, address: Address, connection_id: str, fingerprint: str) -> None:
        self._mutable()["connections"][str(address)] = {"id": connection_id, "fingerprint": fingerprint}
        self._dirty = True

    def record_secrets(self, address: Address, policy_id: str, fingerprints: tuple[str | None, ...]) -> None:
        self._mutable()[_SECRETS][str(address)] = {"id": policy_id, "fingerprints": list(fingerprints)}
        self._dirty = True

    def forget(self, object_id: str) -> None:
        """Drop what is recorded for a deleted connection or approval policy."""
        doc = self._mutable()
        for section in ("connections", _SECRETS):
            entries = doc[section]
            for name in [n for n, e in entries.items() if isinstance(e, dict) and e.get("id") == object_id]:
                del entries[name]
                self._dirty = True

    def manage(self, addresses: Iterable[Address]) -> None:
        managed = set(self._mutable()["managed"])
        before = len(managed)
        managed.update(str(a) for a in addresses)
        if len(managed) != before:
            self._doc_set("managed", sorted(managed))

    def release(self, address: Address) -> None:
        managed = self._mutable()["managed"]
        if str(address) in managed:
            self._doc_set("managed", [m for m in managed if m != str(address)])

    def check_lock(self) -> None:
        """Raise unless this process still holds the apply lock on the state (checked before each change)."""
        if self._port is not None:
            self._port.check_lock()

    def flush(self) -> None:
        """Write the document if it changed (a new serial each time); a no-op without a port."""
        if not self._dirty or self._port is None:
            return
        doc = self._mutable()
        doc["serial"] = int(doc.get("serial", 0)) + 1
        doc["key_id"] = self._key.key_id
        self._port.write(doc)
        self._dirty = False

    # -- the document ---------------------------------------------------------------------------------------------

    def _load(self) -> dict[str, Any]:
        if self._doc is None:
            found = self._port.read() if self._port is not None else None
            if found is not None and found.get("format") != STATE_FORMAT:
                self.notes.append(f"the state on the backend has format {found.get('format')!r}, not "
                                  f"{STATE_FORMAT}; it is ignored and rewritten by the next apply")
                found = None
            if found is not None and found.get("key_id") not in (None, self._key.key_id) \
                    and (found.get("connections") or found.get(_SECRETS)):
                self.notes.append(
                    f"the fingerprint key ({self._key.source}) is not the one the state was written with (key id "
                    f"{found.get('key_id')}, now {self._key.key_id}): the last-applied credentials cannot be "
                    "compared, so each connection's credential (and each webhook approver's secret) is set again")
                found = {**found, "connections": {}, _SECRETS: {}}
            self._doc = found if found is not None else _empty_document()
        return self._doc

    def _mutable(self) -> dict[str, Any]:
        doc = self._load()
        doc.setdefault("connections", {})
        doc.setdefault(_SECRETS, {})
        doc.setdefault("managed", [])
        return doc

    def _doc_set(self, name: str, value: Any) -> None:
        self._mutable()[name] = value
        self._dirty = True


def _empty_document() -> dict[str, Any]:
    return {"format": STATE_FORMAT, "lineage": str(uuid.uuid4()), "serial": 0, "connections": {}, _SECRETS: {},
            "managed": []}


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


def desired_secret_fingerprints(desired: DesiredState, backend: Backend,
                                book: FingerprintBook) -> dict[Address, tuple[str | None, ...]]:
    """Per desired approval policy whose secrets were read, the fingerprint of each approver's webhook secret (None
    where none is declared), comparable with what the live side reports."""
    use_backend = backend.capabilities.credential_fingerprints
    out: dict[Address, tuple[str | None, ...]] = {}
    for policy in desired.approval_policies:
        if not policy.webhook_secrets:
            continue
        fps: list[str | None] = []
        for secret in policy.webhook_secrets:
            fp = backend.webhook_secret_fingerprint(secret) if use_backend and secret is not None else None
            fps.append(fp or (book.secret_fingerprint(secret) if secret is not None else None))
        out[Address(policy.workspace, ObjectKind.APPROVAL_POLICY, policy.name)] = tuple(fps)
    return out
