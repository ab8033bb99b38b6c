"""Store-local actions run in a lane of their own (server/execute_lanes.py): in order, on at most the lane's threads,
and never behind a provider call that waits, nor a provider call behind them. Over a real server: a Slack call held
open by its stub does not hold up kv-store calls, and both answer as before."""

from __future__ import annotations

import ast
import contextvars
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import anyio.to_thread
import httpx
import pytest
from starlette.responses import Response

from tests.server.accounts import Account, unique
from tests.server.mcp_client import run_async
from tests.stubs.base import RecordedRequest, running
from tests.stubs.slack import SlackStub
from weavz_flow.errors import WeavzFlowError
from weavz_flow.integrations import registry
from weavz_flow.server.execute_lanes import ExecuteLanes, default_store_local_threads
from weavz_flow.server.settings import STORE_LOCAL_THREADS_ENV, ServerSettings


class _Overlap:
    """Counts how many calls run at once."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.now = 0
        self.most = 0

    def call(self, seconds: float) -> str:
        with self._lock:
            self.now += 1
            self.most = max(self.most, self.now)
        time.sleep(seconds)
        with self._lock:
            self.now -= 1
        return threading.current_thread().name


def _run_many(lanes: ExecuteLanes, integration: str, calls: int, overlap: _Overlap) -> list[str]:
    async def main() -> list[str]:
        names: list[str] = []

        async def one() -> None:
            names.append(await lanes.run(integration, overlap.call, 0.05))

        async with anyio.create_task_group() as tasks:
            for _ in range(calls):
                tasks.start_soon(one)
        return names

    return run_async(main)


@pytest.mark.parametrize("threads", [1, 3])
def test_store_local_calls_run_on_at_most_the_lanes_threads(threads: int) -> None:
    overlap = _Overlap()
    names = _run_many(ExecuteLanes(threads), "kv-store", 8, overlap)
    assert len(names) == 8
    assert overlap.most == threads


def test_other_calls_are_not_limited_by_the_lane() -> None:
    overlap = _Overlap()
    _run_many(ExecuteLanes(1), "slack", 6, overlap)
    assert overlap.most == 6  # the thread pool's 40 threads, not the lane's one


def test_a_provider_call_does_not_wait_for_a_busy_lane() -> None:
    lanes = ExecuteLanes(1)
    release = threading.Event()

    async def main() -> str:
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(lanes.run, "kv-store", release.wait, 30)  # holds the lane's one thread
            await anyio.sleep(0.05)
            with anyio.fail_after(10):
                answer = await lanes.run("slack", lambda: "sent")
            release.set()
        return answer

    assert run_async(main) == "sent"


def test_the_call_runs_in_a_copy_of_the_callers_context() -> None:
    # A request's unit of work is a context variable: the call must see it to join it.
    var: contextvars.ContextVar[str] = contextvars.ContextVar("lane_test", default="unset")

    async def main() -> str:
        var.set("the request's")
        return await ExecuteLanes(1).run("kv-store", var.get)

    assert run_async(main) == "the request's"


def test_lane_size_comes_from_the_store_or_the_environment() -> None:
    assert default_store_local_threads("sqlite") == 1
    assert default_store_local_threads("postgresql") == 2
    assert ServerSettings.from_env({}).store_local_threads is None
    assert ServerSettings.from_env({STORE_LOCAL_THREADS_ENV: "4"}).store_local_threads == 4
    for bad in ("0", "-1", "two"):
        with pytest.raises(WeavzFlowError, match=STORE_LOCAL_THREADS_ENV):
            ServerSettings.from_env({STORE_LOCAL_THREADS_ENV: bad})
    with pytest.raises(ValueError):
        ExecuteLanes(0)


# Modules whose import means a network client: an integration that imports one is not store-local. The base module
# (imported by every integration) holds the action context's HTTP client, so a module that uses ``.http`` is not
# either.
_NETWORK = ("httpx", "urllib.request", "socket", "http.client", "requests", "weavz_flow.integrations.provider_http",
            "weavz_flow.integrations.provider", "weavz_flow.integrations.provider_host")
_BASE = "weavz_flow.integrations.base"


def _sources(module: str, seen: set[str]) -> Iterator[tuple[str, ast.Module]]:
    """``module`` and the weavz_flow.integrations modules it imports, transitively, the base module aside."""
    if module in seen or module == _BASE:
        return
    seen.add(module)
    source = Path(registry.__file__).parents[1].joinpath(*module.split(".")[1:]).with_suffix(".py")
    if not source.exists():
        return
    tree = ast.parse(source.read_text(encoding="utf-8"))
    yield module, tree
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("weavz_flow.integrations."):
            yield from _sources(node.module, seen)


def _network_uses(tree: ast.Module) -> list[str]:
    found = []
    for node in ast.walk(tree):
        names = [alias.name for alias in node.names] if isinstance(node, ast.Import) else (
            [node.module] if isinstance(node, ast.ImportFrom) and node.module else [])
        found += [name for name in names if any(name == bad or name.startswith(bad + ".") for bad in _NETWORK)]
        if isinstance(node, ast.Attribute) and node.attr == "http":
            found.append(f"line {node.lineno}: .http")
    return found


@pytest.mark.parametrize("name", sorted(registry.STORE_LOCAL))
def test_a_store_local_integration_reaches_no_network(name: str) -> None:
    reached = {module: uses for module, tree in _sources(f"weavz_flow.integrations.{registry.MODULES[name]}", set())
               if (uses := _network_uses(tree))}
    assert reached == {}, f"{name} reaches the network ({reached}): it is not store-local (see registry.STORE_LOCAL)"


def test_the_network_check_sees_a_provider_integration() -> None:
    reached = [uses for _, tree in _sources("weavz_flow.integrations.rss_feed", set()) if (uses := _network_uses(tree))]
    assert reached


class _HeldSlack(SlackStub):
    """Holds every chat.postMessage until released."""

    def __init__(self) -> None:
        super().__init__()
        self.token = None
        self.arrived = threading.Event()
        self.release = threading.Event()

    async def ahandle(self, request: RecordedRequest) -> Response:
        if request.path.endswith("chat.postMessage"):
            self.arrived.set()
            await anyio.to_thread.run_sync(self.release.wait, 30)
        return self.handle(request)


@pytest.fixture
def held_slack() -> Iterator[_HeldSlack]:
    stub = _HeldSlack()
    with running(stub) as served:
        try:
            yield served
        finally:
            stub.release.set()


def _workspace(api: httpx.Client, slack: SlackStub) -> str:
    ws = api.post("/api/v1/workspaces", json={"name": "Lanes", "slug": unique("lanes")}).json()["workspace"]["id"]
    conn = api.post("/api/v1/connections", json={
        "type": "SECRET_TEXT", "externalId": unique("bot"), "displayName": "Bot", "integrationName": "slack",
        "workspaceId": ws, "secretText": "xoxb-lanes-0000", "baseUrl": slack.url}).json()["connection"]
    for body in ({"integrationName": "slack", "alias": "slack", "connectionStrategy": "fixed",
                  "connectionId": conn["id"]},
                 {"integrationName": "kv-store", "alias": "kv"}):
        made = api.post(f"/api/v1/workspaces/{ws}/integrations", json=body)
        assert made.status_code == 201, made.text
    return ws


def test_kv_calls_answer_while_a_provider_call_waits(account: Account, held_slack: _HeldSlack) -> None:
    with account.client() as api:
        ws = _workspace(api, held_slack)
    answers: dict[str, Any] = {}

    def send() -> None:
        with account.client() as api:
            answers["slack"] = api.post("/api/v1/actions/execute", timeout=60, json={
                "integrationName": "slack", "integrationAlias": "slack", "actionName": "send_channel_message",
                "workspaceId": ws, "input": {"channel": "C0GENERAL", "text": "held"}})

    sender = threading.Thread(target=send)
    sender.start()
    try:
        assert held_slack.arrived.wait(30), "the Slack call never reached its stub"
        with account.client() as api:
            for i in range(5):
                put = api.post("/api/v1/actions/execute", timeout=10, json={
                    "integrationName": "kv-store", "integrationAlias": "kv", "actionName": "put",
                    "workspaceId": ws, "input": {"key": f"k{i}", "value": i}})
                assert put.status_code == 200, put.text
            got = api.post("/api/v1/actions/execute", timeout=10, json={
                "integrationName": "kv-store", "integrationAlias": "kv", "actionName": "get",
                "workspaceId": ws, "input": {"key": "k4"}})
            assert got.status_code == 200, got.text
            assert got.json()["output"]["value"] == 4
        assert sender.is_alive(), "the Slack call should still be held by its stub"
    finally:
        held_slack.release.set()
        sender.join(60)
    assert answers["slack"].status_code == 200, answers["slack"].text
    assert answers["slack"].json()["success"] is True
