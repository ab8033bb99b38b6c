"""What the Microsoft 365 integration tests share, over :mod:`tests.integrations.provider_suite`: fixtures of a Graph
stub and an engine whose alias points at it (``provider_fixtures``), a Graph failure naming its status and code, and a
token Graph refuses."""

from __future__ import annotations

from typing import Any

from tests.integrations.provider_suite import AliasedEngine, assert_provider_failure, refused_token_failure
from tests.stubs.graph import AUTH_MESSAGE, GRAPH_TOKEN, PREFIX, GraphStub
from weavz_flow.errors import ApiError


def assert_graph_failure(error: ApiError, status: int, code: str, message: str) -> None:
    details = assert_provider_failure(error, status, message, GRAPH_TOKEN)
    assert details["providerCode"] == code and details["requestId"] == "stub-request-7"


def assert_refused_token(graph: AliasedEngine, stub: GraphStub, action: str, input: dict[str, Any]) -> None:
    """A token Graph refuses: 401 InvalidAuthenticationToken as ACTION_FAILED, the token nowhere in the error."""
    details = refused_token_failure(graph, stub.url + PREFIX, action, input, AUTH_MESSAGE)
    assert details["providerCode"] == "InvalidAuthenticationToken"
