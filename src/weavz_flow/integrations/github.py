"""GitHub (https://docs.github.com/rest): repositories, commits, tags, branches, files, issues, pull requests and
reviews over the REST API, and ``custom_api_call`` for the rest of it; its polling triggers are
:mod:`github_triggers`'s.

``repository`` is ``owner/repo``. Errors, rate limits and paths are :mod:`github_api`'s; the actions over Git data
and files are :mod:`github_git`'s. Outputs are GitHub's JSON bodies (lists for list actions: one page of
``per_page``, at most 100). Endpoints, methods and bodies, from the docs.github.com REST reference (2022-11-28):

- repos/repos: ``GET /repos/{owner}/{repo}``, ``POST /user/repos`` (``name``, ``description``, ``private``,
  ``auto_init``), ``GET /repos/{owner}/{repo}/tags``; repos/forks: ``POST /repos/{owner}/{repo}/forks``
  (``organization``; 202 with the fork); branches/branches: ``GET /repos/{owner}/{repo}/branches``;
  commits/commits: ``GET /repos/{owner}/{repo}/commits`` (``sha``, ``per_page``).
- search/search: ``GET /search/repositories`` and ``GET /search/issues`` (``q``, ``sort``, ``per_page``).
- issues/issues: ``POST``/``GET``/``PATCH /repos/{owner}/{repo}/issues[/{n}]``, ``PUT .../issues/{n}/lock``
  (``lock_reason``: off-topic, too heated, resolved or spam; 204); issues/comments: ``POST .../issues/{n}/comments``.
- pulls/pulls: ``POST``/``GET /repos/{owner}/{repo}/pulls`` (``title``, ``body``, ``head``, ``base``, ``draft``),
  ``PATCH .../pulls/{n}`` (``title``, ``body``, ``state``, ``base``), ``PUT .../pulls/{n}/merge`` (``merge_method``
  merge, squash or rebase, ``commit_title``; 405 when not mergeable); pulls/reviews: ``POST .../pulls/{n}/reviews``
  (``event`` APPROVE, REQUEST_CHANGES or COMMENT, ``body``).
- users/users: ``GET /user``; repos/repos (list for the authenticated user) and using-pagination-in-the-rest-api for
  the repository options below.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from weavz_flow.catalog.model import AuthForm
from weavz_flow.integrations.base import ActionContext, NativeIntegration
from weavz_flow.integrations.custom_api_call import plain_custom_api_call
from weavz_flow.integrations.github_api import GITHUB, repository_path
from weavz_flow.integrations.github_git import (
    PUT_FILE,
    create_branch,
    create_tag,
    delete_branch,
    get_file_contents,
)
from weavz_flow.integrations.github_triggers import TRIGGERS
from weavz_flow.integrations.http_spec import HttpSpec, call, call_spec, comma_list, spec_actions, wire
from weavz_flow.integrations.native_action import choice
from weavz_flow.integrations.options import Option, OptionPage, OptionSource, property_options
from weavz_flow.integrations.provider import ProviderRequest

_REPO = {"repository": repository_path}
_LISTS = {"labels": comma_list, "assignees": comma_list}
_ISSUE_PATH = "/repos/{repository}/issues/{issue_number}"
_PULL_PATH = "/repos/{repository}/pulls/{pull_number}"
LOCK_REASONS = ("off-topic", "too heated", "resolved", "spam")
MERGE_METHODS = ("merge", "squash", "rebase")
REVIEW_EVENTS = ("approve", "request_changes", "comment")


def _listing(path: str, *fields: str) -> HttpSpec:
    return HttpSpec("GET", path, query=wire(*fields, "per_page"), path_encoders=_REPO)


LOCK = HttpSpec("PUT", _ISSUE_PATH + "/lock", body=wire("lock_reason"), path_encoders=_REPO)
MERGE = HttpSpec("PUT", _PULL_PATH + "/merge", body=wire("merge_method", "commit_title"), path_encoders=_REPO)
REVIEW = HttpSpec("POST", _PULL_PATH + "/reviews", body=wire("event", "body"), encoders={"event": str.upper},
                  path_encoders=_REPO)


def lock_issue(ctx: ActionContext, values: dict[str, Any]) -> dict[str, Any]:
    """GitHub answers 204 with no body: the output says what was locked."""
    reason = choice(ctx, values, "lock_reason", LOCK_REASONS) if values.get("lock_reason") else None
    call_spec(ctx, GITHUB, LOCK, {**values, "lock_reason": reason})
    return {"issue_number": values["issue_number"], "locked": True, "lock_reason": reason}


def merge_pull_request(ctx: ActionContext, values: dict[str, Any]) -> Any:
    method = choice(ctx, values, "merge_method", MERGE_METHODS) if values.get("merge_method") else None
    return call_spec(ctx, GITHUB, MERGE, {**values, "merge_method": method})


def create_pull_request_review(ctx: ActionContext, values: dict[str, Any]) -> Any:
    return call_spec(ctx, GITHUB, REVIEW, {**values, "event": choice(ctx, values, "event", REVIEW_EVENTS)})


ACTIONS = spec_actions(GITHUB, {
    "get_repository": HttpSpec("GET", "/repos/{repository}", path_encoders=_REPO),
    "create_repository": HttpSpec("POST", "/user/repos", body=wire("name", "description", "private", "auto_init")),
    "fork_repository": HttpSpec("POST", "/repos/{repository}/forks", body=wire("organization"), path_encoders=_REPO),
    "search_repositories": HttpSpec("GET", "/search/repositories", query=wire("sort", "per_page", q="query")),
    "list_commits": _listing("/repos/{repository}/commits", "sha"),
    "list_tags": _listing("/repos/{repository}/tags"),
    "create_tag": create_tag,
    "create_branch": create_branch,
    "list_branches": _listing("/repos/{repository}/branches"),
    "delete_branch": delete_branch,
    "get_file_contents": get_file_contents,
    "create_or_update_file": PUT_FILE,
    "create_issue": HttpSpec("POST", "/repos/{repository}/issues", body=wire("title", "body", "labels", "assignees"),
                             encoders=_LISTS, path_encoders=_REPO),
    "get_issue": HttpSpec("GET", _ISSUE_PATH, path_encoders=_REPO),
    "list_issues": _listing("/repos/{repository}/issues", "state", "labels", "sort"),
    "update_issue": HttpSpec("PATCH", _ISSUE_PATH, body=wire("title", "body", "state", "labels", "assignees"),
                             encoders=_LISTS, path_encoders=_REPO),
    "add_comment_to_issue": HttpSpec("POST", _ISSUE_PATH + "/comments", body=wire("body"), path_encoders=_REPO),
    "lock_issue": lock_issue,
    "search_issues": HttpSpec("GET", "/search/issues", query=wire("sort", "per_page", q="query")),
    "create_pull_request": HttpSpec("POST", "/repos/{repository}/pulls",
                                    body=wire("title", "body", "head", "base", "draft"), path_encoders=_REPO),
    "get_pull_request": HttpSpec("GET", _PULL_PATH, path_encoders=_REPO),
    "list_pull_requests": _listing("/repos/{repository}/pulls", "state", "sort"),
    "merge_pull_request": merge_pull_request,
    "update_pull_request": HttpSpec("PATCH", _PULL_PATH, body=wire("title", "body", "state", "base"),
                                    path_encoders=_REPO),
    "create_pull_request_review": create_pull_request_review,
    "get_authenticated_user": HttpSpec("GET", "/user"),
})
ACTIONS["custom_api_call"] = plain_custom_api_call(GITHUB, url_field="path")

# --- dynamic options ---------------------------------------------------------------------------------------------
# GET /user/repos lists the repositories the token's user can reach (owned, collaborator, organization member),
# ``per_page`` at most 100, ``page`` from 1; a ``Link`` header with rel="next" says another page follows. Sources:
# https://docs.github.com/rest/repos/repos#list-repositories-for-the-authenticated-user and
# https://docs.github.com/rest/using-the-rest-api/using-pagination-in-the-rest-api. Only the header's rel="next" is
# read, never its URL: the next request goes to the same host with the next page number.
_REPOS_PER_PAGE = 100


def _repositories(ctx: ActionContext, values: Mapping[str, Any], cursor: str | None) -> OptionPage:
    page = int(cursor) if cursor else 1
    response = call(ctx, GITHUB, ProviderRequest("GET", "/user/repos", query={
        "per_page": _REPOS_PER_PAGE, "page": page, "sort": "full_name"}))
    repos = response.body if isinstance(response.body, list) else []
    more = 'rel="next"' in response.headers.get("link", "")
    return OptionPage(tuple(Option(r["full_name"], r["full_name"]) for r in repos
                            if isinstance(r, dict) and r.get("full_name")), str(page + 1) if more else None)


# The actions without a ``repository`` field (the others all have one, as the catalog says).
_NO_REPOSITORY = frozenset({"create_repository", "search_repositories", "search_issues", "get_authenticated_user",
                            "custom_api_call"})
REPOSITORIES = OptionSource("GitHub repositories", _repositories)

OPTIONS = property_options({
    REPOSITORIES: [f"{name}.repository" for name in ACTIONS if name not in _NO_REPOSITORY],
})

INTEGRATION = NativeIntegration(
    name="github",
    display_name="GitHub",
    description="Repositories, branches, files, issues, pull requests and reviews on GitHub (or GitHub Enterprise by "
                "base URL).",
    actions=ACTIONS,
    auth_types=("SECRET_TEXT", "OAUTH2"),
    default_base_url=GITHUB.default_base_url,
    # GitHub's name for it (docs.github.com: "Managing your personal access tokens").
    auth_form=AuthForm(secret_label="Personal access token",
                       secret_description="A fine-grained or classic personal access token from GitHub's Developer "
                                          "settings."),
    options=OPTIONS,
    triggers=TRIGGERS,
)
