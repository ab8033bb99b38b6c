"""A provider as data: where it lives, how it authenticates, how it reports failure; and one call's request/response.

Every HTTP integration describes its provider with a :class:`ProviderProfile`; :mod:`provider_http` is the one place
that sends, retries and translates failures using it. Nothing here imports httpx, so the catalog loads without it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from weavz_flow.integrations.provider_auth import ProviderAuth
from weavz_flow.integrations.retry import RetryPolicy


@dataclass(frozen=True, slots=True)
class ProviderFault:
    """What a provider said about a failure: a message and extra, provider-specific details (already plain data)."""

    message: str
    details: Mapping[str, Any] = field(default_factory=dict)


def no_fault(body: Any) -> ProviderFault | None:
    return None


def no_rate_limit(status: int, headers: Mapping[str, str]) -> bool:
    return False


def no_reset_delay(headers: Mapping[str, str]) -> float | None:
    return None


@dataclass(frozen=True)
class ProviderProfile:
    name: str  # the integration name, e.g. "slack"
    display_name: str  # for messages: "Slack"
    # None: requests carry absolute URLs (the http integration). It may name CUSTOM_AUTH props in its host
    # (``https://{subdomain}.zendesk.com``): each is filled with the connection's prop, a plain DNS label or labels.
    default_base_url: str | None
    # Further hosts of the same provider that its actions (and custom_api_call) may send the credential to, as base
    # URLs: Dropbox serves file content from another host than its RPC endpoints.
    other_base_urls: tuple[str, ...] = ()
    # Where the connection's credential goes, per connection type (provider_auth); "bearer" (Authorization: Bearer
    # <token>, any type) and "none" name the two common schemes.
    auth: ProviderAuth | str = "bearer"
    headers: Mapping[str, str] = field(default_factory=dict)  # sent with every request
    # The provider's explanation in an error response body (any status >= 400).
    error_fault: Callable[[Any], ProviderFault | None] = no_fault
    # A failure reported inside a successful response, as Slack does with HTTP 200 {"ok": false}.
    body_fault: Callable[[Any], ProviderFault | None] = no_fault
    # A rate limit answered with a status other than 429 (GitHub: 403 with the remaining quota at 0).
    rate_limited: Callable[[int, Mapping[str, str]], bool] = no_rate_limit
    # Seconds until the quota resets when the provider says so without Retry-After (GitHub's x-ratelimit-reset).
    reset_delay: Callable[[Mapping[str, str]], float | None] = no_reset_delay
    retry: RetryPolicy = field(default_factory=RetryPolicy)


@dataclass(frozen=True, slots=True)
class ProviderRequest:
    method: str
    path: str  # appended to the base URL; an absolute http(s) URL is used as it is
    query: Mapping[str, Any] = field(default_factory=dict)
    json: Any = None
    has_json: bool = False  # a JSON body is sent (even when it is null or empty)
    content: bytes | str | None = None
    form: Mapping[str, str] | None = None  # multipart text fields
    headers: Mapping[str, str] = field(default_factory=dict)
    # Bearer token or basic credentials given here instead of by the connection (the http integration).
    auth_header: str | None = None
    secrets: tuple[str, ...] = ()  # values to redact from errors besides the connection's
    timeout: float | None = None  # overrides the context's timeout
    follow_redirects: bool = False
    # Bytes of the (decoded) response body past which the call fails as too large, unread; None: unbounded.
    max_bytes: int | None = None


@dataclass(frozen=True, slots=True)
class ProviderResponse:
    status: int
    headers: Mapping[str, str]
    body: Any  # parsed JSON when the provider sent JSON, else text
    content: bytes
    attempts: int = 1
