"""The end-user portal page, ``/connect/portal?token=eut_…``: server-rendered HTML, no script.

It shows the workspace's aliases that resolve per user and the token holder's own connections for them, with
Connect, Replace and Disconnect. Every form carries the token in a hidden field (it is also what makes a forged
cross-site POST useless: the forger does not know it), and every action is checked again by the engine against the
token's end user; an unknown or expired token gets a message page, never a traceback.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from weavz_flow.engine.services.portal_tokens import PortalView
from weavz_flow.engine.stamps import parse_time
from weavz_flow.errors import ApiError, ErrorCode
from weavz_flow.server.deps import EngineDep
from weavz_flow.server.html.render import message_page, page_headers, render_page
from weavz_flow.server.routes.connect_pages import connect_url
from weavz_flow.wire.portal import PORTAL_PATH
from weavz_flow.wire.vocabulary import Strategy

router = APIRouter(include_in_schema=False)

DISCONNECT_PATH = PORTAL_PATH + "/disconnect"
CONNECT_PATH = PORTAL_PATH + "/connect"
# Where hosted connect sends the browser back. Not the portal itself: its URL holds the eut_ token, which a
# connect session would keep in clear (as its redirect URI); the browser's Back button returns to the portal.
RETURN_PATH = PORTAL_PATH + "/return"
_NOTICES = {"disconnected": "The connection was removed."}

# No length bounds here: a refused field would answer JSON, not a page; the engine refuses what does not fit.
Token = Annotated[str, Form()]
FormId = Annotated[str, Form()]


def token_problem(exc: ApiError) -> HTMLResponse:
    """The page for a refused token or action (the engine's message names no secret)."""
    if exc.code == ErrorCode.PORTAL_TOKEN_EXPIRED:
        return message_page("This link has expired", "Ask whoever sent it for a new link.", status_code=410)
    if exc.code == ErrorCode.PORTAL_TOKEN_INVALID:
        return message_page("This link is not valid", "Check that you opened the whole link, or ask for a new one.",
                            status_code=404)
    if exc.code == ErrorCode.CONNECTION_NOT_FOUND:
        return message_page("Not one of your connections",
                            "This portal can only change the connections it lists for you.", status_code=404)
    return message_page("This could not be done", exc.message, status_code=exc.status)


def portal_location(token: str, notice: str | None = None) -> str:
    query = {"token": token, **({"notice": notice} if notice else {})}
    return f"{PORTAL_PATH}?{urlencode(query)}"


def _when(stamp: str) -> str:
    return parse_time(stamp).strftime("%-d %B %Y, %H:%M UTC")


def _context(view: PortalView, token: str, notice: str | None, can_connect: bool) -> dict[str, Any]:
    user = view.end_user
    entries = [{"id": e.alias.id, "label": e.alias.display_name or e.alias.alias,
                "integration_name": e.integration_display_name,
                "falls_back": e.alias.connection_strategy == Strategy.PER_USER_WITH_FALLBACK
                and e.alias.connection_id is not None,
                "connections": [{"id": c.id, "display_name": c.display_name, "status": c.status,
                                 "since": _when(c.created_at)} for c in e.connections]}
               for e in view.entries]
    return {"title": "Your connections", "end_user_name": user.display_name or user.external_id,
            "expires_at": _when(view.token.expires_at), "entries": entries, "token": token,
            "notice": _NOTICES.get(notice or ""), "can_connect": can_connect,
            "connect_action": CONNECT_PATH, "disconnect_action": DISCONNECT_PATH}


@router.get(PORTAL_PATH, response_class=HTMLResponse)
def portal_page(
    engine: EngineDep,
    token: Annotated[str, Query()] = "",
    notice: Annotated[str, Query()] = "",
) -> Response:
    try:
        view = engine.portal_tokens.view(token)
    except ApiError as exc:
        return token_problem(exc)
    return render_page("portal.html", _context(view, token, notice, can_connect=True))


@router.post(DISCONNECT_PATH, response_class=HTMLResponse)
def portal_disconnect(engine: EngineDep, token: Token = "", connection_id: FormId = "") -> Response:
    try:
        engine.portal_tokens.disconnect(token, connection_id)
    except ApiError as exc:
        return token_problem(exc)
    return RedirectResponse(portal_location(token, "disconnected"), status_code=303, headers=page_headers())


@router.post(CONNECT_PATH, response_class=HTMLResponse)
def portal_connect(
    request: Request, engine: EngineDep, token: Token = "", workspace_integration_id: FormId = "",
    connection_id: FormId = "",
) -> Response:
    """Connect (or, with ``connection_id``, replace) through a hosted-connect session for this end user."""
    base = str(request.base_url).rstrip("/")
    try:
        _, session_token = engine.portal_tokens.connect(
            token, workspace_integration_id, replacing=connection_id or None,
            success_redirect_uri=f"{base}{RETURN_PATH}?{urlencode({'outcome': 'connected'})}",
            error_redirect_uri=f"{base}{RETURN_PATH}?{urlencode({'outcome': 'failed'})}")
    except ApiError as exc:
        return token_problem(exc)
    return RedirectResponse(connect_url(request, session_token), status_code=303, headers=page_headers())


@router.get(RETURN_PATH, response_class=HTMLResponse)
def portal_return(outcome: Annotated[str, Query()] = "") -> Response:
    if outcome == "connected":
        return message_page("Your account is connected",
                            "Go back to your connections page (your browser's Back button, or the link you were "
                            "given) to see it.", status_code=200)
    return message_page("Your account was not connected",
                        "Nothing was changed. Go back to your connections page to try again.", status_code=200)
