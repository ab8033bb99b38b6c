"""Credentials are encrypted at rest with a key from the environment or a 0600 key file made on first use."""

from __future__ import annotations

import stat
import uuid
from pathlib import Path

import pytest

from tests.engine.echo_integration import ECHO, NATIVES, small_catalog
from weavz_flow.engine.caller import Caller
from weavz_flow.engine.credential_cipher import SECRET_KEY_ENV, CredentialCipher, load_or_create_key_file
from weavz_flow.engine.engine import Engine
from weavz_flow.engine.inputs import ConnectionCreate, CredentialInput
from weavz_flow.engine.store import Store
from weavz_flow.errors import ApiError, ErrorCode


def test_the_database_file_never_holds_the_secret_in_clear(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(SECRET_KEY_ENV, raising=False)
    canary = f"CANARY-{uuid.uuid4().hex}"
    db = tmp_path / "state.db"
    with Engine(Store.sqlite(db), catalog=small_catalog(), natives=NATIVES) as engine:
        org = engine.orgs.create("acme")
        engine.connections.create(Caller.system(org.id), ConnectionCreate(
            type="CUSTOM_AUTH", external_id="c", display_name="C", integration_name=ECHO,
            props={"token": canary, "region": "eu"}))
        engine.connections.create(Caller.system(org.id), ConnectionCreate(
            type="BASIC_AUTH", external_id="b", display_name="B", integration_name=ECHO,
            username="bob", password=canary + "-pw"))
    key_file = tmp_path / "secret.key"
    assert key_file.exists()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    for path in tmp_path.iterdir():  # the database, its WAL and shared-memory files
        if path.name.startswith("state.db"):
            assert canary.encode() not in path.read_bytes(), path.name


def test_the_key_file_is_reused_and_a_different_key_cannot_decrypt(tmp_path: Path) -> None:
    key_path = tmp_path / "k" / "secret.key"
    first = load_or_create_key_file(key_path)
    assert load_or_create_key_file(key_path) == first
    blob = CredentialCipher(first).encrypt({"type": "SECRET_TEXT", "secretText": "s3cret-value"})
    assert CredentialCipher(first).decrypt(blob)["secretText"] == "s3cret-value"
    with pytest.raises(ApiError) as caught:
        CredentialCipher(b"another key of enough length").decrypt(blob)
    assert caught.value.code == ErrorCode.INTERNAL_ERROR
    assert "s3cret-value" not in str(caught.value)


def test_the_environment_key_wins_over_the_key_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SECRET_KEY_ENV, "an environment key, long enough")
    env_cipher = CredentialCipher.from_environment(tmp_path / "secret.key")
    assert not (tmp_path / "secret.key").exists()
    same = CredentialCipher(b"an environment key, long enough")
    assert same.decrypt(env_cipher.encrypt({"a": "b"})) == {"a": "b"}


def test_fingerprints_tell_credentials_apart_without_revealing_them() -> None:
    cipher = CredentialCipher(b"k" * 32)
    one = CredentialInput(secret_text="token-one")
    two = CredentialInput(secret_text="token-two")
    fp1 = cipher.fingerprint(one.credential("SECRET_TEXT"))
    assert fp1 == cipher.fingerprint(CredentialInput(secret_text="token-one").credential("SECRET_TEXT"))
    assert fp1 != cipher.fingerprint(two.credential("SECRET_TEXT"))
    # Keyed: another store's key gives another fingerprint for the same secret.
    assert fp1 != CredentialCipher(b"j" * 32).fingerprint(one.credential("SECRET_TEXT"))
    assert "token-one" not in repr(one) and "token-one" not in repr(cipher)


def test_the_connection_fingerprint_matches_what_plan_computes(engine: Engine) -> None:
    org = engine.orgs.create("acme")
    created = engine.connections.create(Caller.system(org.id), ConnectionCreate(
        type="SECRET_TEXT", external_id="c", display_name="C", integration_name=ECHO, secret_text="xoxb-1"))
    assert created.credential_fingerprint == engine.connections.fingerprint(
        "SECRET_TEXT", CredentialInput(secret_text="xoxb-1"))
    assert created.credential_fingerprint != engine.connections.fingerprint(
        "SECRET_TEXT", CredentialInput(secret_text="xoxb-2"))
