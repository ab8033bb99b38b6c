"""Hosted connect, the API side (weavz-api.md §2.5; weavz-sdk-wire.md §2.4): make a ``cst_`` token, then poll its
session. The page the token opens is :mod:`weavz_flow.server.routes.connect_pages`."""

from __future__ import annotations

from fastapi import APIRouter, Request, status

from weavz_flow.engine import connect_values
from weavz_flow.server.deps import CallerDep, EngineDep
from weavz_flow.server.errors import error_responses
from weavz_flow.server.routes.connect_pages import connect_url
from weavz_flow.wire.connect import (
    ConnectPoll,
    ConnectSession,
    ConnectSessionEnvelope,
    ConnectToken,
    ConnectTokenCreate,
)

router = APIRouter(prefix="/api/v1/connect", tags=["connect"], responses=error_responses(400, 401, 403, 404))


@router.post("/token", status_code=status.HTTP_201_CREATED, response_model=ConnectToken)
def create_connect_token(
    engine: EngineDep, caller: CallerDep, body: ConnectTokenCreate, request: Request,
) -> ConnectToken:
    session, token = engine.connect_sessions.create(caller, body.to_engine(connect_values.ConnectSessionCreate))
    return ConnectToken(token=token, connect_url=connect_url(request, token), expires_at=session.expires_at,
                        session_id=session.id)


@router.post("/session/poll", response_model=ConnectSession)
def poll_connect_session(engine: EngineDep, caller: CallerDep, body: ConnectPoll) -> ConnectSession:
    """The session's fields at the top level (the SDK's ``connect.wait`` reads ``status``); 401 for a token this
    caller did not make and for an expired one."""
    return ConnectSession.of(engine.connect_sessions.poll(caller, body.token))


@router.get("/session/{session_id}", response_model=ConnectSessionEnvelope)
def get_connect_session(engine: EngineDep, caller: CallerDep, session_id: str) -> ConnectSessionEnvelope:
    return ConnectSessionEnvelope(session=ConnectSession.of(engine.connect_sessions.get(caller, session_id)))
