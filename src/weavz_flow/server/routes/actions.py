"""``POST /api/v1/actions/execute`` (weavz-api.md §2.1): the one call everything else exists for."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Request
from fastapi.responses import JSONResponse

from weavz_flow.engine.caller import Caller
from weavz_flow.engine.execute_values import ExecuteRequest as EngineExecuteRequest
from weavz_flow.engine.gates.pending import ApprovalRequiredError
from weavz_flow.errors import ApiError, ErrorCode
from weavz_flow.server.deps import CallerDep, EngineDep
from weavz_flow.server.errors import error_responses
from weavz_flow.server.routes.approvals import with_urls
from weavz_flow.wire.actions import (
    IDEMPOTENCY_HEADER,
    IDEMPOTENCY_HEADER_DESCRIPTION,
    PROVIDER_RETRIES_HEADER,
    PROVIDER_RETRIES_HEADER_DESCRIPTION,
    REDACT_HEADER,
    REDACT_HEADER_DESCRIPTION,
    ExecuteRequest,
    ExecuteResult,
    RedactHeaderError,
    decode_redactions,
)
from weavz_flow.wire.approvals import ApprovalRequired, PendingApproval
from weavz_flow.wire.base import IdempotencyKey
from weavz_flow.wire.vocabulary import ExecuteSource

router = APIRouter(prefix="/api/v1/actions", tags=["actions"], responses=error_responses(400, 401, 403, 404))

RedactHeader = Annotated[str | None, Header(alias=REDACT_HEADER, description=REDACT_HEADER_DESCRIPTION)]
IdempotencyHeader = Annotated[IdempotencyKey | None, Header(alias=IDEMPOTENCY_HEADER,
                                                           description=IDEMPOTENCY_HEADER_DESCRIPTION)]
RetriesHeader = Annotated[str | None, Header(alias=PROVIDER_RETRIES_HEADER,
                                             description=PROVIDER_RETRIES_HEADER_DESCRIPTION)]
# The official SDK sends "sdk" (weavz-sdk-wire.md §1.1); any other value, or none, is a plain REST call: a REST
# client cannot record itself as a flow or an MCP tool.
SourceHeader = Annotated[str | None, Header(alias="X-Weavz-Source",
                                            description='Optional: "sdk" from the official SDK; recorded.')]


@router.post("/execute", response_model=ExecuteResult, responses={202: {
    "model": ApprovalRequired,
    "description": "An approval policy paused the call: retry it with approval.retry.idempotencyKey once approved"}})
def execute_action(http: Request, engine: EngineDep, caller: CallerDep, body: ExecuteRequest,
                   redact: RedactHeader = None, retries: RetriesHeader = None,
                   idempotency_key: IdempotencyHeader = None,
                   source: SourceHeader = None) -> ExecuteResult | JSONResponse:
    request = body.to_engine(EngineExecuteRequest)
    if idempotency_key is not None:
        if request.idempotency_key is not None and request.idempotency_key != idempotency_key:
            message = (f"The {IDEMPOTENCY_HEADER} header and the body's idempotencyKey differ; give one, or the "
                       "same value in both")
            raise ApiError(ErrorCode.VALIDATION_ERROR, message, details={"fields": [
                {"field": IDEMPOTENCY_HEADER, "message": message}, {"field": "idempotencyKey", "message": message}]})
        request = request.model_copy(update={"idempotency_key": idempotency_key})
    if source is not None and source.strip().lower() == ExecuteSource.SDK:
        request = request.model_copy(update={"source": ExecuteSource.SDK})
    try:
        values = decode_redactions(redact)
    except RedactHeaderError as exc:
        raise ApiError(ErrorCode.VALIDATION_ERROR, str(exc), details={"header": REDACT_HEADER}) from None
    if values:
        request = request.model_copy(update={"redact": values})
    if retries is not None and retries.strip() == "0":
        request = request.model_copy(update={"provider_retries": False})
    try:
        result = engine.execute(request, caller)
    except ApprovalRequiredError as pending:
        paused = approval_required(http, caller, pending)
        return JSONResponse(status_code=202, content=paused.model_dump(mode="json", exclude_none=True))
    return ExecuteResult(success=True, output=result.output, duration=result.duration_ms)


def approval_required(http: Request, caller: Caller, pending: ApprovalRequiredError) -> ApprovalRequired:
    """The 202 body (weavz-sdk-wire.md §2.5); ``caller`` made the request, so it is shown the hosted link."""
    approval = with_urls(http, caller, pending.approval, requester=True)
    return ApprovalRequired(approval=PendingApproval.of_approval(approval, pending.idempotency_key))
