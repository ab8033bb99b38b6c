"""The hosted connect page: what a ``connectUrl`` opens. A person holding the ``cst_`` token sees which account the
caller asks for, enters the credential (forms from :mod:`weavz_flow.server.html.connect_form`), and is sent on to the
caller's ``successRedirectUri`` / ``errorRedirectUri`` or shown the outcome. OAUTH2 integrations get a button to
:data:`~weavz_flow.server.html.connect_form.OAUTH2_START_PATH`, which the OAuth2 flow serves.

Every answer is a page, never a traceback or a JSON error: an unknown link is a 404 page, an expired or used one a
410 page. A secret typed into a form is never sent back, neither after a refusal nor in the page that follows.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from weavz_flow.credential_hosts import origin, shown
from weavz_flow.engine.connect_values import ConnectSession
from weavz_flow.engine.engine import Engine
from weavz_flow.errors import ApiError, ErrorCode
from weavz_flow.server.html.connect_form import Method, cleared, methods_for, read_credential
from weavz_flow.server.html.render import message_page, page_headers, render_page

CONNECT_PATH = "/connect"
CANCEL_PATH = "/connect/cancel"
CANCELLED = "CONNECT_CANCELLED"

router = APIRouter(include_in_schema=False)


def connect_url(request: Request, token: str) -> str:
    """The page's address on this server, as the request reached it (uvicorn applies X-Forwarded-* from trusted
    proxies)."""
    return f"{str(request.base_url).rstrip('/')}{CONNECT_PATH}?{urlencode({'token': token})}"


@router.get(CONNECT_PATH)
def connect_page(request: Request, token: str = "") -> Response:
    engine: Engine = request.app.state.engine
    try:
        session = engine.connect_sessions.open(token)
    except ApiError as exc:
        return link_refused(exc)
    return _form_page(engine, session, token)


@router.post(CONNECT_PATH)
async def submit_connect_form(request: Request) -> Response:
    engine: Engine = request.app.state.engine
    form = await request.form()
    token = _text(form.get("token"))
    try:
        session = await run_in_threadpool(engine.connect_sessions.open, token)
    except ApiError as exc:
        return link_refused(exc)
    methods = _methods(engine, session, token)
    chosen = next((m for m in methods if m.type == _text(form.get("type")) and not m.href), None)
    if chosen is None:
        return _form_page(engine, session, token, form_error="Choose one of the ways to connect below.",
                          status_code=400)
    credential, checked = read_credential(chosen, form)
    if credential is None:
        return _form_page(engine, session, token, methods=_swap(methods, checked), status_code=400,
                          form_error="Some fields need your attention.", failed=checked)
    try:
        done = await run_in_threadpool(engine.connect_sessions.complete, token, credential)
    except ApiError as exc:
        if exc.code in (ErrorCode.CONNECT_SESSION_EXPIRED, ErrorCode.CONNECT_SESSION_USED,
                        ErrorCode.CONNECT_SESSION_NOT_FOUND):
            return link_refused(exc)
        if exc.status == 409:  # the session failed: nothing the person can put right here
            return session_failed(session, exc.code, exc.message)
        return _form_page(engine, session, token, methods=_swap(methods, cleared(checked)), status_code=400,
                          form_error=exc.message, failed=checked)
    if done.success_redirect_uri:
        return redirect_to(done.success_redirect_uri, status="COMPLETED", connectionId=done.connection_id or "",
                         sessionId=done.id)
    return message_page(f"{integration_name(engine, done)} is connected",
                        "The account is connected. You can close this page now.", status_code=200)


@router.post(CANCEL_PATH)
async def cancel_connect(request: Request) -> Response:
    form = await request.form()
    engine: Engine = request.app.state.engine
    try:
        failed = await run_in_threadpool(engine.connect_sessions.fail, _text(form.get("token")),
                                         "The person cancelled on the connect page", CANCELLED)
    except ApiError as exc:
        return link_refused(exc)
    return session_failed(failed, CANCELLED, "Nothing was connected. You can close this page now.", title="Cancelled",
                   status_code=200)


def _form_page(
    engine: Engine, session: ConnectSession, token: str, *, methods: list[Method] | None = None,
    form_error: str = "", failed: Method | None = None, status_code: int = 200,
) -> Response:
    methods = methods if methods is not None else _methods(engine, session, token)
    name = integration_name(engine, session)
    if not methods:
        return message_page(f"{name} cannot be connected here",
                            "This integration offers no way to connect on this page. Ask whoever sent you the "
                            "link.", status_code=400)
    context: dict[str, Any] = {
        "integration": name, "workspace": session.workspace_name, "end_user": session.end_user_id,
        "connection_name": session.connection_name, "expires_at": session.expires_at.replace("T", " ")[:16] + " UTC",
        "provider_host": shown(origin(session.base_url)) if session.base_url else "",
        "methods": methods, "token": token, "form_error": form_error,
        "failed_type": failed.type if failed is not None else "", "action": CONNECT_PATH,
        "cancel_action": CANCEL_PATH,
    }
    targets = [u for u in (session.success_redirect_uri, session.error_redirect_uri) if u]
    return render_page("connect.html", context, status_code=status_code, form_targets=targets)


def _methods(engine: Engine, session: ConnectSession, token: str) -> list[Method]:
    return methods_for(engine.catalog.integration(session.integration_name), session, token)


def _swap(methods: list[Method], checked: Method) -> list[Method]:
    return [checked if m.type == checked.type else m for m in methods]


# The endings of a connect that the OAuth2 routes (oauth_connect.py) share with the form's.

def integration_name(engine: Engine, session: ConnectSession) -> str:
    """The integration's display name, for the page's words."""
    info = engine.catalog.find(session.integration_name)
    return (info.display_name if info is not None else "") or session.integration_name


def session_failed(session: ConnectSession, code: str, message: str, *, title: str = "Could not connect",
                   status_code: int = 409) -> Response:
    """A failed session's ending: to the caller's errorRedirectUri with the code, else a message page."""
    if session.error_redirect_uri:
        return redirect_to(session.error_redirect_uri, status="FAILED", error=str(code), sessionId=session.id)
    return message_page(title, message, status_code=status_code)


def link_refused(exc: ApiError) -> Response:
    """The page for a link that cannot be used (expired, used, unknown), never the error's own text."""
    if exc.code == ErrorCode.CONNECT_SESSION_EXPIRED:
        return message_page("This link has expired",
                            "Connect links work for a limited time. Ask whoever sent it for a new one.",
                            status_code=410)
    if exc.code == ErrorCode.CONNECT_SESSION_USED:
        return message_page("This link has been used",
                            "A connect link works once, and this one has been used already. Ask whoever sent it for "
                            "a new one if you need to connect again.", status_code=410)
    return message_page("This link is not valid",
                        "Check that you opened the whole link, or ask whoever sent it for a new one.",
                        status_code=404)


def redirect_to(uri: str, **params: str) -> Response:
    """A 303 to the caller's URI with ``params`` added to its query; the page headers go along (no Referer)."""
    parts = urlsplit(uri)
    query = urlencode([*parse_qsl(parts.query, keep_blank_values=True), *params.items()])
    return RedirectResponse(urlunsplit(parts._replace(query=query)), status_code=303, headers=page_headers())


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""
