"""GitHub: every catalog action executed through the engine (alias -> connection -> the GitHub stub), asserting what
GitHub received (method, path, query, headers, body) and what the action returned; the Link header of a listing, a
GitHub error, a refused token and custom_api_call. (``test_github.py`` runs single actions for retries and errors.)"""

from __future__ import annotations

import base64
from typing import Any

import pytest

from tests.integrations.provider_suite import (
    AliasedEngine,
    assert_provider_failure,
    provider_fixtures,
    refused_token_failure,
)
from tests.stubs.github import GITHUB_TOKEN, GitHubStub
from tests.stubs.github_git import FIX_SHA, LOGO, MAIN_SHA, README, RELEASE_SHA, blob_sha
from weavz_flow.catalog.catalog import Catalog
from weavz_flow.errors import ErrorCode
from weavz_flow.integrations.registry import NATIVE_INTEGRATIONS

provider_server, provider_engine, stub = provider_fixtures(GitHubStub, "github", GITHUB_TOKEN, "")


@pytest.fixture
def github(provider_engine: AliasedEngine, stub: GitHubStub) -> AliasedEngine:
    return provider_engine


def sent(stub: GitHubStub) -> list[tuple[str, str]]:
    return [(r.method, r.path) for r in stub.requests]


def received(stub: GitHubStub) -> tuple[str, str, dict[str, str], Any]:
    """The last request as GitHub saw it, after checking the headers every GitHub call carries."""
    req = stub.last
    assert req.bearer == GITHUB_TOKEN
    assert req.headers["accept"] == "application/vnd.github+json"
    assert req.headers["x-github-api-version"] == "2022-11-28"
    return req.method, req.path, req.query, req.json


def test_every_catalog_action_is_native(sdk_catalog: Catalog) -> None:
    assert set(NATIVE_INTEGRATIONS["github"].actions) == set(sdk_catalog.integration("github").actions)


def test_create_repository(github: AliasedEngine, stub: GitHubStub) -> None:
    out = github.run("create_repository", {"name": "tools", "description": "Scripts", "private": True,
                                           "auto_init": True})
    assert received(stub) == ("POST", "/user/repos", {}, {"name": "tools", "description": "Scripts",
                                                          "private": True, "auto_init": True})
    assert out["full_name"] == "octocat/tools" and out["private"] is True


def test_fork_repository_into_an_organization(github: AliasedEngine, stub: GitHubStub) -> None:
    out = github.run("fork_repository", {"repository": "octocat/hello-world", "organization": "acme"})
    assert received(stub) == ("POST", "/repos/octocat/hello-world/forks", {}, {"organization": "acme"})
    assert out["full_name"] == "acme/hello-world" and out["fork"] is True


def test_search_repositories(github: AliasedEngine, stub: GitHubStub) -> None:
    out = github.run("search_repositories", {"query": "acme", "sort": "stars", "per_page": 1})
    assert received(stub) == ("GET", "/search/repositories", {"q": "acme", "sort": "stars", "per_page": "1"}, None)
    assert out["total_count"] == 2 and [r["full_name"] for r in out["items"]] == ["acme/api"]


def test_list_commits_from_a_branch(github: AliasedEngine, stub: GitHubStub) -> None:
    out = github.run("list_commits", {"repository": "acme/api", "sha": "fix", "per_page": 5})
    assert received(stub) == ("GET", "/repos/acme/api/commits", {"sha": "fix", "per_page": "5"}, None)
    assert [c["sha"] for c in out] == [FIX_SHA, RELEASE_SHA]
    assert out[0]["commit"]["message"] == "Fix crash"


def test_list_tags_and_list_branches(github: AliasedEngine, stub: GitHubStub) -> None:
    tags = github.run("list_tags", {"repository": "acme/api", "per_page": 10})
    assert received(stub) == ("GET", "/repos/acme/api/tags", {"per_page": "10"}, None)
    assert tags == [{"name": "v0.9", "commit": {"sha": RELEASE_SHA, "url": ""}}]
    branches = github.run("list_branches", {"repository": "acme/api"})
    assert received(stub) == ("GET", "/repos/acme/api/branches", {}, None)
    assert [(b["name"], b["protected"]) for b in branches] == [("fix", False), ("main", True),
                                                               ("release/1.0", False)]


