"""The person's pages of MCP's OAuth flow, between ``/oauth/authorize`` and the client's redirect URI:
server-rendered HTML, no script.

1. ``GET /oauth/consent?request=…`` asks for the person's portal link (or token): it says who they are. A
   ``login_hint`` carrying a portal token (passed on from ``/authorize``) skips this step.
2. ``POST /oauth/consent`` checks it (an end user of the MCP server's workspace, not expired) and shows the consent:
   "<client> wants to use the tools of <server> as <end user>", with the scopes.
3. ``POST /oauth/consent/decision``: Approve redirects to the client's redirect URI with a code, Deny with
   ``error=access_denied`` (RFC 6749 §4.1.2.1), both with the client's ``state``.

Each step's value is single-use (the engine's :class:`~weavz_flow.engine.services.mcp_oauth.McpOAuthService`), so
a form posted twice, or forged by another site, which does not know it, does nothing. The consent page never holds
the portal token: it carries the consent step's own value.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from mcp.server.auth.provider import construct_redirect_uri

from weavz_flow.engine.services.mcp_oauth import Consent, OAuthRefusal, Pending, portal_token_in
from weavz_flow.server.deps import EngineDep
from weavz_flow.server.html.render import message_page, page_headers, render_page
from weavz_flow.server.mcp.oauth_server import CONSENT_PATH, LOGIN_HINT
from weavz_flow.server.mcp.protocol import TOOLS_SCOPE

router = APIRouter(include_in_schema=False)

DECISION_PATH = CONSENT_PATH + "/decision"
_SCOPE_TEXT = {TOOLS_SCOPE: "list and call the tools of this MCP server, with your connections"}

# No length bounds here: a refused field would answer JSON, not a page; the engine refuses what does not fit.
Field = Annotated[str, Form()]


def _refused(exc: OAuthRefusal) -> HTMLResponse:
    return message_page(exc.title, exc.message, status_code=exc.status)


def _identify_page(pending: Pending, step: str, form_error: str | None = None, status_code: int = 200) -> Response:
    return render_page("oauth_identify.html", {
        "title": "Who are you?", "client_name": pending.client_name, "server_name": pending.server_name,
        "request_value": step, "action": CONSENT_PATH, "form_error": form_error}, status_code=status_code)


def _consent_page(consent: Consent) -> Response:
    pending = consent.pending
    scopes = [{"name": s, "description": _SCOPE_TEXT.get(s, s)} for s in pending.scopes]
    return render_page("oauth_consent.html", {
        "title": f"Allow {pending.client_name}?", "client_name": pending.client_name,
        "server_name": pending.server_name, "end_user_name": consent.end_user_name, "scopes": scopes,
        "step": consent.step, "action": DECISION_PATH}, form_targets=[pending.redirect_uri])


def _identify(engine: EngineDep, request: str, portal: str) -> Response:
    try:
        return _consent_page(engine.mcp_oauth.identify(request, portal))
    except OAuthRefusal as exc:
        if exc.status == 400:  # nothing that looks like a portal token: ask again on the same page
            return _identify_page(engine.mcp_oauth.pending(request), request, exc.message, status_code=400)
        return _refused(exc)


@router.get(CONSENT_PATH, response_class=HTMLResponse)
def identify_page(
    engine: EngineDep, request: Annotated[str, Query()] = "",
    login_hint: Annotated[str, Query(alias=LOGIN_HINT)] = "",
) -> Response:
    try:
        if portal_token_in(login_hint):
            return _identify(engine, request, login_hint)
        return _identify_page(engine.mcp_oauth.pending(request), request)
    except OAuthRefusal as exc:
        return _refused(exc)


@router.post(CONSENT_PATH, response_class=HTMLResponse)
def identify(engine: EngineDep, request: Field = "", portal: Field = "") -> Response:
    try:
        return _identify(engine, request, portal)
    except OAuthRefusal as exc:
        return _refused(exc)


@router.post(DECISION_PATH, response_class=HTMLResponse)
def decide(engine: EngineDep, step: Field = "", decision: Field = "") -> Response:
    if decision not in ("approve", "deny"):
        return message_page("Choose Approve or Deny", "Go back and press one of the two buttons.", status_code=400)
    try:
        made = engine.mcp_oauth.decide(step, approve=decision == "approve")
    except OAuthRefusal as exc:
        return _refused(exc)
    if made.code is not None:
        location = construct_redirect_uri(made.redirect_uri, code=made.code, state=made.state)
    else:
        location = construct_redirect_uri(made.redirect_uri, error="access_denied",
                                          error_description="The person denied the request", state=made.state)
    return RedirectResponse(location, status_code=303, headers=page_headers())
