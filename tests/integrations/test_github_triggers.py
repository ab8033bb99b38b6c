"""GitHub's polling triggers against the GitHub stub over real HTTP: baseline, new items oldest first, equal
timestamps, pages, conditional requests (304), failures that keep the cursor, and a refused token never shown."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from tests.integrations.polling import Poller
from tests.stubs.github import GITHUB_TOKEN, GitHubStub
from weavz_flow.errors import ApiError, ErrorCode
from weavz_flow.integrations.github import INTEGRATION

REPO = {"repository": "acme/api"}

# What a user does to fire each trigger; each returns the event id that should come of it.
Act = Callable[[GitHubStub, str, str | None], str]


def _issue(stub: GitHubStub, title: str, at: str | None) -> str:
    return str(stub.open_issue(title, at=at)["id"])


def _pull(stub: GitHubStub, title: str, at: str | None) -> str:
    return str(stub.open_pull(title, at=at)["id"])


def _comment(stub: GitHubStub, title: str, at: str | None) -> str:
    return str(stub.comment_on(1, title, at=at)["id"])


def _release(stub: GitHubStub, title: str, at: str | None) -> str:
    return str(stub.publish_release(title, at=at)["id"])


def _star(stub: GitHubStub, title: str, at: str | None) -> str:
    user_id = 500 + len(stub.stargazers["acme/api"])
    stub.star(title, user_id, at=at)
    return f"{user_id}@{stub.stargazers['acme/api'][-1]['starred_at']}"


@pytest.fixture
def poller(http: httpx.Client, github_stub: GitHubStub) -> Poller:
    return Poller(http, INTEGRATION, github_stub.url, GITHUB_TOKEN, dict(REPO))


ACTS: dict[str, Act] = {"new_issue": _issue, "new_pull_request": _pull, "new_comment": _comment,
                        "new_release": _release, "new_star": _star}


def test_the_integration_lists_its_five_polling_triggers() -> None:
    entry = INTEGRATION.catalog_entry()
    assert sorted(entry.triggers) == sorted(ACTS)
    for info in entry.triggers.values():
        assert info.type == "POLLING" and info.required == ("repository",)
        assert info.metadata()["sampleData"]


@pytest.mark.parametrize("name", ACTS)
def test_baseline_fires_nothing_for_what_exists(poller: Poller, github_stub: GitHubStub, name: str) -> None:
    ACTS[name](github_stub, "existing", None)
    cursor = poller.baseline(name)
    assert poller.poll(name, cursor).events == []


@pytest.mark.parametrize("name", ACTS)
def test_new_items_are_events_oldest_first_and_only_once(poller: Poller, github_stub: GitHubStub,
                                                         name: str) -> None:
    cursor = poller.baseline(name)
    first, second = ACTS[name](github_stub, "first", None), ACTS[name](github_stub, "second", None)
    result = poller.poll(name, cursor)
    assert [e.id for e in result.events] == [first, second]
    assert all(e.occurred_at and e.data for e in result.events)
    assert poller.poll(name, result.cursor).events == []


@pytest.mark.parametrize("name", ACTS)
def test_an_item_at_the_same_second_as_the_last_seen_is_neither_replayed_nor_skipped(
        poller: Poller, github_stub: GitHubStub, name: str) -> None:
    cursor = poller.baseline(name)
    same = "2026-12-02T08:00:00Z"
    earlier = ACTS[name](github_stub, "one", same)
    cursor = poller.poll(name, cursor).cursor
    later = ACTS[name](github_stub, "two", same)
    result = poller.poll(name, cursor)
    assert [e.id for e in result.events] == [later] and later != earlier
    assert poller.poll(name, result.cursor).events == []


@pytest.mark.parametrize("name", ACTS)
def test_an_unchanged_list_answers_304_and_keeps_the_cursor(poller: Poller, github_stub: GitHubStub,
                                                            name: str) -> None:
    cursor = poller.baseline(name)
    result = poller.poll(name, cursor)
    assert result.events == [] and result.cursor == cursor
    assert github_stub.not_modified == 1
    assert github_stub.last.headers["if-none-match"] == cursor["etag"]


@pytest.mark.parametrize("name", ACTS)
def test_a_failed_poll_raises_and_the_old_cursor_still_finds_the_events(poller: Poller,
                                                                        github_stub: GitHubStub, name: str) -> None:
    cursor = poller.baseline(name)
    new = ACTS[name](github_stub, "while down", None)
    github_stub.fail_next(502)
    with pytest.raises(ApiError) as caught:
        poller.poll(name, cursor)
    assert caught.value.code == ErrorCode.ACTION_FAILED
    assert (caught.value.details or {})["providerStatus"] == 502
    assert [e.id for e in poller.poll(name, cursor).events] == [new]


def test_a_refused_token_fails_without_showing_it(poller: Poller, github_stub: GitHubStub) -> None:
    cursor = poller.baseline("new_issue")
    canary = "ghp_CANARY_trigger_token_never_shown"
    with pytest.raises(ApiError) as caught:
        poller.poll("new_issue", cursor, token=canary)
    error = caught.value
    assert (error.details or {})["providerStatus"] == 401
    assert canary not in f"{error} {error!r} {error.to_body()}"


def test_pull_requests_are_not_new_issues(poller: Poller, github_stub: GitHubStub) -> None:
    cursor = poller.baseline("new_issue")
    github_stub.open_pull("a pull")
    issue = github_stub.open_issue("an issue")
    assert [e.data["number"] for e in poller.poll("new_issue", cursor).events] == [issue["number"]]


def test_a_poll_walks_pages_back_to_the_watermark_and_no_further(poller: Poller,
                                                                 github_stub: GitHubStub) -> None:
    for n in range(4):
        github_stub.open_issue(f"old {n}")
    github_stub.page_size = 2
    cursor = poller.baseline("new_issue")
    titles = [f"new {n}" for n in range(5)]
    for title in titles:
        github_stub.open_issue(title)
    github_stub.requests.clear()
    result = poller.poll("new_issue", cursor)
    assert [e.data["title"] for e in result.events] == titles
    # Pages of two, newest first: the 5 new items and the newest old one (at the watermark) fill pages 1-3; page 4
    # starts with an item older than the watermark, so the walk ends there and pages 5-6 are never asked.
    assert [r.query["page"] for r in github_stub.requests] == ["1", "2", "3", "4"]


def test_a_draft_release_fires_when_published_only(poller: Poller, github_stub: GitHubStub) -> None:
    cursor = poller.baseline("new_release")
    github_stub.publish_release("v2.0-draft", draft=True)
    assert poller.poll("new_release", cursor).events == []


def test_stars_read_from_the_last_page_and_survive_unstars(poller: Poller, github_stub: GitHubStub) -> None:
    github_stub.page_size = 2
    for n in range(4):
        github_stub.star(f"fan{n}", 600 + n)  # five stars with octocat's: pages 1-3
    cursor = poller.baseline("new_star")
    assert cursor["page"] == 3
    github_stub.unstar("octocat")
    github_stub.unstar("fan0")  # three stars left: the stored page 3 is now empty
    github_stub.star("late", 700)
    github_stub.star("later", 701)
    result = poller.poll("new_star", cursor)
    assert [e.data["user"]["login"] for e in result.events] == ["late", "later"]
    assert result.cursor["page"] == 3
    assert poller.poll("new_star", result.cursor).events == []