def test_create_tag_makes_the_tag_object_then_its_reference(github: AliasedEngine, stub: GitHubStub) -> None:
    out = github.run("create_tag", {"repository": "acme/api", "tag": "v1.0.0", "message": "First", "sha": MAIN_SHA})
    assert sent(stub) == [("POST", "/repos/acme/api/git/tags"), ("POST", "/repos/acme/api/git/refs")]
    assert stub.requests[0].json == {"tag": "v1.0.0", "message": "First", "object": MAIN_SHA, "type": "commit"}
    assert received(stub)[3] == {"ref": "refs/tags/v1.0.0", "sha": out["sha"]}
    assert out["ref"] == "refs/tags/v1.0.0" and out["object"] == {"sha": MAIN_SHA, "type": "commit"}
    assert {"name": "v1.0.0", "commit": {"sha": MAIN_SHA, "url": ""}} in github.run(
        "list_tags", {"repository": "acme/api"})


def test_create_tag_on_an_unknown_commit_fails_before_any_reference(github: AliasedEngine, stub: GitHubStub) -> None:
    error = github.error("create_tag", {"repository": "acme/api", "tag": "v9", "message": "m", "sha": "0" * 40})
    assert_provider_failure(error, 422, "Object does not exist", GITHUB_TOKEN)
    assert sent(stub) == [("POST", "/repos/acme/api/git/tags")]


def test_create_branch_from_the_head_of_a_slashed_branch(github: AliasedEngine, stub: GitHubStub) -> None:
    out = github.run("create_branch", {"repository": "acme/api", "source_branch": "release/1.0",
                                       "new_branch_name": "hotfix/1.0.1"})
    assert sent(stub) == [("GET", "/repos/acme/api/git/ref/heads/release/1.0"), ("POST", "/repos/acme/api/git/refs")]
    assert received(stub)[3] == {"ref": "refs/heads/hotfix/1.0.1", "sha": RELEASE_SHA}
    assert out["ref"] == "refs/heads/hotfix/1.0.1" and out["object"]["sha"] == RELEASE_SHA


def test_create_branch_that_exists_names_githubs_reason(github: AliasedEngine, stub: GitHubStub) -> None:
    error = github.error("create_branch", {"repository": "acme/api", "source_branch": "main",
                                           "new_branch_name": "fix"})
    assert_provider_failure(error, 422, "Reference already exists", GITHUB_TOKEN)


def test_delete_branch(github: AliasedEngine, stub: GitHubStub) -> None:
    out = github.run("delete_branch", {"repository": "acme/api", "branch": "release/1.0"})
    assert received(stub) == ("DELETE", "/repos/acme/api/git/refs/heads/release/1.0", {}, None)
    assert out == {"branch": "release/1.0", "deleted": True}
    assert "release/1.0" not in stub.branches
    missing = github.error("delete_branch", {"repository": "acme/api", "branch": "release/1.0"})
    assert_provider_failure(missing, 422, "Reference does not exist", GITHUB_TOKEN)


def test_a_path_that_climbs_out_is_refused_before_sending(github: AliasedEngine, stub: GitHubStub) -> None:
    error = github.error("delete_branch", {"repository": "acme/api", "branch": "../../issues/1"})
    assert error.code == ErrorCode.VALIDATION_ERROR and stub.requests == []


def test_get_file_contents_decodes_text_and_leaves_binary_base64(github: AliasedEngine, stub: GitHubStub) -> None:
    text = github.run("get_file_contents", {"repository": "acme/api", "path": "README.md", "ref": "main"})
    assert received(stub) == ("GET", "/repos/acme/api/contents/README.md", {"ref": "main"}, None)
    assert text["text"] == README and text["sha"] == blob_sha(README.encode()) and "\n" in text["content"]
    binary = github.run("get_file_contents", {"repository": "acme/api", "path": "/assets/logo.bin"})
    assert stub.last.path == "/repos/acme/api/contents/assets/logo.bin"
    assert binary["text"] is None and base64.b64decode(binary["content"]) == LOGO


