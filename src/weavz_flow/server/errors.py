"""One handler set that turns every failure into the Weavz error body ``{error, code, details}``.

The SDK reads ``code`` only from a JSON object whose ``error`` is a string (weavz-sdk-wire.md §1.4), so every error
path, including the framework's own 404/405 and request validation, answers in that shape. Unexpected exceptions are
logged with their traceback server-side and answered with a bare ``INTERNAL_ERROR``: no traceback, no message text
that could carry a secret.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import compile_path

from weavz_flow.errors import ApiError, ErrorCode

log = logging.getLogger("weavz_flow.server")

# Starlette answers these statuses itself; the Weavz enum has no code for a wrong method, so it gets its own.
METHOD_NOT_ALLOWED = "METHOD_NOT_ALLOWED"


class ErrorBody(BaseModel):
    """The error body of every non-2xx response."""

    model_config = ConfigDict(json_schema_extra={"example": {"error": "Workspace not found", "code": "NOT_FOUND"}})

    error: str
    code: str
    details: Any = None


def error_response(status: int, code: str, message: str, details: Any = None) -> JSONResponse:
    body: dict[str, Any] = {"error": message, "code": code}
    if details is not None:
        body["details"] = details
    return JSONResponse(body, status_code=status)


def _field_path(loc: tuple[Any, ...] | list[Any]) -> str:
    # FastAPI prefixes the location with its source ("body", "query", "path", "header"); the field is the rest.
    parts = [str(p) for p in loc]
    if len(parts) > 1 and parts[0] in {"body", "query", "path", "header", "cookie"}:
        parts = parts[1:]
    return ".".join(parts)


def _validation_details(exc: RequestValidationError) -> list[dict[str, Any]]:
    # Input values are left out on purpose: a rejected body may hold a credential.
    return [
        {"field": _field_path(err.get("loc", ())), "message": str(err.get("msg", "")), "type": str(err.get("type"))}
        for err in exc.errors()
    ]


async def _api_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return JSONResponse(exc.to_body(), status_code=exc.status, headers=exc.headers)


async def _request_validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = exc.errors()
    if any(err.get("type") == "json_invalid" for err in errors):
        return error_response(400, ErrorCode.INVALID_JSON, "Request body is not valid JSON")
    fields = _validation_details(exc)
    named = ", ".join(sorted({f["field"] for f in fields if f["field"]})) or "request"
    return error_response(400, ErrorCode.VALIDATION_ERROR, f"Invalid request: {named}", {"fields": fields})


async def _http_exception(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 404:
        return error_response(404, ErrorCode.NOT_FOUND, f"No route for {request.method} {request.url.path}")
    if exc.status_code == 405:
        allowed = _allowed_methods(request)
        response = error_response(405, METHOD_NOT_ALLOWED, f"Method {request.method} not allowed here",
                                  {"allowed": allowed})
        response.headers["Allow"] = ", ".join(allowed)
        return response
    code = {400: ErrorCode.VALIDATION_ERROR, 401: ErrorCode.UNAUTHORIZED, 403: ErrorCode.FORBIDDEN}.get(
        exc.status_code, ErrorCode.INTERNAL_ERROR if exc.status_code >= 500 else ErrorCode.VALIDATION_ERROR
    )
    return error_response(exc.status_code, code, str(exc.detail))


def _allowed_methods(request: Request) -> list[str]:
    """Every method some route accepts at this path (Starlette's own Allow names only the first route matching it).

    Read from the OpenAPI document, which lists each path's operations across all routes, once per app."""
    table: list[tuple[re.Pattern[str], set[str]]] | None = getattr(request.app.state, "allowed_methods", None)
    if table is None:
        table = []
        for path, operations in request.app.openapi().get("paths", {}).items():
            methods = {m.upper() for m in operations}
            table.append((compile_path(path)[0], methods | ({"HEAD"} if "GET" in methods else set())))
        request.app.state.allowed_methods = table
    allowed: set[str] = set()
    for pattern, methods in table:
        if pattern.match(request.url.path):
            allowed |= methods
    return sorted(allowed)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(500, ErrorCode.INTERNAL_ERROR, "Internal server error")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(RequestValidationError, _request_validation)
    app.add_exception_handler(StarletteHTTPException, _http_exception)
    app.add_exception_handler(Exception, _unexpected)


# For ``responses=`` on routes, so that the OpenAPI document shows the error body next to each documented status.
def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    descriptions = {
        400: "Invalid request (VALIDATION_ERROR, INVALID_JSON, ...)",
        401: "Missing, wrong, deleted or expired API key (UNAUTHORIZED)",
        403: "Key not allowed here (SCOPE_DENIED, FORBIDDEN)",
        404: "Not found",
        409: "Duplicate (DUPLICATE, ALIAS_CONFLICT)",
        429: "Too many failed authentications from this address (RATE_LIMITED, with Retry-After)",
        500: "Internal error (INTERNAL_ERROR)",
    }
    if 401 in statuses and 429 not in statuses:  # wherever a key is checked, refused guesses can reach the limit
        statuses = (*statuses, 429)
    return {s: {"model": ErrorBody, "description": descriptions.get(s, "Error")} for s in statuses}
