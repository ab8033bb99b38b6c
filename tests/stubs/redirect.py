"""A provider that answers every request with a redirect: ``stub.status`` (302 unless set) to ``stub.location``."""

from __future__ import annotations

from starlette.responses import Response

from tests.stubs.base import ProviderStub, RecordedRequest

# The target holds a token in its path and query: no error may quote either.
LOCATION = "https://login.elsewhere.example:8443/sso/tok-in-path-123?session=tok-in-query-456"


class RedirectStub(ProviderStub):
    name = "redirect"
    token = None

    def seed(self) -> None:
        self.status = 302
        self.location = LOCATION

    def handle(self, request: RecordedRequest) -> Response:
        return Response(b"", status_code=self.status, headers={"Location": self.location})
