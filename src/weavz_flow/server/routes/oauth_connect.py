"""The connect page's OAuth2 branch: ``GET /connect/oauth2/start?token=cst_...`` (the page's "Continue" link) sends
the person to the provider's authorize URL; ``GET /connect/oauth2/callback`` is where the provider sends them back.

Both answer pages, never JSON: the session's outcome goes to the caller's ``successRedirectUri`` /
``errorRedirectUri`` (303, as the connect page does) or shows as a message. Every answer carries the hosted pages'
headers, so the redirect to the provider leaves no Referer (the start URL holds the ``cst_`` token).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from weavz_flow.engine.oauth_flow import SESSION_ERRORS
from weavz_flow.errors import ApiError, ErrorCode
from weavz_flow.server.deps import EngineDep
from weavz_flow.server.html.connect_form import OAUTH2_START_PATH
from weavz_flow.server.html.render import message_page, page_headers
from weavz_flow.server.routes.connect_pages import integration_name, link_refused, redirect_to, session_failed

CALLBACK_PATH = "/connect/oauth2/callback"

router = APIRouter(include_in_schema=False)


def callback_url(request: Request) -> str:
    return f"{str(request.base_url).rstrip('/')}{CALLBACK_PATH}"


@router.get(OAUTH2_START_PATH)
def start(request: Request, engine: EngineDep, token: str = "") -> Response:
    try:
        authorize = engine.oauth_flow.start(token, callback_url(request))
    except ApiError as exc:
        if exc.code in SESSION_ERRORS:
            return link_refused(exc)
        if exc.code == ErrorCode.NO_OAUTH_APP:
            return message_page("Signing in is not set up",
                                "This account cannot be connected with a sign-in yet: no OAuth app is registered "
                                "for it. Ask whoever sent you the link.", status_code=400)
        return message_page("Could not start signing in", exc.message, status_code=400)
    return RedirectResponse(authorize, status_code=303, headers=page_headers())


@router.get(CALLBACK_PATH)
def callback(
    engine: EngineDep, state: str = "", code: str | None = None, error: str | None = None,
    error_description: str | None = None,
) -> Response:
    try:
        outcome = engine.oauth_flow.finish(state, code, error, error_description)
    except ApiError as exc:
        if exc.code in SESSION_ERRORS:
            return link_refused(exc)
        return message_page("This sign-in cannot be used", exc.message, status_code=400)
    session = outcome.session
    if outcome.error_code is not None:
        return session_failed(session, outcome.error_code, outcome.message)
    if session.success_redirect_uri:
        return redirect_to(session.success_redirect_uri, status="COMPLETED", connectionId=session.connection_id or "",
                         sessionId=session.id)
    return message_page(f"{integration_name(engine, session)} is connected",
                        "The account is connected. You can close this page now.", status_code=200)
