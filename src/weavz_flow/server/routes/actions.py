"""``POST /api/v1/actions/execute`` (weavz-api.md §2.1): the one call everything else exists for."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import TypeAdapter, ValidationError
from starlette.datastructures import Headers

from weavz_flow.engine.caller import Caller
from weavz_flow.engine.config_cache import one_config_version
from weavz_flow.engine.execute_values import ExecuteRequest as EngineExecuteRequest
from weavz_flow.engine.gates.pending import ApprovalRequiredError
from weavz_flow.errors import ApiError, ErrorCode
from weavz_flow.server.deps import SECURITY_OPENAPI, request_caller
from weavz_flow.server.errors import error_responses
from weavz_flow.server.execute_lanes import ExecuteLanes
from weavz_flow.server.json_body import read_body
from weavz_flow.server.routes.approvals import with_urls
from weavz_flow.wire.actions import (
    IDEMPOTENCY_HEADER,
    IDEMPOTENCY_HEADER_DESCRIPTION,
    PROVIDER_RETRIES_HEADER,
    PROVIDER_RETRIES_HEADER_DESCRIPTION,
    REDACT_HEADER,
    REDACT_HEADER_DESCRIPTION,
    SOURCE_HEADER,
    ExecuteRequest,
    ExecuteResult,
    RedactHeaderError,
    decode_redactions,
)
from weavz_flow.wire.approvals import ApprovalRequired, PendingApproval
from weavz_flow.wire.base import IdempotencyKey
from weavz_flow.wire.vocabulary import ExecuteSource

_ROUTER: dict[str, Any] = {"prefix": "/api/v1/actions", "tags": ["actions"],
                           "responses": error_responses(400, 401, 403, 404)}
router = APIRouter(**_ROUTER)
# What OpenAPI shows for ``router``: the same operations, declared with the body they read themselves (see
# weavz_flow.server.json_body); never served. app.py builds the document with it in the place of ``router``.
documentation = APIRouter(**_ROUTER)

# The hot path reads its headers itself instead of declaring them as parameters (FastAPI's parameter and dependency
# solving cost more than the rest of the route); OpenAPI still documents them, from this one list.
_HEADERS: tuple[tuple[str, str], ...] = (
    (REDACT_HEADER, REDACT_HEADER_DESCRIPTION),
    (PROVIDER_RETRIES_HEADER, PROVIDER_RETRIES_HEADER_DESCRIPTION),
    (IDEMPOTENCY_HEADER, IDEMPOTENCY_HEADER_DESCRIPTION),
    # The official SDK sends "sdk" (weavz-sdk-wire.md §1.1); any other value, or none, is a plain REST call: a REST
    # client cannot record itself as a flow or an MCP tool.
    (SOURCE_HEADER, 'Optional: "sdk" from the official SDK; recorded.'),
)
_IDEMPOTENCY_KEY: TypeAdapter[str] = TypeAdapter(IdempotencyKey)
_OPENAPI: dict[str, Any] = {
    "parameters": [{"name": name, "in": "header", "required": False, "description": description,
                    "schema": {"type": "string"}} for name, description in _HEADERS],
    "security": SECURITY_OPENAPI,
}


_EXECUTE: dict[str, Any] = {"path": "/execute", "name": "execute_action", "response_model": ExecuteResult,
                             "openapi_extra": _OPENAPI, "responses": {202: {
    "model": ApprovalRequired,
    "description": "An approval policy paused the call: retry it with approval.retry.idempotencyKey once approved"}}}


@router.post(**_EXECUTE)
async def execute_action(http: Request) -> Response:
    body = await read_body(http, ExecuteRequest)
    # Authentication (which may read the store) and the execute run in one worker-thread hop, on the thread its
    # integration's lane gives (server/execute_lanes.py).
    lanes: ExecuteLanes = http.app.state.lanes
    return await lanes.run(body.integration_name, _execute, http, body)


@documentation.post(**_EXECUTE)
async def _documented_execute_action(http: Request, body: ExecuteRequest) -> Response:
    raise AssertionError("documentation only: execute_action serves this operation")


def _execute(http: Request, body: ExecuteRequest) -> Response:
    engine = http.app.state.engine
    try:
        with one_config_version(engine.store):
            caller = request_caller(http)
            request = _with_headers(body.to_engine(EngineExecuteRequest), http.headers)
            result = engine.execute(request, caller)
    except ApprovalRequiredError as pending:
        paused = approval_required(http, caller, pending)
        return JSONResponse(status_code=202, content=paused.model_dump(mode="json", exclude_none=True))
    answer = ExecuteResult(success=True, output=result.output, duration=result.duration_ms)
    return Response(answer.model_dump_json(by_alias=True), media_type="application/json")


def _with_headers(request: EngineExecuteRequest, headers: Headers) -> EngineExecuteRequest:
    """The request as the headers amend it: the idempotency key, the SDK source, redactions, provider retries."""
    changes: dict[str, Any] = {}
    header_key = headers.get(IDEMPOTENCY_HEADER)
    if header_key is not None:
        try:
            idempotency_key = _IDEMPOTENCY_KEY.validate_python(header_key)
        except ValidationError as exc:
            raise RequestValidationError([{**err, "loc": ("header", IDEMPOTENCY_HEADER)}
                                          for err in exc.errors(include_input=False)]) from None
        if request.idempotency_key is not None and request.idempotency_key != idempotency_key:
            message = (f"The {IDEMPOTENCY_HEADER} header and the body's idempotencyKey differ; give one, or the "
                       "same value in both")
            raise ApiError(ErrorCode.VALIDATION_ERROR, message, details={"fields": [
                {"field": IDEMPOTENCY_HEADER, "message": message}, {"field": "idempotencyKey", "message": message}]})
        changes["idempotency_key"] = idempotency_key
    source = headers.get(SOURCE_HEADER)
    if source is not None and source.strip().lower() == ExecuteSource.SDK:
        changes["source"] = ExecuteSource.SDK
    try:
        values = decode_redactions(headers.get(REDACT_HEADER))
    except RedactHeaderError as exc:
        raise ApiError(ErrorCode.VALIDATION_ERROR, str(exc), details={"header": REDACT_HEADER}) from None
    if values:
        changes["redact"] = values
    retries = headers.get(PROVIDER_RETRIES_HEADER)
    if retries is not None and retries.strip() == "0":
        changes["provider_retries"] = False
    return request.model_copy(update=changes) if changes else request


def approval_required(http: Request, caller: Caller, pending: ApprovalRequiredError) -> ApprovalRequired:
    """The 202 body (weavz-sdk-wire.md §2.5); ``caller`` made the request, so it is shown the hosted link."""
    approval = with_urls(http, caller, pending.approval, requester=True)
    return ApprovalRequired(approval=PendingApproval.of_approval(approval, pending.idempotency_key))
