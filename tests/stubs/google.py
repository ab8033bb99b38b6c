"""What the Google API stubs share: Google's error body ``{"error": {"code", "message", "status"}}`` (a wrong token is
401 UNAUTHENTICATED), and pages of a list by ``pageSize``/``maxResults`` and ``pageToken``, answering
``nextPageToken`` except on the last page (here the token is the offset of the next page)."""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse, Response

from tests.stubs.base import ProviderStub, RecordedRequest

GOOGLE_TOKEN = "ya29.stub-access-token-0123456789"

STATUS = {400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED", 404: "NOT_FOUND",
          429: "RESOURCE_EXHAUSTED", 500: "INTERNAL", 503: "UNAVAILABLE"}
AUTH_MESSAGE = "Request had invalid authentication credentials. Expected OAuth 2 access token."


def google_error(status: int, message: str) -> Response:
    return JSONResponse({"error": {"code": status, "message": message, "status": STATUS.get(status, "UNKNOWN")}},
                        status_code=status)


def not_found() -> Response:
    return google_error(404, "Requested entity was not found.")


class GoogleStub(ProviderStub):
    """A Google API: its token, error bodies and paging; ``page_size`` (when set) caps every page."""

    token = GOOGLE_TOKEN
    page_size: int | None = None

    def error_body(self, status: int, message: str) -> Any:
        return {"error": {"code": status, "message": message, "status": STATUS.get(status, "UNKNOWN")}}

    def auth_error(self) -> Response:
        return google_error(401, AUTH_MESSAGE)

    def paged(self, request: RecordedRequest, items: list[Any], key: str, size_param: str,
              default_size: int = 100, **extra: Any) -> Response:
        size = int(request.query.get(size_param, str(default_size)))
        size = min(size, self.page_size) if self.page_size else size
        start = int(request.query.get("pageToken", "0"))
        body: dict[str, Any] = {**extra, key: items[start: start + size]}
        if start + size < len(items):
            body["nextPageToken"] = str(start + size)
        return JSONResponse(body)
