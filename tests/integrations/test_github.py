from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import httpx
import pytest

from tests.integrations.context import SleepRecorder, context
from tests.stubs.github import DOCS, GITHUB_TOKEN, GitHubStub
from weavz_flow.errors import ApiError, ErrorCode
from weavz_flow.integrations.github import ACTIONS
from weavz_flow.integrations.retry import RetryPolicy


def run(http: httpx.Client, stub: GitHubStub, action: str, values: dict[str, Any], *, token: str = GITHUB_TOKEN,
        sleep: SleepRecorder | None = None, retry: RetryPolicy | None = None) -> Any:
    ctx = context(http, "github", action, base_url=stub.url, token=token, sleep=sleep, retry=retry)
    return ACTIONS[action].run(ctx, values)


def failure(http: httpx.Client, stub: GitHubStub, action: str, values: dict[str, Any], **kw: Any) -> ApiError:
    with pytest.raises(ApiError) as caught:
        run(http, stub, action, values, **kw)
    return caught.value


def test_create_issue_splits_comma_lists(http: httpx.Client, github_stub: GitHubStub) -> None:
    out = run(http, github_stub, "create_issue",
              {"repository": "acme/api", "title": "New bug", "body": "steps", "labels": "bug, p1",
               "assignees": "octocat"})
    req = github_stub.last
    assert (req.method, req.path) == ("POST", "/repos/acme/api/issues")
    assert req.bearer == GITHUB_TOKEN
    assert req.headers["accept"] == "application/vnd.github+json"
    assert req.json == {"title": "New bug", "body": "steps", "labels": ["bug", "p1"], "assignees": ["octocat"]}
    assert out["number"] == 4 and out["title"] == "New bug"
    assert [label["name"] for label in out["labels"]] == ["bug", "p1"]


def test_get_issue_uses_an_integer_number_in_the_path(http: httpx.Client, github_stub: GitHubStub) -> None:
    out = run(http, github_stub, "get_issue", {"repository": "acme/api", "issue_number": 1.0})
    assert github_stub.last.path == "/repos/acme/api/issues/1"
    assert out["title"] == "Crash on start"


def test_list_issues_returns_the_list(http: httpx.Client, github_stub: GitHubStub) -> None:
    out = run(http, github_stub, "list_issues", {"repository": "acme/api", "state": "all", "per_page": 10})
    assert github_stub.last.query == {"state": "all", "per_page": "10"}
    assert [i["number"] for i in out] == [1, 2]


def test_update_issue_patches_only_given_fields(http: httpx.Client, github_stub: GitHubStub) -> None:
    out = run(http, github_stub, "update_issue", {"repository": "acme/api", "issue_number": 1, "state": "closed"})
    assert (github_stub.last.method, github_stub.last.json) == ("PATCH", {"state": "closed"})
    assert out["state"] == "closed"


def test_add_comment_to_issue(http: httpx.Client, github_stub: GitHubStub) -> None:
    out = run(http, github_stub, "add_comment_to_issue", {"repository": "acme/api", "issue_number": 1, "body": "+1"})
    assert github_stub.last.path == "/repos/acme/api/issues/1/comments"
    assert github_stub.last.json == {"body": "+1"}
    assert out["body"] == "+1"


def test_list_pull_requests(http: httpx.Client, github_stub: GitHubStub) -> None:
    out = run(http, github_stub, "list_pull_requests", {"repository": "acme/api", "state": "open"})
    assert github_stub.last.path == "/repos/acme/api/pulls"
    assert [p["number"] for p in out] == [3]


@pytest.mark.parametrize(
    ("action", "values", "path"),
    [
        ("get_repository", {"repository": "https://github.com/acme/api"}, "/repos/acme/api"),
        ("get_pull_request", {"repository": "acme/api", "pull_number": 3}, "/repos/acme/api/pulls/3"),
        ("search_issues", {"query": "crash"}, "/search/issues"),
        ("get_authenticated_user", {}, "/user"),
    ],
)
def test_further_actions(http: httpx.Client, github_stub: GitHubStub, action: str, values: dict[str, Any],
                         path: str) -> None:
    out = run(http, github_stub, action, values)
    assert github_stub.last.path == path
    assert out


def test_not_found_carries_message_and_documentation_url(http: httpx.Client, github_stub: GitHubStub) -> None:
    err = failure(http, github_stub, "get_issue", {"repository": "acme/api", "issue_number": 99})
    assert err.code == ErrorCode.ACTION_FAILED and err.status == 400
    assert err.details is not None
    assert err.details["providerStatus"] == 404
    assert err.details["providerMessage"] == "Not Found"
    assert err.details["documentationUrl"] == DOCS
    assert err.details["url"].endswith("/repos/acme/api/issues/99")


