"""The GitHub stub's lists that the polling triggers read, and GitHub's paging and conditional requests (mixed into
``GitHubStub``).

As docs.github.com/rest describes them: lists take ``per_page`` (at most 100) and ``page`` and answer a ``Link``
header with rel="next" and rel="last" while more pages follow; ``sort=created`` with ``direction`` orders by
``created_at`` (without ``sort``, the stub keeps insertion order); every 200 answer to a GET carries an ``ETag``, and
a GET whose ``If-None-Match`` holds it gets ``304 Not Modified`` with no body (counted in ``stub.not_modified``: the
answers GitHub does not charge to the rate limit). Stargazers list in starring order; the
``application/vnd.github.star+json`` media type gives ``{starred_at, user}``, else the users alone.

For tests: ``open_issue``, ``open_pull``, ``comment_on``, ``publish_release``, ``star`` and ``unstar`` add what
users do, each at ``at`` (ISO 8601, e.g. two items at one second) or the stub clock's next second.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from starlette.responses import JSONResponse, Response

from tests.stubs.base import RecordedRequest

STAR_MEDIA_TYPE = "application/vnd.github.star+json"
CLOCK_START = datetime(2026, 12, 1, 9, 0, 0, tzinfo=UTC)
_R = r"^/repos/([^/]+)/([^/]+)"

Route = tuple[re.Pattern[str], Callable[..., Response]]


def github_time(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


class ActivityRoutes:
    issues: dict[str, dict[int, dict[str, Any]]]
    pulls: dict[str, dict[int, dict[str, Any]]]
    comments: list[dict[str, Any]]
    page_size: int | None

    def seed_activity(self) -> None:
        self.clock = CLOCK_START
        self.releases: dict[str, list[dict[str, Any]]] = {"acme/api": [
            _release(1, "v0.9", "2026-11-20T10:00:00Z", "2026-11-20T10:00:00Z")]}
        self.stargazers: dict[str, list[dict[str, Any]]] = {"acme/api": [
            {"starred_at": "2026-11-21T10:00:00Z", "user": _user("octocat", 1)}]}
        self.not_modified = 0

    def activity_routes(self) -> list[Route]:
        table: list[tuple[str, Callable[..., Response]]] = [
            (r"/issues/comments$", self._repo_comments), (r"/releases$", self._releases),
            (r"/stargazers$", self._stargazers),
        ]
        return [(re.compile(_R + tail), handler) for tail, handler in table]

    # --- what users do ---------------------------------------------------------------------------------------
    def tick(self, at: str | None = None) -> str:
        """``at``, or the stub clock's next second."""
        if at is not None:
            return at
        self.clock += timedelta(seconds=1)
        return github_time(self.clock)

    def open_issue(self, title: str, *, at: str | None = None, repo: str = "acme/api") -> dict[str, Any]:
        number = self.next_number(repo)
        issue = {"id": 1000 + number, "number": number, "title": title, "body": "", "state": "open", "labels": [],
                 "assignees": [], "comments": 0, "user": _user("octocat", 1),
                 "html_url": f"https://github.com/{repo}/issues/{number}"}
        issue["created_at"] = issue["updated_at"] = self.tick(at)
        self.issues.setdefault(repo, {})[number] = issue
        return issue

    def open_pull(self, title: str, *, at: str | None = None, repo: str = "acme/api") -> dict[str, Any]:
        number = self.next_number(repo)
        pull = {"id": 3000 + number, "number": number, "title": title, "state": "open", "draft": False,
                "html_url": f"https://github.com/{repo}/pull/{number}", "head": {"ref": f"topic-{number}"},
                "base": {"ref": "main"}, "user": _user("octocat", 1)}
        pull["created_at"] = pull["updated_at"] = self.tick(at)
        self.pulls.setdefault(repo, {})[number] = pull
        # GitHub lists every pull request among the issues too, marked by a ``pull_request`` key.
        self.issues.setdefault(repo, {})[number] = {**pull, "id": 1000 + number, "labels": [], "assignees": [],
                                                    "pull_request": {"html_url": pull["html_url"]}}
        return pull

    def comment_on(self, number: int, body: str, *, at: str | None = None, repo: str = "acme/api") -> dict[str, Any]:
        comment = {"id": 9000 + len(self.comments), "body": body, "user": _user("octocat", 1),
                   "issue_url": f"https://api.github.com/repos/{repo}/issues/{number}"}
        comment["created_at"] = comment["updated_at"] = self.tick(at)
        self.comments.append(comment)
        return comment

    def publish_release(self, tag: str, *, at: str | None = None, draft: bool = False,
                        repo: str = "acme/api") -> dict[str, Any]:
        when = self.tick(at)
        release = _release(len(self.releases.get(repo, [])) + 1, tag, when, None if draft else when)
        self.releases.setdefault(repo, []).append(release)
        return release

    def star(self, login: str, user_id: int, *, at: str | None = None, repo: str = "acme/api") -> None:
        self.stargazers.setdefault(repo, []).append({"starred_at": self.tick(at), "user": _user(login, user_id)})

    def unstar(self, login: str, repo: str = "acme/api") -> None:
        self.stargazers[repo] = [s for s in self.stargazers[repo] if s["user"]["login"] != login]

    def next_number(self, repo: str) -> int:
        return max([*self.issues.get(repo, {}), *self.pulls.get(repo, {})], default=0) + 1

    # --- routes ----------------------------------------------------------------------------------------------
    def _repo_comments(self, request: RecordedRequest, repo: str) -> Response:
        prefix = f"https://api.github.com/repos/{repo}/issues/"
        return self.listed(request, [c for c in self.comments if str(c.get("issue_url", "")).startswith(prefix)])

    def _releases(self, request: RecordedRequest, repo: str) -> Response:
        # GitHub lists releases newest first.
        newest_first = sorted(self.releases.get(repo, []), key=lambda r: (r["created_at"], r["id"]), reverse=True)
        return self.paged(request, newest_first)

    def _stargazers(self, request: RecordedRequest, repo: str) -> Response:
        stars = self.stargazers.get(repo, [])
        if STAR_MEDIA_TYPE in request.headers.get("accept", ""):
            return self.paged(request, stars)
        return self.paged(request, [s["user"] for s in stars])

    # --- shared by the stub's lists --------------------------------------------------------------------------
    def listed(self, request: RecordedRequest, items: Sequence[dict[str, Any]]) -> Response:
        """``items`` sorted as ``sort``/``direction`` ask, one page of them."""
        if request.query.get("sort") == "created":
            descending = request.query.get("direction", "desc") == "desc"
            items = sorted(items, key=lambda i: (i.get("created_at") or "", i["id"]), reverse=descending)
        return self.paged(request, items)

    def paged(self, request: RecordedRequest, items: Sequence[dict[str, Any]]) -> Response:
        per_page = min(int(request.query.get("per_page", "30")), 100)
        size = min(per_page, self.page_size) if self.page_size else per_page
        page = int(request.query.get("page", "1"))
        last = max(1, -(-len(items) // size))
        headers = {}
        if page < last:
            base = f"http://{request.headers.get('host', '')}{request.path}?per_page={per_page}"
            headers["Link"] = f'<{base}&page={page + 1}>; rel="next", <{base}&page={last}>; rel="last"'
        return JSONResponse(list(items[(page - 1) * size: page * size]), headers=headers)

    def conditional(self, request: RecordedRequest, response: Response) -> Response:
        """An ``ETag`` on a GET's 200, and 304 when the request already holds it."""
        if request.method != "GET" or response.status_code != 200:
            return response
        etag = f'W/"{hashlib.sha256(bytes(response.body)).hexdigest()[:32]}"'
        if request.headers.get("if-none-match") == etag:
            self.not_modified += 1
            return Response(status_code=304, headers={"ETag": etag})
        response.headers["ETag"] = etag
        return response


def _user(login: str, user_id: int) -> dict[str, Any]:
    return {"login": login, "id": user_id, "type": "User", "html_url": f"https://github.com/{login}"}


def _release(release_id: int, tag: str, created: str, published: str | None) -> dict[str, Any]:
    return {"id": release_id, "tag_name": tag, "name": tag, "draft": published is None, "prerelease": False,
            "created_at": created, "published_at": published, "author": _user("octocat", 1),
            "html_url": f"https://github.com/acme/api/releases/tag/{tag}"}
