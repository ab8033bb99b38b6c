"""Triggers (weavz-api.md §2.10; weavz-sdk-wire.md §2.8), their inbound webhooks, and event replay.

``/api/v1/webhooks/{token}`` (an API source's URL, as ``webhookUrl`` shows it) and ``/api/v1/webhooks/flows/{path}``
(a deployed flow's ``webhook:``) take no API key: the token, or the trigger's signature check, is the authority. A
refused request (401 ``WEBHOOK_SIGNATURE_INVALID``, 400) stores nothing; an accepted one answers 202 with the number
of new events (0 for an event id seen before). ``GET /api/v1/triggers/{id}/events`` (a source's events with their
delivery log) and ``POST /api/v1/triggers/events/{id}/replay`` are weavz-flow's own.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, status
from starlette.concurrency import run_in_threadpool

from weavz_flow.integrations.trigger_base import InboundRequest
from weavz_flow.server.deps import CallerDep, EngineDep
from weavz_flow.server.errors import error_responses
from weavz_flow.server.pages import Limit, Offset
from weavz_flow.wire.base import Ref
from weavz_flow.wire.triggers import (
    DisabledTrigger,
    DisableTriggerRequest,
    EnabledTrigger,
    EnableTriggerRequest,
    ReplayedEvent,
    TestTriggerRequest,
    TriggerEventList,
    TriggerSample,
    TriggerSourceList,
    WebhookReceived,
)

router = APIRouter(prefix="/api/v1/triggers", tags=["triggers"], responses=error_responses(400, 401, 403, 404))
webhooks = APIRouter(prefix="/api/v1/webhooks", tags=["triggers"], responses=error_responses(400, 401, 404))


@router.get("", response_model=TriggerSourceList)
def list_triggers(
    engine: EngineDep,
    caller: CallerDep,
    workspace_id: Annotated[Ref | None, Query(alias="workspaceId")] = None,
    limit: Limit = None,
    offset: Offset = None,
) -> TriggerSourceList:
    items, total = engine.triggers.list(caller, workspace_id, limit, offset)
    return TriggerSourceList(triggers=items, total=total)


@router.post("/enable", status_code=status.HTTP_201_CREATED, response_model=EnabledTrigger)
def enable_trigger(engine: EngineDep, caller: CallerDep, body: EnableTriggerRequest) -> EnabledTrigger:
    return EnabledTrigger(trigger_source=engine.triggers.enable(caller, body))


@router.post("/disable", response_model=DisabledTrigger)
def disable_trigger(engine: EngineDep, caller: CallerDep, body: DisableTriggerRequest) -> DisabledTrigger:
    engine.triggers.disable(caller, body.trigger_source_id)
    return DisabledTrigger(trigger_source_id=body.trigger_source_id)


@router.post("/test", response_model=TriggerSample)
def test_trigger(engine: EngineDep, caller: CallerDep, body: TestTriggerRequest) -> TriggerSample:
    return TriggerSample(sample_data=engine.triggers.sample(body.integration_name, body.trigger_name))


@router.get("/{trigger_source_id}/events", response_model=TriggerEventList)
def list_trigger_events(
    engine: EngineDep,
    caller: CallerDep,
    trigger_source_id: str,
    limit: Limit = None,
    offset: Offset = None,
) -> TriggerEventList:
    items, total = engine.triggers.events(caller, trigger_source_id, limit, offset)
    return TriggerEventList(events=items, total=total)


@router.post("/events/{event_id}/replay", response_model=ReplayedEvent)
def replay_event(engine: EngineDep, caller: CallerDep, event_id: str) -> ReplayedEvent:
    engine.triggers.replay(caller, event_id)
    return ReplayedEvent(event_id=event_id)


async def _inbound(request: Request) -> InboundRequest:
    return InboundRequest(
        method=request.method, headers={k.lower(): v for k, v in request.headers.items()},
        query=dict(request.query_params), body=await request.body(),
        content_type=request.headers.get("content-type"))


# Declared before the token route: "flows" is never a token (a token holds a dot).
@webhooks.post("/flows/{path:path}", status_code=status.HTTP_202_ACCEPTED, response_model=WebhookReceived)
async def receive_flow_webhook(engine: EngineDep, request: Request, path: str) -> WebhookReceived:
    inbound = await _inbound(request)
    stored = await run_in_threadpool(engine.triggers.ingest_flow_webhook, path, inbound)
    return WebhookReceived(received=len(stored))


@webhooks.post("/{token}", status_code=status.HTTP_202_ACCEPTED, response_model=WebhookReceived)
async def receive_webhook(engine: EngineDep, request: Request, token: str) -> WebhookReceived:
    inbound = await _inbound(request)
    stored = await run_in_threadpool(engine.triggers.ingest, token, inbound)
    return WebhookReceived(received=len(stored))