def test_create_then_update_a_file(github: AliasedEngine, stub: GitHubStub) -> None:
    created = github.run("create_or_update_file", {"repository": "acme/api", "path": "docs/näme.md",
                                                   "message": "Add doc", "content": "héllo", "branch": "fix"})
    method, path, _, body = received(stub)
    assert (method, path) == ("PUT", "/repos/acme/api/contents/docs/näme.md")
    assert stub.last.raw_path == "/repos/acme/api/contents/docs/n%C3%A4me.md"
    assert body == {"message": "Add doc", "content": base64.b64encode("héllo".encode()).decode(), "branch": "fix"}
    assert created["commit"]["message"] == "Add doc" and stub.files["docs/näme.md"] == "héllo".encode()

    stale = github.error("create_or_update_file", {"repository": "acme/api", "path": "docs/näme.md",
                                                   "message": "Edit", "content": "x"})
    assert_provider_failure(stale, 422, '"sha" wasn\'t supplied', GITHUB_TOKEN)
    updated = github.run("create_or_update_file", {"repository": "acme/api", "path": "docs/näme.md",
                                                   "message": "Edit", "content": "x",
                                                   "sha": created["content"]["sha"]})
    assert received(stub)[3]["sha"] == created["content"]["sha"]
    assert updated["content"]["sha"] == blob_sha(b"x")


def test_lock_issue(github: AliasedEngine, stub: GitHubStub) -> None:
    out = github.run("lock_issue", {"repository": "acme/api", "issue_number": 1, "lock_reason": "Too Heated"})
    assert received(stub) == ("PUT", "/repos/acme/api/issues/1/lock", {}, {"lock_reason": "too heated"})
    assert out == {"issue_number": 1, "locked": True, "lock_reason": "too heated"}
    assert stub.issues["acme/api"][1]["locked"] is True


def test_lock_issue_without_a_reason_sends_an_empty_body(github: AliasedEngine, stub: GitHubStub) -> None:
    out = github.run("lock_issue", {"repository": "acme/api", "issue_number": 2})
    assert received(stub) == ("PUT", "/repos/acme/api/issues/2/lock", {}, {})
    assert out["lock_reason"] is None


@pytest.mark.parametrize(("action", "values", "field"), [
    ("lock_issue", {"issue_number": 1, "lock_reason": "boring"}, "lock_reason"),
    ("merge_pull_request", {"pull_number": 3, "merge_method": "octopus"}, "merge_method"),
    ("create_pull_request_review", {"pull_number": 3, "event": "LGTM"}, "event"),
])
def test_a_choice_github_does_not_offer_is_refused_before_sending(github: AliasedEngine, stub: GitHubStub,
                                                                  action: str, values: dict[str, Any],
                                                                  field: str) -> None:
    error = github.error(action, {"repository": "acme/api", **values})
    assert error.code == ErrorCode.VALIDATION_ERROR
    assert error.details is not None and error.details["fields"][0]["field"] == field
    assert stub.requests == []


