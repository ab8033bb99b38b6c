"""storage.get_download_url over the live server: the link it hands out downloads the file with no credentials, as
an attachment with its content type; a bad link and a path emptied since are one 404 Weavz error."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from tests.server.accounts import Account, unique

PNG = bytes.fromhex("89504e470d0a1a0a") + bytes(range(64))


@pytest.fixture
def files(account: Account) -> Iterator[tuple[httpx.Client, str]]:
    with account.client() as api:
        ws = api.post("/api/v1/workspaces", json={"name": "Files", "slug": unique("files")}).json()["workspace"]
        made = api.post(f"/api/v1/workspaces/{ws['id']}/integrations", json={
            "integrationName": "storage", "settings": {"persistence": {"scope": "workspace"}}})
        assert made.status_code == 201, made.text
        yield api, ws["id"]


def run(api: httpx.Client, ws: str, action: str, data: dict[str, Any]) -> Any:
    answer = api.post("/api/v1/actions/execute", json={"workspaceId": ws, "integrationName": "storage",
                                                       "actionName": action, "input": data})
    assert answer.status_code == 200, answer.text
    return answer.json()["output"]


def on_server(account: Account, link: str) -> str:
    """The link on the server under test: the engine names serve's default address (no WEAVZ_FLOW_PUBLIC_URL in
    tests), and this server listens on a port of its own."""
    parts = urlsplit(link)
    return f"{account.url}{parts.path}?{parts.query}"


def test_the_link_downloads_the_file_without_credentials(account: Account, files: tuple[httpx.Client, str]) -> None:
    api, ws = files
    run(api, ws, "write_file", {"path": "img/logo.png", "content": base64.b64encode(PNG).decode(),
                                "contentEncoding": "base64", "contentType": "image/png"})
    link = run(api, ws, "get_download_url", {"path": "img/logo.png", "expiresInSeconds": 120})["url"]
    with httpx.Client(timeout=30) as anonymous:
        got = anonymous.get(on_server(account, link))
        assert got.status_code == 200 and got.content == PNG
        assert got.headers["content-type"] == "image/png"
        assert got.headers["content-disposition"] == "attachment; filename*=UTF-8''logo.png"
        assert got.headers["x-content-type-options"] == "nosniff"
        assert got.headers["content-security-policy"] == "sandbox"

        run(api, ws, "delete_file", {"path": "img/logo.png"})
        gone = anonymous.get(on_server(account, link))
        assert gone.status_code == 404 and gone.json()["code"] == "NOT_FOUND"


def test_a_bad_token_is_a_404_and_none_a_validation_error(account: Account) -> None:
    with httpx.Client(base_url=account.url, timeout=30) as anonymous:
        bad = anonymous.get("/api/v1/files/download", params={"token": "gAAAAA-not-a-link"})
        assert bad.status_code == 404
        assert (bad.json()["code"], bad.json()["error"]) == ("NOT_FOUND", "This download link is not valid")
        missing = anonymous.get("/api/v1/files/download")
        assert missing.status_code == 400 and missing.json()["code"] == "VALIDATION_ERROR"