def test_validation_failed_lists_the_errors(http: httpx.Client, github_stub: GitHubStub) -> None:
    err = failure(http, github_stub, "add_comment_to_issue", {"repository": "acme/api", "issue_number": 1, "body": ""})
    assert err.details is not None and err.details["providerStatus"] == 422
    assert "Validation Failed" in err.details["providerMessage"] and "body" in err.details["providerMessage"]


def test_malformed_repository_is_rejected_before_sending(http: httpx.Client, github_stub: GitHubStub) -> None:
    err = failure(http, github_stub, "get_repository", {"repository": "just-a-name"})
    assert err.code == ErrorCode.VALIDATION_ERROR
    assert github_stub.requests == []


def test_secondary_rate_limit_403_with_retry_after_is_retried(http: httpx.Client, github_stub: GitHubStub) -> None:
    github_stub.fail_next(403, n=1, retry_after=2)
    sleep = SleepRecorder()
    out = run(http, github_stub, "get_issue", {"repository": "acme/api", "issue_number": 1}, sleep=sleep)
    assert out["number"] == 1
    assert sleep.waits == [2.0]
    assert len(github_stub.requests) == 2


def test_retry_after_as_http_date_is_honoured(http: httpx.Client, github_stub: GitHubStub) -> None:
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=20), usegmt=True)
    github_stub.fail_next(429, n=1, retry_after=when)
    sleep = SleepRecorder()
    run(http, github_stub, "get_issue", {"repository": "acme/api", "issue_number": 1}, sleep=sleep)
    assert len(sleep.waits) == 1 and 10 < sleep.waits[0] <= 20


def test_plain_403_is_final(http: httpx.Client, github_stub: GitHubStub) -> None:
    github_stub.fail_next(403, body={"message": "Resource not accessible by integration", "documentation_url": DOCS})
    err = failure(http, github_stub, "get_issue", {"repository": "acme/api", "issue_number": 1})
    assert err.details is not None and err.details["providerStatus"] == 403
    assert len(github_stub.requests) == 1


def test_retry_after_beyond_the_bound_fails_fast(http: httpx.Client, github_stub: GitHubStub) -> None:
    github_stub.fail_next(429, n=5, retry_after=120)
    sleep = SleepRecorder()
    err = failure(http, github_stub, "list_issues", {"repository": "acme/api"},
                  retry=RetryPolicy(max_total_wait=30, sleep=sleep))
    assert err.code == ErrorCode.ACTION_FAILED
    assert err.details is not None
    assert err.details["retryAfter"] == 120 and err.details["providerStatus"] == 429
    assert sleep.waits == [] and len(github_stub.requests) == 1


def test_5xx_is_retried_with_exponential_backoff_then_gives_up(http: httpx.Client, github_stub: GitHubStub) -> None:
    github_stub.fail_next(502, n=10)
    sleep = SleepRecorder()
    err = failure(http, github_stub, "list_issues", {"repository": "acme/api"},
                  retry=RetryPolicy(max_retries=3, base_delay=0.5, sleep=sleep))
    assert sleep.waits == [0.5, 1.0, 2.0]
    assert err.details is not None
    assert err.details["attempts"] == 4 and err.details["providerStatus"] == 502
    assert len(github_stub.requests) == 4


def test_5xx_then_success(http: httpx.Client, github_stub: GitHubStub) -> None:
    github_stub.fail_next(503, n=1)
    out = run(http, github_stub, "list_issues", {"repository": "acme/api"})
    assert [i["number"] for i in out] == [1]


def test_bad_token_never_appears_in_the_error(http: httpx.Client, github_stub: GitHubStub) -> None:
    canary = "ghp_CANARY_never_print_me_42"
    err = failure(http, github_stub, "get_authenticated_user", {}, token=canary)
    assert err.details is not None and err.details["providerStatus"] == 401
    assert canary not in f"{err} {err!r} {err.to_body()}"


def test_a_provider_echoing_the_token_is_redacted(http: httpx.Client, github_stub: GitHubStub) -> None:
    github_stub.fail_next(400, body={"message": f"token {GITHUB_TOKEN} is malformed", "documentation_url": DOCS})
    err = failure(http, github_stub, "get_authenticated_user", {})
    assert GITHUB_TOKEN not in f"{err} {err.to_body()}"
    assert "[REDACTED]" in err.message


def test_exhausted_quota_waits_until_the_reset(http: httpx.Client, github_stub: GitHubStub) -> None:
    reset = int(datetime.now(UTC).timestamp()) + 6
    github_stub.fail_next(403, headers={"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(reset)},
                          body={"message": "API rate limit exceeded", "documentation_url": DOCS})
    sleep = SleepRecorder()
    run(http, github_stub, "get_issue", {"repository": "acme/api", "issue_number": 1}, sleep=sleep)
    assert len(sleep.waits) == 1 and 3 < sleep.waits[0] <= 6
