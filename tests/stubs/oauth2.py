"""An OAuth2 provider stub: an authorization server (consent page, token endpoint with PKCE) in front of a Google API
(:class:`~tests.stubs.sheets.SheetsStub`'s under ``/v4`` unless another stub and its path prefix are given), which
accepts only the access tokens it issued and that have not expired.

- ``GET /authorize``: checks client_id, redirect_uri, ``response_type=code`` and an S256 ``code_challenge``, and shows
  a consent page: a plain HTML form (no script) whose Approve / Deny buttons post to ``/authorize/decision``, which
  redirects to ``redirect_uri`` with ``code`` and ``state`` (or ``error=access_denied``).
- ``POST /token``: client authentication (HTTP Basic or form fields), then ``authorization_code`` (the code once, the
  same redirect_uri, and ``code_verifier`` whose S256 is the code's challenge) or ``refresh_token`` (which rotates:
  the old refresh token stops working, as Slack and Google's may). Errors are RFC 6749 §5.2 bodies.
- Anything else is the API behind ``Authorization: Bearer``; an unknown or expired token is a 401.

For tests: ``authorize_url`` / ``token_url``, ``expire_tokens()`` (every access token issued so far stops working,
as if its time had passed), ``token_requests(grant)`` (the recorded token calls of one grant type), ``lifetime``
(seconds each new access token is said to live: ``expires_in``).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import html
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from tests.stubs.base import ProviderStub, RecordedRequest
from tests.stubs.sheets import SheetsStub

CLIENT_ID = "stub-oauth-client"
CLIENT_SECRET = "stub-oauth-client-secret-5b0e7d"


@dataclass
class _Code:
    client_id: str
    redirect_uri: str
    challenge: str
    scope: str


def s256(verifier: str) -> str:
    """RFC 7636 §4.2: BASE64URL(SHA256(verifier)) without padding."""
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode("ascii")).digest()).rstrip(b"=").decode("ascii")


class OAuth2Stub(ProviderStub):
    name = "oauth2"
    token = None  # the API checks the tokens this stub issued itself

    def __init__(self, api: ProviderStub | None = None, api_prefix: str = "/v4") -> None:
        self.api = api if api is not None else SheetsStub()
        self.api_prefix = api_prefix
        super().__init__()

    def seed(self) -> None:
        self.lifetime = 3600
        self.token_delay = 0.0  # seconds the token endpoint takes: widens a race window in concurrency tests
        self.codes: dict[str, _Code] = {}
        self.access_tokens: dict[str, bool] = {}  # token -> still valid
        self.refresh_tokens: dict[str, bool] = {}
        self.api.reset()

    # --- for tests -------------------------------------------------------------------------------------------
    @property
    def authorize_url(self) -> str:
        return self.url + "/authorize"

    @property
    def token_url(self) -> str:
        return self.url + "/token"

    @property
    def api_url(self) -> str:
        return self.url + self.api_prefix

    def expire_tokens(self) -> None:
        with self._lock:
            for token in self.access_tokens:
                self.access_tokens[token] = False

    def issue(self) -> dict[str, Any]:
        """Tokens issued directly (as if a flow had run before the test)."""
        with self._lock:
            return self._tokens("https://www.googleapis.com/auth/spreadsheets")

    def token_requests(self, grant: str) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path == "/token" and r.form.get("grant_type") == grant]

    def api_requests(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path.startswith(self.api_prefix + "/")]

    # --- the provider ----------------------------------------------------------------------------------------
    async def ahandle(self, request: RecordedRequest) -> Response:
        if request.path == "/token" and self.token_delay:
            await asyncio.sleep(self.token_delay)
        return self.handle(request)

    def handle(self, request: RecordedRequest) -> Response:
        if request.path == "/authorize" and request.method == "GET":
            return self._consent(request)
        if request.path == "/authorize/decision" and request.method == "POST":
            return self._decision(request)
        if request.path == "/token" and request.method == "POST":
            return self._token(request)
        with self._lock:
            valid = request.bearer is not None and self.access_tokens.get(request.bearer, False)
        if not valid:
            return self.api.auth_error()
        return self.api.handle(request)

    def _consent(self, request: RecordedRequest) -> Response:
        q = request.query
        problem = None
        if q.get("client_id") != CLIENT_ID:
            problem = "unknown client_id"
        elif q.get("response_type") != "code":
            problem = "response_type must be code"
        elif q.get("code_challenge_method") != "S256" or not q.get("code_challenge"):
            problem = "PKCE with S256 is required"
        elif not q.get("redirect_uri", "").startswith("http://127.0.0.1:"):
            problem = "redirect_uri is not registered"
        if problem is not None:
            return HTMLResponse(f"<h1>Error</h1><p>{html.escape(problem)}</p>", status_code=400)
        hidden = "".join(f'<input type="hidden" name="{k}" value="{html.escape(q.get(k, ""), quote=True)}">'
                         for k in ("client_id", "redirect_uri", "state", "code_challenge", "scope"))
        page = f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Authorize</title></head>
<body style="font-family: sans-serif; max-width: 520px; margin: 3rem auto">
<h1>Stub Provider</h1>
<p>An application asks to access your spreadsheets (scope: <code>{html.escape(q.get("scope", ""))}</code>).</p>
<form method="post" action="/authorize/decision">{hidden}
<button type="submit" name="decision" value="approve">Approve</button>
<button type="submit" name="decision" value="deny">Deny</button>
</form></body></html>"""
        return HTMLResponse(page)

    def _decision(self, request: RecordedRequest) -> Response:
        form = request.form
        redirect_uri, state = form.get("redirect_uri", ""), form.get("state", "")
        if form.get("decision") != "approve":
            return RedirectResponse(_with(redirect_uri, error="access_denied", state=state), status_code=302)
        code = secrets.token_urlsafe(16)
        with self._lock:
            self.codes[code] = _Code(form.get("client_id", ""), redirect_uri, form.get("code_challenge", ""),
                                     form.get("scope", ""))
        return RedirectResponse(_with(redirect_uri, code=code, state=state), status_code=302)

    def _token(self, request: RecordedRequest) -> Response:
        form = request.form
        client_id, client_secret = _client_auth(request)
        if client_id != CLIENT_ID or client_secret != CLIENT_SECRET:
            return _oauth_error(401, "invalid_client", "client authentication failed")
        grant = form.get("grant_type")
        with self._lock:
            if grant == "authorization_code":
                found = self.codes.pop(form.get("code", ""), None)
                if found is None or found.redirect_uri != form.get("redirect_uri"):
                    return _oauth_error(400, "invalid_grant", "unknown code or another redirect_uri")
                if s256(form.get("code_verifier", "")) != found.challenge:
                    return _oauth_error(400, "invalid_grant", "code_verifier does not match the code_challenge")
                return JSONResponse(self._tokens(found.scope))
            if grant == "refresh_token":
                old = form.get("refresh_token", "")
                if not self.refresh_tokens.get(old, False):
                    return _oauth_error(400, "invalid_grant", "refresh token expired or revoked")
                self.refresh_tokens[old] = False  # rotated
                return JSONResponse(self._tokens(form.get("scope", "")))
        return _oauth_error(400, "unsupported_grant_type", f"grant_type {grant!r}")

    def _tokens(self, scope: str) -> dict[str, Any]:
        access, refresh = "stub-at-" + secrets.token_urlsafe(12), "stub-rt-" + secrets.token_urlsafe(12)
        self.access_tokens[access] = True
        self.refresh_tokens[refresh] = True
        return {"access_token": access, "token_type": "Bearer", "expires_in": self.lifetime,
                "refresh_token": refresh, "scope": scope}


def _client_auth(request: RecordedRequest) -> tuple[str | None, str | None]:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("basic "):
        user, _, password = base64.b64decode(header[6:]).decode("utf-8").partition(":")
        return user, password
    return request.form.get("client_id"), request.form.get("client_secret")


def _with(url: str, **params: str) -> str:
    return url + ("&" if "?" in url else "?") + urlencode(params)


def _oauth_error(status: int, error: str, description: str) -> Response:
    return JSONResponse({"error": error, "error_description": description}, status_code=status)
