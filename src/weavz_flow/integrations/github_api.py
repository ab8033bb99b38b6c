"""How weavz-flow talks to GitHub's REST API (https://docs.github.com/rest): the provider profile, GitHub's error
and rate-limit signals, and the path forms of its inputs.

Sources (docs.github.com, REST API version 2022-11-28): the ``Accept: application/vnd.github+json`` and
``X-GitHub-Api-Version`` headers ("Getting started with the REST API"); errors as ``{"message",
"documentation_url"}``, 422 adding ``errors`` ("Troubleshooting the REST API"); a 403 or 429 with ``Retry-After``
(secondary limit) or ``x-ratelimit-remaining: 0`` with the reset time in ``x-ratelimit-reset`` ("Rate limits for the
REST API"); a file's path in ``/repos/{owner}/{repo}/contents/{path}`` and a ref's name in ``/git/ref/{ref}`` keep
their slashes ("Repository contents", "Git references").
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import quote

from weavz_flow.errors import ApiError, ErrorCode
from weavz_flow.integrations.provider import ProviderFault, ProviderProfile


def github_fault(body: Any) -> ProviderFault | None:
    if not isinstance(body, dict) or not isinstance(body.get("message"), str):
        return None
    message = body["message"]
    details: dict[str, Any] = {}
    if body.get("documentation_url"):
        details["documentationUrl"] = body["documentation_url"]
    errors = body.get("errors")
    if isinstance(errors, list) and errors:
        details["errors"] = errors
        parts = [
            e.get("message") or " ".join(str(e[k]) for k in ("resource", "field", "code") if e.get(k))
            if isinstance(e, dict) else str(e)
            for e in errors
        ]
        message = f"{message}: " + "; ".join(p for p in parts if p)
    return ProviderFault(message, details)


def github_rate_limited(status: int, headers: Mapping[str, str]) -> bool:
    return status in (403, 429) and ("retry-after" in headers or headers.get("x-ratelimit-remaining") == "0")


def github_reset_delay(headers: Mapping[str, str]) -> float | None:
    reset = headers.get("x-ratelimit-reset")
    if not reset:
        return None
    try:
        return max(0.0, float(reset) - time.time())
    except ValueError:
        return None


GITHUB = ProviderProfile(
    name="github",
    display_name="GitHub",
    default_base_url="https://api.github.com",
    headers={"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28",
             "User-Agent": "weavz-flow"},
    error_fault=github_fault,
    rate_limited=github_rate_limited,
    reset_delay=github_reset_delay,
)


def _invalid(field: str, message: str, value: Any) -> ApiError:
    return ApiError(ErrorCode.VALIDATION_ERROR, f"'{field}' {message}, got {str(value)!r}",
                    details={"fields": [{"field": field, "message": message}]})


def repository_path(value: Any) -> str:
    """``owner/repo`` (or a github.com URL of it) as two percent-encoded path segments."""
    text = str(value).strip().removesuffix(".git")
    for prefix in ("https://github.com/", "http://github.com/", "github.com/"):
        text = text.removeprefix(prefix)
    parts = [p for p in text.strip("/").split("/") if p]
    if len(parts) != 2:
        raise _invalid("repository", "must be 'owner/repo'", value)
    return "/".join(quote(p, safe="") for p in parts)


def slashed_path(field: str) -> Callable[[Any], str]:
    """A path encoder for a value whose slashes are segments (a file path, a branch ``release/1.0``): each segment
    percent-encoded, none of them empty, ``.`` or ``..`` (which would address another resource)."""

    def encode(value: Any) -> str:
        parts = str(value).strip().strip("/").split("/")
        if any(p in ("", ".", "..") for p in parts):
            raise _invalid(field, "must be a path without empty, '.' or '..' segments", value)
        return "/".join(quote(p, safe="") for p in parts)

    return encode
