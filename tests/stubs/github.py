"""A GitHub REST API stub (issues, comments, pulls, repos, user, search) with GitHub's shapes and errors.

Errors are ``{"message": ..., "documentation_url": ...}`` (422 adds ``errors``); a wrong token is 401 "Bad
credentials". ``fail_next(403, retry_after=...)`` imitates the secondary rate limit. Seed data: repository
``acme/api`` with open issue #1 (label "bug"), closed issue #2 and open pull request #3, and the token's user's other
repositories ``acme/web`` and ``octocat/hello-world``. ``GET /user/repos`` pages with ``per_page`` / ``page`` and a
``Link`` header (rel="next", rel="last") as GitHub does; ``stub.page_size`` caps a page below ``per_page``.
``/api/v3`` prefixes (GitHub Enterprise) are accepted.

Git data and contents (``tests/stubs/github_git.py``): branches ``main`` and ``release/1.0`` of ``acme/api`` at
commits :data:`MAIN_SHA` and :data:`RELEASE_SHA`, tag ``v0.9``, files ``README.md`` (text) and ``assets/logo.bin``
(binary). Locks, merges (pull request #3 is mergeable once; a merged one answers 405) and reviews are recorded.

What the polling triggers read (``tests/stubs/github_activity.py``): repository comments, releases (seed: ``v0.9``)
and stargazers (seed: octocat), ``sort=created``/``direction`` on the issue, pull and comment lists, paging with
``Link`` on every list, and ``ETag`` / ``If-None-Match`` (304) on every GET.
"""

from __future__ import annotations

import re
from typing import Any

from starlette.responses import JSONResponse, Response

from tests.stubs.base import ProviderStub, RecordedRequest
from tests.stubs.github_activity import ActivityRoutes
from tests.stubs.github_git import GitRoutes, not_found, ok

GITHUB_TOKEN = "ghp_stubtoken0123456789abcdef"
DOCS = "https://docs.github.com/rest"

_ISSUES = re.compile(r"^/repos/([^/]+)/([^/]+)/issues$")
_ISSUE = re.compile(r"^/repos/([^/]+)/([^/]+)/issues/(\d+)$")
_COMMENTS = re.compile(r"^/repos/([^/]+)/([^/]+)/issues/(\d+)/comments$")
_PULLS = re.compile(r"^/repos/([^/]+)/([^/]+)/pulls$")
_PULL = re.compile(r"^/repos/([^/]+)/([^/]+)/pulls/(\d+)$")
_REPO = re.compile(r"^/repos/([^/]+)/([^/]+)$")


def _issue(number: int, title: str, state: str, labels: list[str], created_at: str,
           body: str = "") -> dict[str, Any]:
    return {"id": 1000 + number, "number": number, "title": title, "body": body, "state": state,
            "labels": [{"name": n} for n in labels], "assignees": [], "comments": 0,
            "html_url": f"https://github.com/acme/api/issues/{number}", "user": {"login": "octocat"},
            "created_at": created_at, "updated_at": created_at}


def _pull(repo: str, number: int, title: str, head: str, base: str, created_at: str, *,
          draft: bool = False) -> dict[str, Any]:
    return {"id": 3000 + number, "number": number, "title": title, "state": "open", "draft": draft,
            "html_url": f"https://github.com/{repo}/pull/{number}", "head": {"ref": head}, "base": {"ref": base},
            "user": {"login": "octocat"}, "created_at": created_at, "updated_at": created_at}


