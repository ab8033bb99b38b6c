"""GitHub (https://docs.github.com/rest): issues, comments, pull requests and repositories over the REST API.

``repository`` is ``owner/repo``. Errors are ``{"message", "documentation_url"}``; a 403 or 429 with
``Retry-After`` or an exhausted quota (``x-ratelimit-remaining: 0``, reset at ``x-ratelimit-reset``) is a rate limit
and retried within the bound. Outputs are GitHub's JSON bodies (lists for list actions).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from weavz_flow.catalog.model import AuthForm
from weavz_flow.errors import ApiError, ErrorCode
from weavz_flow.integrations.base import NativeIntegration
from weavz_flow.integrations.http_spec import HttpSpec, comma_list, spec_actions, wire
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


def repository_path(value: Any) -> str:
    """``owner/repo`` (or a github.com URL of it) as two percent-encoded path segments."""
    text = str(value).strip().removesuffix(".git")
    for prefix in ("https://github.com/", "http://github.com/", "github.com/"):
        text = text.removeprefix(prefix)
    parts = [p for p in text.strip("/").split("/") if p]
    if len(parts) != 2:
        raise ApiError(ErrorCode.VALIDATION_ERROR, f"'repository' must be 'owner/repo', got {str(value)!r}",
                       details={"fields": [{"field": "repository", "message": "must be 'owner/repo'"}]})
    return "/".join(quote(p, safe="") for p in parts)


_REPO = {"repository": repository_path}
_LISTS = {"labels": comma_list, "assignees": comma_list}


_ISSUE_PATH = "/repos/{repository}/issues/{issue_number}"

ACTIONS = spec_actions(GITHUB, {
    "get_repository": HttpSpec("GET", "/repos/{repository}", path_encoders=_REPO),
    "create_issue": HttpSpec("POST", "/repos/{repository}/issues", body=wire("title", "body", "labels", "assignees"),
                             encoders=_LISTS, path_encoders=_REPO),
    "get_issue": HttpSpec("GET", _ISSUE_PATH, path_encoders=_REPO),
    "list_issues": HttpSpec("GET", "/repos/{repository}/issues", query=wire("state", "labels", "sort", "per_page"),
                            path_encoders=_REPO),
    "update_issue": HttpSpec("PATCH", _ISSUE_PATH, body=wire("title", "body", "state", "labels", "assignees"),
                             encoders=_LISTS, path_encoders=_REPO),
    "add_comment_to_issue": HttpSpec("POST", _ISSUE_PATH + "/comments", body=wire("body"), path_encoders=_REPO),
    "search_issues": HttpSpec("GET", "/search/issues", query=wire("sort", "per_page", q="query")),
    "get_pull_request": HttpSpec("GET", "/repos/{repository}/pulls/{pull_number}", path_encoders=_REPO),
    "list_pull_requests": HttpSpec("GET", "/repos/{repository}/pulls", query=wire("state", "sort", "per_page"),
                                   path_encoders=_REPO),
    "get_authenticated_user": HttpSpec("GET", "/user"),
})

INTEGRATION = NativeIntegration(
    name="github",
    display_name="GitHub",
    description="Issues, comments, pull requests and repositories on GitHub (or GitHub Enterprise by base URL).",
    actions=ACTIONS,
    auth_types=("SECRET_TEXT", "OAUTH2"),
    default_base_url=GITHUB.default_base_url,
    # GitHub's name for it (docs.github.com: "Managing your personal access tokens").
    auth_form=AuthForm(secret_label="Personal access token",
                       secret_description="A fine-grained or classic personal access token from GitHub's Developer "
                                          "settings."),
)
