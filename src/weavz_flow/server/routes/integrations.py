"""The integration catalog (weavz-api.md §2.2). Public: the docs say it needs no auth; a valid key adds
``registered`` (the integrations the caller's organization has connections for)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from weavz_flow.engine.execute_values import ExecuteRequest
from weavz_flow.engine.naming import invalid
from weavz_flow.server.deps import CallerDep, EngineDep, OptionalCallerDep
from weavz_flow.server.errors import error_responses
from weavz_flow.wire.base import Ref
from weavz_flow.wire.integrations import (
    IntegrationEnvelope,
    IntegrationList,
    PropertyOption,
    PropertyOptions,
    PropertyOptionsRequest,
)

router = APIRouter(prefix="/api/v1/integrations", tags=["integrations"], responses=error_responses(400, 404))


@router.get("", response_model=IntegrationList | IntegrationEnvelope)
def list_integrations(
    engine: EngineDep,
    caller: OptionalCallerDep,
    name: Annotated[Ref | None, Query(description="Answer {integration} for this one name")] = None,
    summary: Annotated[bool, Query(description="Leave out actions (a lightweight list)")] = False,
) -> IntegrationList | IntegrationEnvelope:
    catalog = engine.catalog
    if name is not None:
        return _one(catalog.integration(name).metadata())
    registered = sorted({c.integration_name for c in engine.connections.list_all(caller)}) if caller else []
    items = [info.metadata(summary=summary) for info in sorted(catalog, key=lambda i: i.name)]
    return IntegrationList(integrations=items, total=len(items), registered=registered)


@router.get("/{name}", response_model=IntegrationEnvelope)
def get_integration(engine: EngineDep, name: str) -> IntegrationEnvelope:
    return _one(engine.catalog.integration(name).metadata())


@router.post("/{name}/properties/options", response_model=PropertyOptions, responses=error_responses(401, 403))
def property_options(engine: EngineDep, caller: CallerDep, name: str, body: PropertyOptionsRequest) -> PropertyOptions:
    """The choices the provider lists for one property of a native action, with the connection an execute of that
    action would use (alias, strategy, end user, partials)."""
    if body.action_name is None:
        raise invalid("actionName", "actionName is required: only actions have dynamic options here"
                      + (" (triggers do not)" if body.trigger_name is not None else ""))
    if body.workspace_id is None:
        raise invalid("workspaceId", "workspaceId is required: the connection is resolved as for an execute in "
                                     "that workspace")
    request = ExecuteRequest.model_validate({
        "integration_name": name, "action_name": body.action_name, "input": body.input,
        "workspace_id": body.workspace_id, "connection_external_id": body.connection_external_id,
        "workspace_integration_id": body.workspace_integration_id, "integration_alias": body.integration_alias,
        "end_user_id": body.end_user_id, "partial_ids": body.partial_ids})
    listed = engine.property_options(request, caller, body.property_name, body.search_value)
    return PropertyOptions(options=[PropertyOption(label=o.label, value=o.value) for o in listed.options],
                           disabled=listed.disabled)


def _one(metadata: dict[str, object]) -> IntegrationEnvelope:
    return IntegrationEnvelope(integration=metadata, integrations=[metadata], total=1)