class GitHubStub(ActivityRoutes, GitRoutes, ProviderStub):
    name = "github"
    token = GITHUB_TOKEN

    def seed(self) -> None:
        self.seed_git()
        self.seed_activity()
        self.repos: dict[str, dict[str, Any]] = {
            "acme/api": {"id": 1, "name": "api", "full_name": "acme/api", "private": False,
                         "default_branch": "main", "owner": {"login": "acme"}},
            "acme/web": {"id": 2, "name": "web", "full_name": "acme/web", "private": True,
                         "default_branch": "main", "owner": {"login": "acme"}},
            "octocat/hello-world": {"id": 3, "name": "hello-world", "full_name": "octocat/hello-world",
                                    "private": False, "default_branch": "main", "owner": {"login": "octocat"}},
        }
        self.page_size: int | None = None  # None: a page holds up to ``per_page``
        self.issues: dict[str, dict[int, dict[str, Any]]] = {
            "acme/api": {1: _issue(1, "Crash on start", "open", ["bug"], "2026-11-01T10:00:00Z"),
                         2: _issue(2, "Old thing", "closed", [], "2026-11-02T10:00:00Z")},
        }
        self.pulls: dict[str, dict[int, dict[str, Any]]] = {
            "acme/api": {3: _pull("acme/api", 3, "Fix crash", "fix", "main", "2026-11-03T10:00:00Z")},
        }
        self.comments: list[dict[str, Any]] = []

    def error_body(self, status: int, message: str) -> Any:
        if status in (403, 429):
            message = "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."
        return {"message": message, "documentation_url": DOCS}

    def handle(self, request: RecordedRequest) -> Response:
        return self.conditional(request, self._route(request))

    def _route(self, request: RecordedRequest) -> Response:
        path = request.path.removeprefix("/api/v3")
        method = request.method
        if path == "/user" and method == "GET":
            return _ok({"login": "octocat", "id": 583231, "type": "User"})
        if path == "/user/repos" and method == "GET":
            return self._user_repos(request)
        if path == "/user/repos" and method == "POST":
            return self._create_repo(request)
        if path == "/search/repositories" and method == "GET":
            q = request.query.get("q", "").lower()
            found = [r for r in self.repos.values() if q in r["full_name"].lower()]
            return _ok({"total_count": len(found), "incomplete_results": False,
                        "items": found[: int(request.query.get("per_page", "30"))]})
        if path == "/search/issues" and method == "GET":
            q = request.query.get("q", "")
            items = [i for issues in self.issues.values() for i in issues.values() if q.lower() in i["title"].lower()]
            return _ok({"total_count": len(items), "incomplete_results": False, "items": items})
        for pattern, handler in (
            *self.git_routes(), *self.activity_routes(),
            (_ISSUES, self._issues), (_ISSUE, self._issue_one), (_COMMENTS, self._comment),
            (_PULLS, self._pulls), (_PULL, self._pull_one), (_REPO, self._repo),
        ):
            match = pattern.match(path)
            if match:
                repo = f"{match.group(1)}/{match.group(2)}"
                if repo not in self.repos:
                    return _not_found()
                return handler(request, repo, *match.groups()[2:])
        return _not_found()

    def _user_repos(self, request: RecordedRequest) -> Response:
        return self.paged(request, sorted(self.repos.values(), key=lambda r: r["full_name"]))

    def _repo(self, request: RecordedRequest, repo: str) -> Response:
        return _ok(self.repos[repo])

    def _create_repo(self, request: RecordedRequest) -> Response:
        data = request.json or {}
        full_name = f"octocat/{data.get('name', '')}"
        if not data.get("name") or full_name in self.repos:
            return JSONResponse({"message": "Repository creation failed.", "documentation_url": DOCS, "errors": [
                {"resource": "Repository", "code": "custom", "field": "name",
                 "message": "name already exists on this account"}]}, status_code=422)
        repo = {"id": 100 + len(self.repos), "name": data["name"], "full_name": full_name,
                "private": bool(data.get("private")), "description": data.get("description"),
                "html_url": f"https://github.com/{full_name}", "default_branch": "main",
                "owner": {"login": "octocat"}}
        self.repos[full_name] = repo
        return _ok(repo, 201)

    def _issues(self, request: RecordedRequest, repo: str) -> Response:
        issues = self.issues[repo]
        if request.method == "POST":
            data = request.json or {}
            if not data.get("title"):
                return JSONResponse({"message": "Validation Failed", "documentation_url": DOCS,
                                     "errors": [{"resource": "Issue", "code": "missing_field", "field": "title"}]},
                                    status_code=422)
            number = self.next_number(repo)
            issue = _issue(number, data["title"], "open", list(data.get("labels") or []), self.tick(),
                           data.get("body") or "")
            issue["assignees"] = [{"login": a} for a in data.get("assignees") or []]
            issues[number] = issue
            return _ok(issue, 201)
        state = request.query.get("state", "open")
        wanted = {s for s in request.query.get("labels", "").split(",") if s}
        found = [i for i in issues.values() if state == "all" or i["state"] == state]
        found = [i for i in found if wanted <= {label["name"] for label in i["labels"]}]
        return self.listed(request, found)

    def _issue_one(self, request: RecordedRequest, repo: str, number: str) -> Response:
        issue = self.issues[repo].get(int(number))
        if issue is None:
            return _not_found()
        if request.method == "PATCH":
            data = request.json or {}
            for key in ("title", "body", "state"):
                if key in data:
                    issue[key] = data[key]
            if "labels" in data:
                issue["labels"] = [{"name": n} for n in data["labels"]]
            if "assignees" in data:
                issue["assignees"] = [{"login": a} for a in data["assignees"]]
        return _ok(issue)

    def _comment(self, request: RecordedRequest, repo: str, number: str) -> Response:
        issue = self.issues[repo].get(int(number))
        if issue is None:
            return _not_found()
        body = (request.json or {}).get("body")
        if not body:
            return JSONResponse({"message": "Validation Failed", "documentation_url": DOCS,
                                 "errors": [{"resource": "IssueComment", "code": "missing_field", "field": "body"}]},
                                status_code=422)
        comment = self.comment_on(int(number), body, repo=repo)
        issue["comments"] += 1
        return _ok(comment, 201)

    def _pulls(self, request: RecordedRequest, repo: str) -> Response:
        if request.method == "POST":
            data = request.json or {}
            if data.get("head") not in self.branches:
                return JSONResponse({"message": "Validation Failed", "documentation_url": DOCS, "errors": [
                    {"resource": "PullRequest", "code": "invalid", "field": "head"}]}, status_code=422)
            number = self.next_number(repo)
            pull = _pull(repo, number, data["title"], data["head"], data["base"], self.tick(),
                         draft=bool(data.get("draft")))
            pull["body"] = data.get("body")
            self.pulls.setdefault(repo, {})[number] = pull
            return _ok(pull, 201)
        state = request.query.get("state", "open")
        found = [p for p in self.pulls.get(repo, {}).values() if state == "all" or p["state"] == state]
        return self.listed(request, found)

    def _pull_one(self, request: RecordedRequest, repo: str, number: str) -> Response:
        pull = self.pulls.get(repo, {}).get(int(number))
        if pull is None:
            return _not_found()
        if request.method == "PATCH":
            data = request.json or {}
            pull.update({k: data[k] for k in ("title", "body", "state") if k in data})
            if "base" in data:
                pull["base"] = {**pull["base"], "ref": data["base"]}
        return _ok(pull)


_ok = ok
_not_found = not_found
