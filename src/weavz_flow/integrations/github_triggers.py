"""GitHub's POLLING triggers: new issues, pull requests, issue comments, releases and stars of one repository.

Names and the ``repository`` prop are Activepieces' GitHub piece's (``new_issue``, ``new_pull_request``,
``new_comment``, ``new_release``, ``new_star``); ``repository`` is ``owner/repo`` as for the actions. Each event's
data is the item as GitHub's list returns it. How the lists are read (ETags, pages, the watermark) is
:mod:`github_list_polling`'s. Endpoints, from the docs.github.com REST reference (2022-11-28):

- issues/issues, *List repository issues*: ``GET /repos/{owner}/{repo}/issues`` with ``state=all``,
  ``sort=created``, ``direction=desc``; pull requests are listed too, marked by a ``pull_request`` key, and left out.
- pulls/pulls, *List pull requests*: ``GET /repos/{owner}/{repo}/pulls``, same ``state``, ``sort``, ``direction``.
- issues/comments, *List issue comments for a repository*: ``GET /repos/{owner}/{repo}/issues/comments`` with
  ``sort=created``, ``direction=desc`` (issues' and pull requests' conversation comments).
- releases/releases, *List releases*: ``GET /repos/{owner}/{repo}/releases``, newest first; a draft (only listed
  to those with push access) has no ``published_at`` and fires when it is published.
- activity/starring, *List stargazers*: ``GET /repos/{owner}/{repo}/stargazers`` with the
  ``application/vnd.github.star+json`` media type, which adds ``starred_at`` to each ``{starred_at, user}``; listed
  in the order the stars were given. A star's event id is the user's id and the time: a star given again after an
  unstar fires again.

Sample data follows the response examples of the same pages, shortened.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from weavz_flow.catalog.model import InputField, TriggerInfo
from weavz_flow.integrations.github_list_polling import GitHubList, NewestFirst, NewestLast
from weavz_flow.integrations.trigger_base import NativeTrigger

REPOSITORY = InputField("repository", "string", required=True, display_name="Repository",
                        description="The repository to watch, as owner/repo.")
_NEWEST_FIRST = {"sort": "created", "direction": "desc"}

_USER = {"login": "octocat", "id": 1, "type": "User", "html_url": "https://github.com/octocat"}

SAMPLE_ISSUE: dict[str, Any] = {
    "id": 1, "node_id": "MDU6SXNzdWUx", "number": 1347, "state": "open", "title": "Found a bug",
    "body": "I'm having a problem with this.", "user": _USER, "labels": [{"id": 208045946, "name": "bug"}],
    "assignees": [], "comments": 0, "html_url": "https://github.com/octocat/Hello-World/issues/1347",
    "url": "https://api.github.com/repos/octocat/Hello-World/issues/1347",
    "created_at": "2011-04-22T13:33:48Z", "updated_at": "2011-04-22T13:33:48Z", "closed_at": None,
}
SAMPLE_PULL: dict[str, Any] = {
    "id": 1, "node_id": "MDExOlB1bGxSZXF1ZXN0MQ==", "number": 1347, "state": "open", "draft": False,
    "title": "Amazing new feature", "body": "Please pull these awesome changes in!", "user": _USER,
    "head": {"label": "octocat:new-topic", "ref": "new-topic", "sha": "6dcb09b5b57875f334f61aebed695e2e4193db5e"},
    "base": {"label": "octocat:master", "ref": "master", "sha": "6dcb09b5b57875f334f61aebed695e2e4193db5e"},
    "html_url": "https://github.com/octocat/Hello-World/pull/1347",
    "created_at": "2011-01-26T19:01:12Z", "updated_at": "2011-01-26T19:01:12Z", "merged_at": None,
}
SAMPLE_COMMENT: dict[str, Any] = {
    "id": 1, "node_id": "MDEyOklzc3VlQ29tbWVudDE=", "body": "Me too", "user": _USER,
    "author_association": "COLLABORATOR",
    "html_url": "https://github.com/octocat/Hello-World/issues/1347#issuecomment-1",
    "issue_url": "https://api.github.com/repos/octocat/Hello-World/issues/1347",
    "created_at": "2011-04-14T16:00:49Z", "updated_at": "2011-04-14T16:00:49Z",
}
SAMPLE_RELEASE: dict[str, Any] = {
    "id": 1, "node_id": "MDc6UmVsZWFzZTE=", "tag_name": "v1.0.0", "target_commitish": "master", "name": "v1.0.0",
    "body": "Description of the release", "draft": False, "prerelease": False, "author": _USER,
    "html_url": "https://github.com/octocat/Hello-World/releases/v1.0.0",
    "created_at": "2013-02-27T19:35:32Z", "published_at": "2013-02-27T19:35:32Z", "assets": [],
}
SAMPLE_STAR: dict[str, Any] = {"starred_at": "2011-01-16T19:06:43Z", "user": _USER}


def _trigger_info(name: str, display_name: str, description: str, sample: Mapping[str, Any]) -> TriggerInfo:
    return TriggerInfo(integration="github", name=name, display_name=display_name, description=description,
                       fields=(REPOSITORY,), type="POLLING", sample_data=sample)


def _not_a_pull(item: dict[str, Any]) -> bool:
    return "pull_request" not in item


def _star_id(item: dict[str, Any]) -> str | None:
    user = item.get("user")
    if not isinstance(user, dict) or user.get("id") is None:
        return None
    return f"{user['id']}@{item.get('starred_at')}"


TRIGGERS: dict[str, NativeTrigger] = {
    "new_issue": NewestFirst(
        _trigger_info("new_issue", "New Issue", "Fires when an issue is opened in the repository.", SAMPLE_ISSUE),
        GitHubList("/issues", "created_at", {"state": "all", **_NEWEST_FIRST}, keep=_not_a_pull)),
    "new_pull_request": NewestFirst(
        _trigger_info("new_pull_request", "New Pull Request", "Fires when a pull request is opened in the repository.",
                      SAMPLE_PULL),
        GitHubList("/pulls", "created_at", {"state": "all", **_NEWEST_FIRST})),
    "new_comment": NewestFirst(
        _trigger_info("new_comment", "New Comment",
                      "Fires when someone comments on an issue or pull request of the repository.", SAMPLE_COMMENT),
        GitHubList("/issues/comments", "created_at", _NEWEST_FIRST)),
    "new_release": NewestFirst(
        _trigger_info("new_release", "New Release", "Fires when a release of the repository is published.",
                      SAMPLE_RELEASE),
        GitHubList("/releases", "published_at")),
    "new_star": NewestLast(
        _trigger_info("new_star", "New Star", "Fires when someone stars the repository.", SAMPLE_STAR),
        GitHubList("/stargazers", "starred_at", accept="application/vnd.github.star+json", ident=_star_id)),
}
