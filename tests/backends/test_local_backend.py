"""The local backend over a real engine in a SQLite file: CRUD by natural key, execute, preview, lock."""

from __future__ import annotations

import pytest

from tests.config.small_catalog import small_catalog
from weavz_flow.backends.errors import LockHeldError
from weavz_flow.backends.execution import ExecuteCall, OutcomeStatus
from weavz_flow.backends.local import LocalBackend
from weavz_flow.backends.specs import AliasSpec, PartialSpec, WorkspaceSpec
from weavz_flow.errors import ApiError


@pytest.fixture
def backend(tmp_path, monkeypatch):
    monkeypatch.setenv("WEAVZ_FLOW_SECRET_KEY", "test-secret-key-0123456789")
    monkeypatch.delenv("WEAVZ_FLOW_DATABASE_URL", raising=False)
    b = LocalBackend(tmp_path / ".weavz-flow", catalog=small_catalog())
    yield b
    b.close()


def test_duplicate_create_is_a_409(backend):
    backend.create_workspace(WorkspaceSpec("acme", "ACME"))
    with pytest.raises(ApiError) as info:
        backend.create_workspace(WorkspaceSpec("acme", "ACME again"))
    assert info.value.status == 409


def test_execute_and_preview_through_kv_store(backend):
    ws = backend.create_workspace(WorkspaceSpec("acme", "ACME"))
    alias = backend.create_alias(AliasSpec(ws.id, "kv", "kv-store", "per_user",
                                           settings={"persistence": {"scope": "workspace"}}))
    backend.create_partial(PartialSpec(ws.id, "kv", "kv-store", "pin-key", alias.id, "put", values={"key": "k1"},
                                       enforced_keys=("key",), is_default=True))
    call = ExecuteCall("acme", "kv-store", "put", {"key": "other", "value": "v1"}, alias="kv")
    preview = backend.preview(call)
    assert preview.final_input["key"] == "k1" and preview.enforced_keys == ("key",)
    assert [(p.name, p.reason) for p in preview.partials] == [("pin-key", "default")]
    assert preview.connection_external_id is None
    outcome = backend.execute(call)
    assert outcome.status is OutcomeStatus.SUCCEEDED
    got = backend.execute(ExecuteCall("acme", "kv-store", "get", {"key": "k1"}, alias="kv"))
    assert "v1" in str(got.output)


def test_second_lock_waits_then_refuses(backend, tmp_path):
    other = LocalBackend(tmp_path / ".weavz-flow", catalog=small_catalog())
    try:
        with backend.lock(), pytest.raises(LockHeldError, match="another apply is running"), other.lock(timeout_s=0.2):
            pass
        with other.lock(timeout_s=0):  # released: free again
            pass
    finally:
        other.close()
