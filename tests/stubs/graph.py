"""What the Microsoft Graph stubs share: Graph's error body ``{"error": {"code", "message", "innerError"}}`` (a wrong
token is 401 ``InvalidAuthenticationToken``), and collections paged by ``$top`` with an absolute
``@odata.nextLink`` on the stub's own host carrying ``$skiptoken`` (here the offset of the next page) and the
request's other query parameters. Every route lives under ``/v1.0``."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from starlette.responses import JSONResponse, Response

from tests.stubs.base import ProviderStub, RecordedRequest

GRAPH_TOKEN = "EwB4A8l6BAAU.stub-graph-access-token-0123456789"
PREFIX = "/v1.0"
AUTH_MESSAGE = "Lifetime validation failed, the token is expired."

CODES = {400: "BadRequest", 401: "InvalidAuthenticationToken", 403: "Forbidden", 404: "itemNotFound",
         409: "nameAlreadyExists", 429: "TooManyRequests", 500: "InternalServerError", 503: "ServiceNotAvailable"}


def graph_error(status: int, message: str, code: str | None = None) -> Response:
    return JSONResponse(_error(status, message, code), status_code=status)


def _error(status: int, message: str, code: str | None = None) -> dict[str, Any]:
    return {"error": {"code": code or CODES.get(status, "generalException"), "message": message,
                      "innerError": {"date": "2026-12-03T09:00:00", "request-id": "stub-request-7"}}}


def not_found(what: str = "The resource could not be found.") -> Response:
    return graph_error(404, what)


class GraphStub(ProviderStub):
    """A Graph API: its token, error bodies and paging; ``page_size`` (when set) caps every page, as Graph's own
    server-side paging does."""

    token = GRAPH_TOKEN
    page_size: int | None = None

    def error_body(self, status: int, message: str) -> Any:
        return _error(status, message)

    def auth_error(self) -> Response:
        return graph_error(401, AUTH_MESSAGE)

    def handle(self, request: RecordedRequest) -> Response:
        if not request.path.startswith(PREFIX + "/"):
            return not_found()
        return self.route(request, request.path.removeprefix(PREFIX))

    def route(self, request: RecordedRequest, path: str) -> Response:
        raise NotImplementedError

    def paged(self, request: RecordedRequest, items: list[Any], **extra: Any) -> Response:
        size = int(request.query.get("$top", "10"))
        size = min(size, self.page_size) if self.page_size else size
        start = int(request.query.get("$skiptoken", "0"))
        body: dict[str, Any] = {**extra, "value": items[start: start + size]}
        if start + size < len(items):
            query = {**request.query, "$skiptoken": str(start + size)}
            body["@odata.nextLink"] = f"{self.url}{request.path}?{urlencode(query)}"
        return JSONResponse(body)
