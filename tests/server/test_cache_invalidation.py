"""What each serve process caches (authenticated API keys, resolved configuration with its partials) follows every
change made through any other process at once: two real ``weavz-flow serve`` processes on one store (a SQLite file,
and PostgreSQL), a change made through the first, the very next call through the second.

Why it holds: every write that changes a key's rights or the configuration bumps the store's config version
(database triggers, revisions 0003, 0020, 0026) and every request reads that version once before it uses a cached
entry, so no entry older than the last committed change is ever used.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.server.test_serve_command import _free_port, _wait_healthy

SERVICE_KEY = "svc-cache-invalidation-test-key"


@contextmanager
def serve(database_url: str, work: Path, name: str) -> Iterator[str]:
    port = _free_port()
    env = {**os.environ, "WEAVZ_FLOW_SERVICE_KEY": SERVICE_KEY, "WEAVZ_FLOW_SECRET_KEY": "cache-invalidation-key-0123"}
    (work / name).mkdir()
    process = subprocess.Popen(
        [sys.executable, "-m", "weavz_flow", "serve", "--port", str(port), "--database-url", database_url],
        cwd=work / name, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, process)
        yield url
    finally:
        process.terminate()
        process.communicate(timeout=30)


@pytest.fixture
def two_servers(database_url: str, tmp_path: Path) -> Iterator[tuple[str, str]]:
    with serve(database_url, tmp_path, "a") as a, serve(database_url, tmp_path, "b") as b:
        yield a, b


def _org_with_kv_alias(url: str) -> tuple[str, str]:
    """(an org-wide key of a new organization, its workspace with the kv-store alias ``kv``), made through ``url``."""
    service = {"X-Service-Key": SERVICE_KEY}
    with httpx.Client(base_url=url, timeout=30) as http:
        org = http.post("/api/v1/orgs", json={"name": "cache-org"}, headers=service).json()["org"]["id"]
        key = http.post("/api/v1/api-keys", json={"name": "admin"}, headers={**service, "X-Org-ID": org})
        plain = key.json()["plainKey"]
        auth = {"Authorization": f"Bearer {plain}"}
        workspace = http.post("/api/v1/workspaces", json={"name": "cache-ws", "slug": f"cache-{org[:8]}"},
                              headers=auth).json()["workspace"]["id"]
        alias = http.post(f"/api/v1/workspaces/{workspace}/integrations", headers=auth, json={
            "integrationName": "kv-store", "alias": "kv"})
        assert alias.status_code == 201, alias.text
    return plain, workspace


def _put(url: str, key: str, workspace: str, value: object) -> httpx.Response:
    return httpx.post(f"{url}/api/v1/actions/execute", headers={"Authorization": f"Bearer {key}"}, timeout=30, json={
        "integrationName": "kv-store", "integrationAlias": "kv", "actionName": "put", "workspaceId": workspace,
        "input": {"key": "k", "value": value}})


def test_a_key_deleted_through_one_process_is_refused_by_the_other_at_its_next_request(
        two_servers: tuple[str, str]) -> None:
    a, b = two_servers
    admin, workspace = _org_with_kv_alias(a)
    with httpx.Client(base_url=a, timeout=30, headers={"Authorization": f"Bearer {admin}"}) as http:
        made = http.post("/api/v1/api-keys", json={"name": "short-lived"}).json()
    doomed, doomed_id = made["plainKey"], made["apiKey"]["id"]
    for _ in range(3):  # b has authenticated the key and holds it in its cache
        assert _put(b, doomed, workspace, 1).status_code == 200
    assert httpx.delete(f"{a}/api/v1/api-keys/{doomed_id}", headers={"Authorization": f"Bearer {admin}"},
                        timeout=30).status_code == 200
    refused = _put(b, doomed, workspace, 2)
    assert refused.status_code == 401, refused.text
    assert refused.json()["code"] == "UNAUTHORIZED"
    assert _put(b, admin, workspace, 3).status_code == 200  # the other key still works


def test_a_key_narrowed_to_other_workspaces_is_refused_there_at_once(two_servers: tuple[str, str]) -> None:
    a, b = two_servers
    admin, workspace = _org_with_kv_alias(a)
    with httpx.Client(base_url=a, timeout=30, headers={"Authorization": f"Bearer {admin}"}) as http:
        scoped = http.post("/api/v1/api-keys", json={
            "name": "scoped", "permissions": {"scope": "workspace", "workspaceIds": [workspace]}}).json()["plainKey"]
    assert _put(b, scoped, workspace, 1).status_code == 200
    # The workspace goes away through a: the key's scope names nothing any more, and b must not serve it from cache.
    assert httpx.delete(f"{a}/api/v1/workspaces/{workspace}", headers={"Authorization": f"Bearer {admin}"},
                        timeout=30).status_code == 200
    answer = _put(b, scoped, workspace, 2)
    assert answer.status_code in (403, 404), answer.text


def test_a_partial_changed_through_one_process_applies_to_the_next_execute_on_the_other(
        two_servers: tuple[str, str]) -> None:
    a, b = two_servers
    admin, workspace = _org_with_kv_alias(a)
    auth = {"Authorization": f"Bearer {admin}"}
    partial = httpx.post(f"{a}/api/v1/partials", headers=auth, timeout=30, json={
        "workspaceId": workspace, "integrationName": "kv-store", "integrationAlias": "kv", "actionName": "put",
        "name": "pinned", "values": {"value": "first"}, "enforcedKeys": ["value"], "isDefault": True})
    assert partial.status_code == 201, partial.text
    partial_id = partial.json()["partial"]["id"]
    for _ in range(3):  # b resolves the configuration once and serves it from its cache
        assert _put(b, admin, workspace, "caller").json()["output"]["value"] == "first"
    for n in range(5):  # each change, the very next call through b: never the value before it
        value = f"changed-{n}"
        changed = httpx.patch(f"{a}/api/v1/partials/{partial_id}", headers=auth, timeout=30,
                              json={"values": {"value": value}})
        assert changed.status_code == 200, changed.text
        assert _put(b, admin, workspace, "caller").json()["output"]["value"] == value
    # Enforcement lifted through a: b lets the caller's value through at once.
    lifted = httpx.patch(f"{a}/api/v1/partials/{partial_id}", headers=auth, timeout=30, json={"enforcedKeys": []})
    assert lifted.status_code == 200, lifted.text
    assert _put(b, admin, workspace, "caller").json()["output"]["value"] == "caller"
    # And enforced again: never a stale "not enforced" answer.
    again = httpx.patch(f"{a}/api/v1/partials/{partial_id}", headers=auth, timeout=30,
                        json={"values": {"value": "locked"}, "enforcedKeys": ["value"]})
    assert again.status_code == 200, again.text
    assert _put(b, admin, workspace, "caller").json()["output"]["value"] == "locked"
