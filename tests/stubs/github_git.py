"""The GitHub stub's routes for Git data, contents, forks, locks, merges and reviews (mixed into ``GitHubStub``).

Shapes and failures as docs.github.com/rest describes them: a ref is ``{ref, node_id, url, object: {sha, type}}``;
creating an existing ref or deleting a missing one is 422; a tag object needs a known commit; replacing a file
without its blob ``sha`` is 422, with a stale one 409; merging a merged pull request is 405 "Pull Request is not
mergeable"; lock and ref deletion answer 204 with no body. Only ``acme/api`` has Git data.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Callable
from typing import Any

from starlette.responses import JSONResponse, Response

from tests.stubs.base import RecordedRequest

DOCS = "https://docs.github.com/rest"
MAIN_SHA = "c3" * 20
FIX_SHA = "c2" * 20
RELEASE_SHA = "c1" * 20
README = "# acme/api\n\nThe API.\n"
LOGO = bytes(range(256))
_R = r"^/repos/([^/]+)/([^/]+)"

Route = tuple[re.Pattern[str], Callable[..., Response]]


def ok(body: Any, status: int = 200) -> Response:
    return JSONResponse(body, status_code=status)


def not_found() -> Response:
    return JSONResponse({"message": "Not Found", "documentation_url": DOCS}, status_code=404)


def unprocessable(message: str, status: int = 422) -> Response:
    return JSONResponse({"message": message, "documentation_url": DOCS}, status_code=status)


def blob_sha(content: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(content) + content).hexdigest()  # Git names objects by SHA-1


class GitRoutes:
    repos: dict[str, dict[str, Any]]
    issues: dict[str, dict[int, dict[str, Any]]]
    pulls: dict[str, dict[int, dict[str, Any]]]

    def seed_git(self) -> None:
        self.commits = [
            {"sha": sha, "html_url": f"https://github.com/acme/api/commit/{sha}", "author": {"login": "octocat"},
             "commit": {"message": message, "author": {"name": "Octo Cat", "email": "octo@example.com",
                                                       "date": f"2026-11-0{day}T10:00:00Z"}}}
            for sha, message, day in ((MAIN_SHA, "Add health check", 3), (FIX_SHA, "Fix crash", 2),
                                      (RELEASE_SHA, "Release 1.0", 1))]
        self.refs: dict[str, str] = {"refs/heads/main": MAIN_SHA, "refs/heads/fix": FIX_SHA,
                                     "refs/heads/release/1.0": RELEASE_SHA, "refs/tags/v0.9": RELEASE_SHA}
        self.tag_objects: dict[str, dict[str, Any]] = {}
        self.files: dict[str, bytes] = {"README.md": README.encode(), "assets/logo.bin": LOGO}
        self.reviews: list[dict[str, Any]] = []

    @property
    def branches(self) -> set[str]:
        return {ref.removeprefix("refs/heads/") for ref in self.refs if ref.startswith("refs/heads/")}

    def git_routes(self) -> list[Route]:
        table: list[tuple[str, Callable[..., Response]]] = [
            (r"/forks$", self._fork), (r"/commits$", self._commits), (r"/tags$", self._tags),
            (r"/branches$", self._branches), (r"/git/tags$", self._tag_object), (r"/git/refs$", self._create_ref),
            (r"/git/ref/(.+)$", self._get_ref), (r"/git/refs/(.+)$", self._delete_ref),
            (r"/contents/(.+)$", self._contents), (r"/issues/(\d+)/lock$", self._lock_issue),
            (r"/pulls/(\d+)/merge$", self._merge), (r"/pulls/(\d+)/reviews$", self._review),
        ]
        return [(re.compile(_R + tail), self._git_only(handler)) for tail, handler in table]

    def _git_only(self, handler: Callable[..., Response]) -> Callable[..., Response]:
        def route(request: RecordedRequest, repo: str, *args: str) -> Response:
            if repo != "acme/api" and handler != self._fork:
                return not_found()
            return handler(request, repo, *args)

        return route

    def _fork(self, request: RecordedRequest, repo: str) -> Response:
        source = self.repos[repo]
        owner = (request.json or {}).get("organization") or "octocat"
        full_name = f"{owner}/{source['name']}"
        fork = {**source, "id": 500 + len(self.repos), "full_name": full_name, "owner": {"login": owner},
                "html_url": f"https://github.com/{full_name}", "fork": True}
        self.repos[full_name] = fork
        return ok(fork, 202)

    def _commits(self, request: RecordedRequest, repo: str) -> Response:
        start = request.query.get("sha", "main")
        head = self.refs.get(f"refs/heads/{start}", start)
        shas = [c["sha"] for c in self.commits]
        if head not in shas:
            return unprocessable(f"No commit found for SHA: {start}")
        return ok(self.commits[shas.index(head):][: int(request.query.get("per_page", "30"))])

    def _tags(self, request: RecordedRequest, repo: str) -> Response:
        tags = [{"name": ref.removeprefix("refs/tags/"), "commit": {"sha": self._commit_of(sha), "url": ""}}
                for ref, sha in sorted(self.refs.items()) if ref.startswith("refs/tags/")]
        return ok(tags[: int(request.query.get("per_page", "30"))])

    def _branches(self, request: RecordedRequest, repo: str) -> Response:
        branches = [{"name": ref.removeprefix("refs/heads/"), "commit": {"sha": sha, "url": ""},
                     "protected": ref == "refs/heads/main"}
                    for ref, sha in sorted(self.refs.items()) if ref.startswith("refs/heads/")]
        return ok(branches[: int(request.query.get("per_page", "30"))])

    def _commit_of(self, sha: str) -> str:
        return self.tag_objects[sha]["object"]["sha"] if sha in self.tag_objects else sha

    def _tag_object(self, request: RecordedRequest, repo: str) -> Response:
        data = request.json or {}
        target = data.get("object")
        if target not in {c["sha"] for c in self.commits} or data.get("type") != "commit":
            return unprocessable("Object does not exist")
        sha = hashlib.sha1(f"tag {data.get('tag')}".encode()).hexdigest()  # Git names objects by SHA-1
        tag = {"sha": sha, "tag": data.get("tag"), "message": data.get("message"),
               "object": {"sha": target, "type": "commit"}, "url": f"/repos/{repo}/git/tags/{sha}"}
        self.tag_objects[sha] = tag
        return ok(tag, 201)

    def _ref_body(self, repo: str, ref: str) -> dict[str, Any]:
        sha = self.refs[ref]
        return {"ref": ref, "node_id": f"REF_{ref}", "url": f"/repos/{repo}/git/{ref}",
                "object": {"sha": sha, "type": "tag" if sha in self.tag_objects else "commit"}}

    def _create_ref(self, request: RecordedRequest, repo: str) -> Response:
        data = request.json or {}
        ref, sha = str(data.get("ref", "")), data.get("sha")
        if not ref.startswith("refs/") or ref.count("/") < 2:
            return unprocessable("Reference name must start with 'refs/' and have at least two slashes.")
        if ref in self.refs:
            return unprocessable("Reference already exists")
        if sha not in {c["sha"] for c in self.commits} | set(self.tag_objects):
            return unprocessable("Object does not exist")
        self.refs[ref] = sha
        return ok(self._ref_body(repo, ref), 201)

    def _get_ref(self, request: RecordedRequest, repo: str, name: str) -> Response:
        ref = f"refs/{name}"
        return ok(self._ref_body(repo, ref)) if ref in self.refs else not_found()

    def _delete_ref(self, request: RecordedRequest, repo: str, name: str) -> Response:
        if request.method != "DELETE":
            return not_found()
        if self.refs.pop(f"refs/{name}", None) is None:
            return unprocessable("Reference does not exist")
        return Response(status_code=204)

    def _file_body(self, path: str) -> dict[str, Any]:
        content = self.files[path]
        return {"type": "file", "name": path.rsplit("/", 1)[-1], "path": path, "sha": blob_sha(content),
                "size": len(content), "encoding": "base64",
                "content": base64.encodebytes(content).decode("ascii"),  # line breaks, as GitHub sends it
                "html_url": f"https://github.com/acme/api/blob/main/{path}"}

    def _contents(self, request: RecordedRequest, repo: str, path: str) -> Response:
        if request.method == "PUT":
            return self._put_file(request, path)
        if path in self.files:
            return ok(self._file_body(path))
        entries = [{"type": "file", "name": p.removeprefix(path + "/"), "path": p}
                   for p in sorted(self.files) if p.startswith(path + "/")]
        return ok(entries) if entries else not_found()

    def _put_file(self, request: RecordedRequest, path: str) -> Response:
        data = request.json or {}
        existing = self.files.get(path)
        if existing is not None and not data.get("sha"):
            return unprocessable('Invalid request.\n\n"sha" wasn\'t supplied.')
        if existing is not None and data["sha"] != blob_sha(existing):
            return unprocessable(f"{path} does not match {data['sha']}", status=409)
        self.files[path] = base64.b64decode(data.get("content", ""))
        commit_sha = hashlib.sha1(data.get("message", "").encode()).hexdigest()  # Git names objects by SHA-1
        body = {"content": self._file_body(path),
                "commit": {"sha": commit_sha, "message": data.get("message"),
                           "html_url": f"https://github.com/acme/api/commit/{commit_sha}"}}
        return ok(body, 200 if existing is not None else 201)

    def _lock_issue(self, request: RecordedRequest, repo: str, number: str) -> Response:
        issue = self.issues[repo].get(int(number))
        if issue is None or request.method != "PUT":
            return not_found()
        reason = (request.json or {}).get("lock_reason")
        if reason not in (None, "off-topic", "too heated", "resolved", "spam"):
            return unprocessable("Validation Failed")
        issue.update(locked=True, active_lock_reason=reason)
        return Response(status_code=204)

    def _merge(self, request: RecordedRequest, repo: str, number: str) -> Response:
        pull = self.pulls.get(repo, {}).get(int(number))
        if pull is None:
            return not_found()
        if pull.get("merged"):
            return unprocessable("Pull Request is not mergeable", status=405)
        pull.update(merged=True, state="closed")
        return ok({"sha": MAIN_SHA, "merged": True, "message": "Pull Request successfully merged"})

    def _review(self, request: RecordedRequest, repo: str, number: str) -> Response:
        if int(number) not in self.pulls.get(repo, {}):
            return not_found()
        data = request.json or {}
        states = {"APPROVE": "APPROVED", "REQUEST_CHANGES": "CHANGES_REQUESTED", "COMMENT": "COMMENTED"}
        event = data.get("event")
        if event not in states or (event != "APPROVE" and not data.get("body")):
            return unprocessable("Unprocessable Entity")
        review = {"id": 80 + len(self.reviews), "state": states[event], "body": data.get("body") or "",
                  "html_url": f"https://github.com/{repo}/pull/{number}#pullrequestreview-{80 + len(self.reviews)}",
                  "user": {"login": "octocat"}}
        self.reviews.append(review)
        return ok(review)
