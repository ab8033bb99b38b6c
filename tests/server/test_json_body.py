"""A route that reads its own body (server/json_body.py) answers every body as FastAPI's declared body would: the
same model when it is valid, the same 400 when it is not. Two routes over one model, one of each kind, on a real
server, get the same table of requests."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from fastapi import FastAPI, Request

from tests.server.live_server import serve_in_thread
from weavz_flow.server.errors import install_error_handlers
from weavz_flow.server.json_body import read_body
from weavz_flow.wire.actions import ExecuteRequest


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    app = FastAPI()
    install_error_handlers(app)

    @app.post("/declared")
    async def declared(body: ExecuteRequest) -> dict[str, object]:
        return body.model_dump(mode="json")

    @app.post("/read")
    async def read(http: Request) -> dict[str, object]:
        return (await read_body(http, ExecuteRequest)).model_dump(mode="json")

    with serve_in_thread(app) as url:
        yield url


VALID = b'{"integrationName": "kv-store", "actionName": "put", "workspaceId": "ws", "input": {"key": "k"}}'
JSON = {"content-type": "application/json"}

CASES: list[tuple[str, bytes, dict[str, str]]] = [
    ("valid", VALID, JSON),
    ("valid, charset", VALID, {"content-type": "application/json; charset=utf-8"}),
    ("valid, +json", VALID, {"content-type": "application/vnd.weavz+json"}),
    ("valid, no content type", VALID, {}),
    ("valid, text/plain", VALID, {"content-type": "text/plain"}),
    ("empty", b"", JSON),
    ("not JSON", b'{"integrationName": ', JSON),
    ("not UTF-8", b'{"integrationName": "\xff\xfe"}', JSON),
    ("an array", b"[1, 2]", JSON),
    ("null", b"null", JSON),
    ("a field missing", b'{"integrationName": "kv-store", "workspaceId": "ws"}', JSON),
    ("wrong types", b'{"integrationName": 5, "actionName": ["x"], "workspaceId": "ws", "input": "nope"}', JSON),
    ("an unknown field", VALID[:-1] + b', "surprise": true}', JSON),
    ("a number as text", VALID[:-1] + b', "partialIds": "p1"}', JSON),
]


@pytest.mark.parametrize(("body", "headers"), [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_a_self_read_body_is_answered_as_fastapi_answers_it(base_url: str, body: bytes,
                                                            headers: dict[str, str]) -> None:
    with httpx.Client(base_url=base_url) as http:
        declared = http.post("/declared", content=body, headers=headers)
        read = http.post("/read", content=body, headers=headers)
    assert (read.status_code, read.json()) == (declared.status_code, declared.json())


def test_the_table_covers_both_answers(base_url: str) -> None:
    with httpx.Client(base_url=base_url) as http:
        statuses = {http.post("/declared", content=body, headers=headers).status_code for _, body, headers in CASES}
    assert statuses == {200, 400}
