"""The ``Idempotency-Key`` header on ``POST /api/v1/actions/execute`` counts as the body's ``idempotencyKey`` (issue 15,
Build 4): a retry with it runs once; header and body must agree; the body field's length limit holds for it too.
``kv-store.add_to_list`` shows how often an execute really ran (the list grows by one per run)."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from weavz_sdk import WeavzClient

from tests.server.accounts import Account, unique
from weavz_flow.wire.vocabulary import IDEMPOTENCY_KEY_MAX


@pytest.fixture
def ws(api: httpx.Client) -> str:
    created = api.post("/api/v1/workspaces", json={"name": "Idem", "slug": unique("idem")})
    assert created.status_code == 201, created.text
    return str(created.json()["workspace"]["id"])


def _append(api: httpx.Client, ws: str, key: str, value: str, *, header: str | None = None,
            body_key: str | None = None) -> httpx.Response:
    body: dict[str, Any] = {"integrationName": "kv-store", "actionName": "add_to_list", "workspaceId": ws,
                            "input": {"key": key, "value": value}}
    if body_key is not None:
        body["idempotencyKey"] = body_key
    return api.post("/api/v1/actions/execute", json=body, headers={"Idempotency-Key": header} if header else {})


def _list(api: httpx.Client, ws: str, key: str) -> Any:
    got = api.post("/api/v1/actions/execute", json={"integrationName": "kv-store", "actionName": "get",
                                                     "workspaceId": ws, "input": {"key": key}})
    assert got.status_code == 200, got.text
    return got.json()["output"]["value"]


def test_the_header_makes_a_retry_run_once(api: httpx.Client, ws: str) -> None:
    key, idem = unique("list"), uuid.uuid4().hex
    first = _append(api, ws, key, "a", header=idem)
    again = _append(api, ws, key, "a", header=idem)
    assert first.status_code == again.status_code == 200, (first.text, again.text)
    assert again.json()["output"] == first.json()["output"] == {"key": key, "value": ["a"]}
    assert _list(api, ws, key) == ["a"]
    # The header and the body field are one key: a retry that moves it from one to the other still runs once.
    assert _append(api, ws, key, "a", body_key=idem).json()["output"] == {"key": key, "value": ["a"]}
    assert _append(api, ws, key, "a", header=idem, body_key=idem).status_code == 200
    assert _list(api, ws, key) == ["a"]
    # Bound to the request like the body field: the same key with another input is refused.
    other = _append(api, ws, key, "b", header=idem)
    assert other.status_code == 409 and other.json()["details"]["reason"] == "different_request", other.text
    assert _list(api, ws, key) == ["a"]


def test_header_and_body_that_differ_are_refused(api: httpx.Client, ws: str) -> None:
    key = unique("list")
    refused = _append(api, ws, key, "a", header="key-one", body_key="key-two")
    assert refused.status_code == 400, refused.text
    body = refused.json()
    assert body["code"] == "VALIDATION_ERROR"
    assert "Idempotency-Key" in body["error"] and "idempotencyKey" in body["error"]
    assert [f["field"] for f in body["details"]["fields"]] == ["Idempotency-Key", "idempotencyKey"]
    assert _list(api, ws, key) is None  # nothing ran


def test_the_length_limit_holds_for_the_header(api: httpx.Client, ws: str) -> None:
    key = unique("list")
    too_long = _append(api, ws, key, "a", header="k" * (IDEMPOTENCY_KEY_MAX + 1))
    assert too_long.status_code == 400 and too_long.json()["code"] == "VALIDATION_ERROR", too_long.text
    assert too_long.json()["details"]["fields"][0]["field"] == "Idempotency-Key"
    assert _append(api, ws, key, "a", header="k" * IDEMPOTENCY_KEY_MAX).status_code == 200
    assert _list(api, ws, key) == ["a"]


def test_the_sdk_body_field_still_works(account: Account, api: httpx.Client, ws: str) -> None:
    """The SDK sends only the body field (weavz-sdk-wire.md §2.5); a header-only client and it share one ledger."""
    key, idem = unique("list"), uuid.uuid4().hex
    assert _append(api, ws, key, "a", header=idem).status_code == 200
    with WeavzClient(account.api_key, base_url=account.url, max_retries=0) as sdk:
        replay = sdk.actions.execute("kv-store", "add_to_list", workspace_id=ws, input={"key": key, "value": "a"},
                                     idempotency_key=idem)
    assert replay["output"] == {"key": key, "value": ["a"]}
    assert _list(api, ws, key) == ["a"]
