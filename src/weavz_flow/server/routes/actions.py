"""``POST /api/v1/actions/execute`` (weavz-api.md §2.1): the one call everything else exists for."""

from __future__ import annotations

from fastapi import APIRouter

from weavz_flow.engine.execute_values import ExecuteRequest as EngineExecuteRequest
from weavz_flow.server.deps import CallerDep, EngineDep
from weavz_flow.server.errors import error_responses
from weavz_flow.server.wire.actions import ExecuteRequest, ExecuteResult

router = APIRouter(prefix="/api/v1/actions", tags=["actions"], responses=error_responses(400, 401, 403, 404))


@router.post("/execute", response_model=ExecuteResult)
def execute_action(engine: EngineDep, caller: CallerDep, body: ExecuteRequest) -> ExecuteResult:
    result = engine.execute(body.to_engine(EngineExecuteRequest), caller)
    return ExecuteResult(success=True, output=result.output, duration=result.duration_ms)
