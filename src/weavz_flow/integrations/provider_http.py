"""Sending a provider request: authentication, bounded retries and the translation of every failure.

This is the single boundary between native integrations and the network. A provider failure of any kind (an error
status, a redirect, Slack's ``{"ok": false}``, a timeout, a refused connection) leaves here as
``ApiError(ACTION_FAILED)`` with ``details`` ``{provider, providerStatus, providerMessage, method, url, attempts,
...}``. Secrets never leave: the
connection's secret strings and the request's own are redacted, the URL loses its query string and user info, and
headers are never quoted. A redirect (any 3xx) is never followed with a credential: it fails naming its status
and only the host it points to (its path and query may hold a token); only the http integration follows redirects,
when its input asks, and then without the Authorization it built (see ``weavz_flow.integrations.http``).

The context's ``deadline`` bounds a whole call: no attempt and no retry wait starts that would end past it, every
network operation's timeout is cut to the time left, and the body is read in chunks, abandoned once it has passed
(the engine's stale idempotency claims rely on that; see ``weavz_flow.engine.idempotency``). A request's
``max_bytes`` bounds the body the same way: reading stops, and the call fails, once the body passes it.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

import httpx

from weavz_flow.credential_hosts import check_credential_host
from weavz_flow.errors import ApiError, ErrorCode
from weavz_flow.integrations.base import ActionContext
from weavz_flow.integrations.provider import ProviderFault, ProviderProfile, ProviderRequest, ProviderResponse
from weavz_flow.integrations.provider_auth import provider_auth, render
from weavz_flow.integrations.provider_host import base_url, credential_origins
from weavz_flow.integrations.retry import RetryDecision, RetryPolicy, decide, parse_retry_after
from weavz_flow.redact import Redactor

_MESSAGE_LIMIT = 500  # characters of a non-JSON error body quoted in details


def send(
    ctx: ActionContext,
    profile: ProviderProfile,
    request: ProviderRequest,
    *,
    policy: RetryPolicy | None = None,
    accept_status: Callable[[int], bool] | None = None,
) -> ProviderResponse:
    """Send ``request``, retrying 429/5xx (and the profile's rate limits) within the policy's bound.

    An error status for which ``accept_status`` is true is returned instead of raised once it is final (not retried,
    or its retries ran out); the http integration's "continue on failure" modes use that.
    """
    policy = policy or ctx.retry or profile.retry
    redactor = Redactor([*(ctx.credentials.secret_strings() if ctx.credentials else ()), *request.secrets])
    call = _Call(ctx, profile, request, redactor)
    retries = 0
    waited = 0.0
    while True:
        if call.time_left() == 0.0:
            raise call.deadline_failure(retries)
        try:
            response = call.send_once()
        except _DeadlinePassedError:
            raise call.deadline_failure(retries + 1) from None
        except _TooLargeError:
            raise call.too_large_failure(retries + 1) from None
        except httpx.TimeoutException as exc:
            raise call.transport_failure("timeout", f"{profile.display_name} did not answer in time", exc,
                                         retries + 1) from None
        except httpx.ConnectError as exc:
            # The request never reached the provider, so trying again cannot repeat its effect.
            decision = call.within_deadline(decide(policy, retries, waited, None))
            if decision.delay is None:
                raise call.transport_failure("connect", f"could not connect to {profile.display_name}", exc,
                                             retries + 1) from None
            call.log_retry("connection refused", decision.delay, retries, policy)
            policy.sleep(decision.delay)
            waited += decision.delay
            retries += 1
            continue
        except httpx.HTTPError as exc:
            raise call.transport_failure("network", f"request to {profile.display_name} failed", exc,
                                         retries + 1) from None

        status = response.status_code
        result = ProviderResponse(status, response.headers, _parse_body(response), response.content, retries + 1)
        if _is_redirect(status):
            # The call did not reach its action (a 302 to a login page is not a sent message), and following it
            # would hand the credential to whatever host the Location names.
            raise call.redirect_failure(result)
        rate_limited = profile.rate_limited(status, response.headers)
        if status in policy.retry_statuses or rate_limited:
            retry_after = parse_retry_after(response.headers.get("retry-after"))
            if retry_after is None and (rate_limited or status == 429):
                retry_after = profile.reset_delay(response.headers)
            decision = call.within_deadline(decide(policy, retries, waited, retry_after))
            if decision.delay is not None:
                call.log_retry(f"HTTP {status}", decision.delay, retries, policy)
                policy.sleep(decision.delay)
                waited += decision.delay
                retries += 1
                continue
            if accept_status is not None and accept_status(status):
                return result
            raise call.status_failure(result, retry_after=retry_after, beyond_bound=decision.beyond_bound,
                                      bound=policy.max_total_wait - waited)
        if status >= 400:
            if accept_status is not None and accept_status(status):
                return result
            raise call.status_failure(result)
        fault = profile.body_fault(result.body)
        if fault is not None:
            raise call.fault_failure(result, fault)
        return result


class _DeadlinePassedError(Exception):
    """The call's deadline passed while a response body was still arriving."""


class _TooLargeError(Exception):
    """The response body grew past the request's ``max_bytes``."""


class _Call:
    """One logical call (all its attempts): the prepared request and the error texts that quote it safely."""

    def __init__(
        self, ctx: ActionContext, profile: ProviderProfile, request: ProviderRequest, redactor: Redactor
    ) -> None:
        self.ctx = ctx
        self.profile = profile
        self.request = request
        self.redactor = redactor
        self.url = _url(ctx, profile, request)
        self.method = request.method.upper()
        self.auth_headers, self.auth_query = _credential(ctx, profile, request, self.url)

    def time_left(self) -> float | None:
        """Seconds until the context's deadline (0.0 once passed), None without one."""
        if self.ctx.deadline is None:
            return None
        return max(0.0, self.ctx.deadline - time.monotonic())

    def within_deadline(self, decision: RetryDecision) -> RetryDecision:
        left = self.time_left()
        if decision.delay is not None and left is not None and decision.delay >= left:
            return RetryDecision(None, exhausted=True)  # the retry could not start before the deadline
        return decision

    def send_once(self) -> httpx.Response:
        r = self.request
        headers = {**self.profile.headers, **r.headers, **self.auth_headers}
        kwargs: dict[str, Any] = {}
        if r.has_json:
            kwargs["json"] = r.json
        elif r.content is not None:
            kwargs["content"] = r.content
        elif r.form is not None:
            # Text-only multipart: httpx builds multipart/form-data from (None, value) file tuples.
            kwargs["files"] = [(k, (None, v)) for k, v in r.form.items()]
        params = {**{k: v for k, v in r.query.items() if v is not None}, **self.auth_query}
        timeout = r.timeout if r.timeout is not None else self.ctx.timeout
        left = self.time_left()
        if left is None and r.max_bytes is None:
            return self.ctx.http.request(self.method, self.url, params=params or None, headers=headers,
                                         timeout=timeout, follow_redirects=r.follow_redirects, **kwargs)
        built = self.ctx.http.build_request(self.method, self.url, params=params or None, headers=headers,
                                            timeout=timeout if left is None else min(timeout, left), **kwargs)
        response = self.ctx.http.send(built, stream=True, follow_redirects=r.follow_redirects)
        try:
            return self._read(response)
        finally:
            response.close()

    def _read(self, response: httpx.Response) -> httpx.Response:
        """The streamed response read whole, within the deadline (httpx times out each read, not the body: a
        provider trickling bytes would outlive it) and within ``max_bytes``."""
        limit = self.request.max_bytes
        # Bounded, the body is counted decoded (a small gzip body can inflate past any bound) and kept decoded;
        # else it is kept as sent and the copy decodes it, by the same headers, when its content is read.
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_raw() if limit is None else response.iter_bytes():
            if self.time_left() == 0.0:
                raise _DeadlinePassedError
            size += len(chunk)
            if limit is not None and size > limit:
                raise _TooLargeError
            chunks.append(chunk)
        headers = response.headers
        if limit is not None:
            headers = httpx.Headers([(k, v) for k, v in headers.multi_items()
                                     if k.lower() not in ("content-encoding", "content-length")])
        return httpx.Response(response.status_code, headers=headers, content=b"".join(chunks),
                              request=response.request)

    def safe(self, value: Any) -> Any:
        return self.ctx.redactor.data(self.redactor.data(value))

    def safe_url(self) -> str:
        parts = urlsplit(self.url)
        host = parts.hostname or ""
        netloc = f"{host}:{parts.port}" if parts.port else host
        return self.safe(urlunsplit((parts.scheme, netloc, parts.path, "", "")))

    def base_details(self, attempts: int) -> dict[str, Any]:
        return {"provider": self.profile.name, "method": self.method, "url": self.safe_url(), "attempts": attempts}

    def log_retry(self, reason: str, delay: float, retries: int, policy: RetryPolicy) -> None:
        self.ctx.logger.warning(
            "%s: %s from %s %s; retry %d of %d in %.2f s",
            self.profile.name, reason, self.method, self.safe_url(), retries + 1, policy.max_retries, delay,
        )

    def deadline_failure(self, attempts: int) -> ApiError:
        detail = "the call did not finish within the time an execute may take"
        details = {**self.base_details(attempts), "providerStatus": None, "providerMessage": detail,
                   "reason": "deadline"}
        message = f"{self.profile.display_name} did not answer in time ({self.method} {self.safe_url()}): {detail}"
        return ApiError(ErrorCode.ACTION_FAILED, message, details=details)

    def too_large_failure(self, attempts: int) -> ApiError:
        limit = self.request.max_bytes
        detail = f"the response body is larger than {limit} bytes"
        details = {**self.base_details(attempts), "providerStatus": None, "providerMessage": detail,
                   "reason": "too_large", "limit": limit}
        return ApiError(ErrorCode.ACTION_FAILED,
                        f"{self.profile.display_name} answered too much ({self.method} {self.safe_url()}): {detail}",
                        details=details)

    def transport_failure(self, reason: str, message: str, exc: Exception, attempts: int) -> ApiError:
        detail = self.safe(str(exc) or type(exc).__name__)
        details = {**self.base_details(attempts), "providerStatus": None, "providerMessage": detail, "reason": reason}
        return ApiError(ErrorCode.ACTION_FAILED, f"{message} ({self.method} {self.safe_url()}): {detail}",
                        details=details)

    def status_failure(
        self, result: ProviderResponse, *, retry_after: float | None = None, beyond_bound: bool = False,
        bound: float = 0.0,
    ) -> ApiError:
        fault = self.profile.error_fault(result.body) or _generic_fault(result)
        details = self._fault_details(result, fault)
        message = f"{self.profile.display_name} returned HTTP {result.status}: {details['providerMessage']}"
        if retry_after is not None:
            # In seconds, whichever form the provider used: a caller that retries (a flow step) waits as told.
            details["retryAfter"] = retry_after
        if retry_after is not None and beyond_bound:
            message += (f" (asked to retry after {retry_after:g} s, more than the {max(bound, 0.0):g} s"
                        " the retry bound allows)")
        elif result.attempts > 1:
            message += f" (after {result.attempts} attempts)"
        return ApiError(ErrorCode.ACTION_FAILED, message, details=details)

    def redirect_failure(self, result: ProviderResponse) -> ApiError:
        host = _redirect_host(self.url, result.headers.get("location"))
        target = f"a redirect to {host}" if host else "a redirect without a target host"
        detail = f"HTTP {result.status}, {target}; weavz-flow does not follow provider redirects"
        details = {**self.base_details(result.attempts), "providerStatus": result.status,
                   "providerMessage": self.safe(detail), "redirectHost": self.safe(host), "reason": "redirect"}
        return ApiError(ErrorCode.ACTION_FAILED,
                        f"{self.profile.display_name} answered {details['providerMessage']} ({self.method} "
                        f"{self.safe_url()})", details=details)

    def fault_failure(self, result: ProviderResponse, fault: ProviderFault) -> ApiError:
        details = self._fault_details(result, fault)
        return ApiError(ErrorCode.ACTION_FAILED, f"{self.profile.display_name} error: {details['providerMessage']}",
                        details=details)

    def _fault_details(self, result: ProviderResponse, fault: ProviderFault) -> dict[str, Any]:
        return {
            **self.base_details(result.attempts),
            "providerStatus": result.status,
            "providerMessage": self.safe(fault.message),
            **self.safe(dict(fault.details)),
        }


def _url(ctx: ActionContext, profile: ProviderProfile, request: ProviderRequest) -> str:
    if request.path.startswith(("http://", "https://")):
        return request.path
    base = base_url(ctx, profile)
    if not base:
        raise ApiError(ErrorCode.ACTION_FAILED, f"{profile.display_name}: no base URL to send {request.path} to",
                       details={"provider": profile.name})
    return base.rstrip("/") + "/" + request.path.lstrip("/")


def _is_redirect(status: int) -> bool:
    # 304 Not Modified answers a conditional request (If-None-Match): no Location, nothing to follow; the caller that
    # sent the condition reads it (RFC 9110 §15.4.5).
    return 300 <= status < 400 and status != 304


def _redirect_host(url: str, location: str | None) -> str | None:
    """Only the host of a redirect's target: its path and query may carry a token."""
    if not location:
        return None
    try:
        target = urlsplit(urljoin(url, location))
        host = target.hostname
        port = target.port
    except ValueError:
        return None
    if not host:
        return None
    return f"{host}:{port}" if port else host


def _credential(
    ctx: ActionContext, profile: ProviderProfile, request: ProviderRequest, url: str
) -> tuple[dict[str, str], dict[str, str]]:
    """The headers and query parameters that carry the connection's credential, as the profile places it.

    Whatever carries it (a header, basic auth, a query parameter), the credential is sent only to an origin of the
    profile (its default base URL, its ``other_base_urls``) or the connection's own base URL: an absolute URL that an
    action builds from a provider's answer (a next-page link, an upload URL) cannot take it anywhere else.
    """
    if request.auth_header:
        return {"Authorization": request.auth_header}, {}
    auth = provider_auth(profile.auth)
    if not auth.needs_credential:
        return {}, {}
    placements = auth.placements(ctx.credentials.type) if ctx.credentials is not None else None
    if ctx.credentials is None or placements is None:
        kinds = ", ".join(auth.connection_types)
        raise ApiError(
            ErrorCode.CONNECTION_REQUIRED,
            f"{profile.display_name} needs a connection ({kinds}) for {ctx.integration}.{ctx.action}",
            details={"integrationName": ctx.integration, "actionName": ctx.action},
        )
    parts = _credential_parts(ctx)
    headers: dict[str, str] = {}
    query: dict[str, str] = {}

    def fill(template: str) -> str:
        return render(template, parts, integration=ctx.integration, action=ctx.action,
                      display_name=profile.display_name)

    for placement in placements:
        if placement.where == "basic":
            pair = f"{fill(placement.value)}:{fill(placement.password) if placement.password else ''}"
            headers["Authorization"] = "Basic " + base64.b64encode(pair.encode("utf-8")).decode("ascii")
        elif placement.where == "header":
            headers[placement.name] = fill(placement.value)
        else:
            query[placement.name] = fill(placement.value)
    if headers or query:
        parts_url = urlsplit(url)
        check_credential_host(f"{parts_url.scheme}://{parts_url.netloc}", credential_origins(ctx, profile),
                              integration=profile.name, field="url")
    return headers, query


def _credential_parts(ctx: ActionContext) -> dict[str, str]:
    credentials = ctx.credentials
    if credentials is None:
        return {}
    parts = {k: str(v) for k, v in (credentials.props.reveal() if credentials.props else {}).items()
             if isinstance(v, str | int) and not isinstance(v, bool)}
    token = credentials.token()
    if token:
        parts["secret"] = token
    if credentials.username:
        parts["username"] = credentials.username
    if credentials.password is not None:
        parts["password"] = credentials.password.reveal()
    return parts


def _parse_body(response: httpx.Response) -> Any:
    if not response.content:
        return None
    content_type = response.headers.get("content-type", "")
    if "json" in content_type:
        try:
            return json.loads(response.content)
        except ValueError:
            pass
    try:
        return response.content.decode(response.encoding or "utf-8")
    except (LookupError, UnicodeDecodeError):
        return None


def _generic_fault(result: ProviderResponse) -> ProviderFault:
    body = result.body
    if isinstance(body, dict):
        for key in ("message", "error_description", "error", "detail"):
            value = body.get(key)
            if isinstance(value, str) and value:
                return ProviderFault(value)
    if isinstance(body, str) and body.strip():
        return ProviderFault(body.strip()[:_MESSAGE_LIMIT])
    return ProviderFault(f"HTTP {result.status}")