def test_create_update_and_merge_a_pull_request(github: AliasedEngine, stub: GitHubStub) -> None:
    created = github.run("create_pull_request", {"repository": "acme/api", "title": "Health", "body": "Adds it",
                                                 "head": "fix", "base": "main", "draft": True})
    assert received(stub) == ("POST", "/repos/acme/api/pulls", {}, {"title": "Health", "body": "Adds it",
                                                                     "head": "fix", "base": "main", "draft": True})
    number = created["number"]
    assert number == 4 and created["draft"] is True

    updated = github.run("update_pull_request", {"repository": "acme/api", "pull_number": number,
                                                 "title": "Health check", "base": "release/1.0"})
    assert received(stub) == ("PATCH", f"/repos/acme/api/pulls/{number}", {},
                              {"title": "Health check", "base": "release/1.0"})
    assert updated["title"] == "Health check" and updated["base"]["ref"] == "release/1.0"

    merged = github.run("merge_pull_request", {"repository": "acme/api", "pull_number": number,
                                               "merge_method": "Squash", "commit_title": "Health check (#4)"})
    assert received(stub) == ("PUT", f"/repos/acme/api/pulls/{number}/merge", {},
                              {"merge_method": "squash", "commit_title": "Health check (#4)"})
    assert merged == {"sha": MAIN_SHA, "merged": True, "message": "Pull Request successfully merged"}
    again = github.error("merge_pull_request", {"repository": "acme/api", "pull_number": number})
    assert_provider_failure(again, 405, "Pull Request is not mergeable", GITHUB_TOKEN)


def test_create_pull_request_from_an_unknown_branch_lists_githubs_errors(github: AliasedEngine,
                                                                         stub: GitHubStub) -> None:
    error = github.error("create_pull_request", {"repository": "acme/api", "title": "t", "head": "nope",
                                                 "base": "main"})
    details = assert_provider_failure(error, 422, "Validation Failed: PullRequest head invalid", GITHUB_TOKEN)
    assert details["errors"] == [{"resource": "PullRequest", "code": "invalid", "field": "head"}]


def test_create_pull_request_review(github: AliasedEngine, stub: GitHubStub) -> None:
    out = github.run("create_pull_request_review", {"repository": "acme/api", "pull_number": 3,
                                                    "event": "request_changes", "body": "Needs a test"})
    assert received(stub) == ("POST", "/repos/acme/api/pulls/3/reviews", {},
                              {"event": "REQUEST_CHANGES", "body": "Needs a test"})
    assert out["state"] == "CHANGES_REQUESTED" and out["body"] == "Needs a test"


def test_custom_api_call_sends_the_path_with_json_text_body_and_query(github: AliasedEngine,
                                                                      stub: GitHubStub) -> None:
    out = github.run("custom_api_call", {"method": "patch", "path": "/repos/acme/api/issues/1",
                                         "body": '{"state": "closed"}', "query_params": '{"unused": 1}'})
    assert received(stub) == ("PATCH", "/repos/acme/api/issues/1", {"unused": "1"}, {"state": "closed"})
    assert out["status"] == 200 and out["body"]["state"] == "closed"


def test_custom_api_call_hands_over_githubs_link_header(github: AliasedEngine, stub: GitHubStub) -> None:
    stub.page_size = 1
    first = github.run("custom_api_call", {"method": "GET", "path": "/user/repos",
                                           "query_params": '{"per_page": 1}'})
    assert received(stub) == ("GET", "/user/repos", {"per_page": "1"}, None)
    assert [r["full_name"] for r in first["body"]] == ["acme/api"]
    assert 'rel="next"' in first["headers"]["link"] and "page=2" in first["headers"]["link"]
    last = github.run("custom_api_call", {"method": "GET", "path": "/user/repos",
                                          "query_params": '{"per_page": 1, "page": 3}'})
    assert [r["full_name"] for r in last["body"]] == ["octocat/hello-world"] and "link" not in last["headers"]


def test_custom_api_call_keeps_the_token_on_githubs_host(github: AliasedEngine, stub: GitHubStub) -> None:
    error = github.error("custom_api_call", {"method": "GET", "path": "https://evil.example/user"})
    assert error.code == ErrorCode.CREDENTIAL_HOST_DENIED and stub.requests == []


def test_a_refused_token_names_githubs_message_and_never_the_token(github: AliasedEngine, stub: GitHubStub) -> None:
    refused_token_failure(github, stub.url, "create_branch", {"repository": "acme/api", "source_branch": "main",
                                                              "new_branch_name": "x"}, "Bad credentials")
    assert sent(stub) == [("GET", "/repos/acme/api/git/ref/heads/main")]
