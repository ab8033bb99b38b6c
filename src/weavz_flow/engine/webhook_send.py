"""One attempt of a webhook delivery: a signed JSON POST, and what came of it.

The request goes through the engine's httpx client with a short timeout and never follows a redirect (a 3xx is a
failure: the approver's configured URL is the only place an event goes). Only the first few hundred bytes of the
receiver's answer are read, quoted in the attempt's error when it is not a 2xx; every text kept is redacted of the
signing secret and bounded, since it is shown on the approval.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

from weavz_flow.credential_hosts import origin
from weavz_flow.redact import Redactor
from weavz_flow.wire.approval_webhooks import (
    DELIVERY_HEADER,
    EVENT_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    sign,
)
from weavz_flow.wire.vocabulary import CONNECT_ERROR_MAX

DEFAULT_TIMEOUT_S = 10.0
_QUOTED_BYTES = 300  # of a failed answer's body
USER_AGENT = "weavz-flow-webhooks"


@dataclass(frozen=True, slots=True)
class Attempt:
    status_code: int | None  # None: no answer (refused, timed out, not sent)
    error: str | None  # None: delivered
    duration_ms: int
    final: bool = False  # a failure that no retry can mend (the URL is not one we send to)

    @property
    def delivered(self) -> bool:
        return self.error is None


def sendable(url: str) -> bool:
    """An http(s) URL whose authority is a plain host and port: the rules of provider base URLs
    (:mod:`weavz_flow.credential_hosts`: no user info, no characters two URL parsers could read differently), with
    a path and query allowed after it."""
    parts = urlsplit(url)
    return origin(f"{parts.scheme}://{parts.netloc}") is not None and not parts.fragment and " " not in url


def post_signed(
    http: httpx.Client, url: str, *, event: str, delivery_id: str, body: bytes, secret: str,
    timeout_s: float = DEFAULT_TIMEOUT_S, extra_headers: Mapping[str, str] | None = None,
) -> Attempt:
    """POST ``body`` signed with ``secret``. ``extra_headers`` (a trigger source's ``callbackHeaders``) go along,
    below the delivery's own headers, which they cannot replace; their values are secrets, redacted like it."""
    if not sendable(url):
        return Attempt(None, "webhookUrl is not an http(s) URL of a plain host and port", 0, final=True)
    timestamp = int(time.time())  # the receiver checks it against its own clock
    own = {
        "Content-Type": "application/json", "User-Agent": USER_AGENT, EVENT_HEADER: event,
        DELIVERY_HEADER: delivery_id, TIMESTAMP_HEADER: str(timestamp), SIGNATURE_HEADER: sign(secret, timestamp, body),
    }
    taken = {name.lower() for name in own}
    extra = {name: value for name, value in (extra_headers or {}).items() if name.lower() not in taken}
    headers = {**extra, **own}
    redactor = Redactor([secret, *extra.values()])
    started = time.monotonic()
    try:
        with http.stream("POST", url, content=body, headers=headers, timeout=timeout_s,
                         follow_redirects=False) as answer:
            quoted = b"" if answer.is_success else _first_bytes(answer)
    except httpx.HTTPError as exc:
        return Attempt(None, _bounded(redactor, f"{type(exc).__name__}: {exc}"), _ms(started))
    if answer.is_success:
        return Attempt(answer.status_code, None, _ms(started))
    text = f"HTTP {answer.status_code}"
    if answer.is_redirect:
        text += " (redirects are not followed)"
    elif quoted:
        text += ": " + quoted.decode("utf-8", "replace")
    return Attempt(answer.status_code, _bounded(redactor, text), _ms(started))


def _first_bytes(answer: httpx.Response) -> bytes:
    kept = b""
    for chunk in answer.iter_bytes():
        kept += chunk
        if len(kept) >= _QUOTED_BYTES:
            break
    return kept[:_QUOTED_BYTES]


def _bounded(redactor: Redactor, text: str) -> str:
    cleaned = redactor.text(" ".join(text.split()))
    return cleaned if len(cleaned) <= CONNECT_ERROR_MAX else cleaned[:CONNECT_ERROR_MAX - 1] + "…"


def _ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)
