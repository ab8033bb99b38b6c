"""A provider that echoes every credential it receives back in the forms a careless provider uses.

It answers any path as Slack does (``{"ok": true, ...}``), so a Slack connection or the http integration can point at
it. What it echoes: the bearer token of ``Authorization`` (the whole header when it is Basic: base64 of
user:password) and the ``X-Api-Key`` header, each in the forms :func:`echo_forms` gives (verbatim, upper case, lower
case, a truncated ``prefix…***``, JSON ``\\u``-escaped inside a raw text string, nested deep in JSON). Paths:

- ``/echo.txt``: the same forms in a ``text/plain`` body (one per line), the escaped one as raw JSON text;
- ``/fail``: HTTP 400 with the forms in a JSON error body (the http integration's failure path);
- a Slack call whose ``channel`` is ``FAIL``: ``{"ok": false, "error": <the token upper-cased>}``, HTTP 200;
- anything else: 200 JSON ``{"ok": true, "channel": ..., "ts": ..., "echo": {<source>: <forms>}}``.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.responses import JSONResponse, PlainTextResponse, Response

from tests.stubs.base import ProviderStub, RecordedRequest


def escaped(value: str) -> str:
    """Every character as a JSON ``\\u`` escape: how ``json.dumps(..., ensure_ascii=True)`` of a non-ASCII token
    looks, and what some providers send for every character."""
    return "".join(f"\\u{ord(c):04x}" for c in value)


def echo_forms(value: str) -> dict[str, Any]:
    return {
        "verbatim": value,
        "upper": value.upper(),
        "lower": value.lower(),
        "truncated": f"{value[:14]}…***",
        "raw_text": '{"token": "' + escaped(value) + '"}',  # JSON text inside a string: the escapes stay in it
        "nested": {"deep": [{"token": value, "note": f"token was {value}"}]},
    }


class LeakyStub(ProviderStub):
    name = "leaky"
    token = None  # accepts any credential: it only wants to leak it

    def handle(self, request: RecordedRequest) -> Response:
        secrets = self._secrets(request)
        forms = {source: echo_forms(value) for source, value in secrets.items()}
        if request.path == "/echo.txt":
            lines = [f"{source} {name}: {text}" for source, f in forms.items() for name, text in f.items()
                     if isinstance(text, str)]
            return PlainTextResponse("\n".join(lines))
        if request.path == "/fail":
            return JSONResponse({"message": "rejected", "echo": forms}, status_code=400)
        params = request.params()
        if params.get("channel") == "FAIL":
            first = next(iter(secrets.values()), "no-token")
            return JSONResponse({"ok": False, "error": first.upper(), "warning": json.dumps(forms)})
        return JSONResponse({"ok": True, "channel": params.get("channel", "C0GENERAL"), "ts": "1700000000.000100",
                             "echo": forms})

    @staticmethod
    def _secrets(request: RecordedRequest) -> dict[str, str]:
        found: dict[str, str] = {}
        if request.bearer:
            found["bearer"] = request.bearer
        authorization = request.headers.get("authorization", "")
        if authorization.lower().startswith("basic "):
            found["basic"] = authorization  # base64 of user:password, as sent
        if request.headers.get("x-api-key"):
            found["x-api-key"] = request.headers["x-api-key"]
        return found
