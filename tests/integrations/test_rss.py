"""rss through the engine against a feed server on 127.0.0.1: RSS 2.0 and Atom, search, and each way a fetch fails."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

# The engine fixtures are imported by name for pytest; tests then take them as arguments of the same name.
# ruff: noqa: F811
from tests.engine.engine_fixtures import store  # noqa: F401
from tests.integrations.native_engine import NativeEngine, native_engine
from tests.stubs.base import running
from tests.stubs.feeds import HUGE_BYTES, FeedStub
from weavz_flow.catalog.catalog import Catalog
from weavz_flow.engine.store import Store
from weavz_flow.errors import ErrorCode
from weavz_flow.integrations import rss_feed
from weavz_flow.integrations.catalog_action import CatalogAction
from weavz_flow.integrations.output_shapes import output_shape
from weavz_flow.integrations.registry import NATIVE_INTEGRATIONS

NAME = rss_feed.NAME

PREVIEWS = {
    "title": "Deploy previews", "link": "https://example.test/changelog/previews", "id": "urn:changelog:3",
    "published": "2026-12-01T10:00:00Z", "updated": None, "author": "ops@example.test (Ops Team)",
    "summary": "Every pull request gets a preview.", "categories": ["deploy", "ui"],
}
BUILDS = {
    "title": "Faster builds", "link": "https://example.test/changelog/builds", "id": "urn:changelog:2",
    "published": "2026-11-30T08:30:00Z", "updated": None, "author": None,
    "summary": "Builds cache their layers, so each deploy is quicker.", "categories": [],
}
DARK = {
    "title": "Dark mode", "link": "https://example.test/changelog/dark", "id": "urn:changelog:1",
    "published": None, "updated": None, "author": None, "summary": "The dashboard follows the system theme.",
    "categories": ["ui"],
}


@pytest.fixture(scope="module")
def feeds_server() -> Iterator[FeedStub]:
    with running(FeedStub()) as stub:
        yield stub  # type: ignore[misc]


@pytest.fixture
def feeds(feeds_server: FeedStub) -> FeedStub:
    feeds_server.reset()
    return feeds_server


@pytest.fixture
def engine(store: Store, sdk_catalog: Catalog) -> Iterator[NativeEngine]:
    with native_engine(store, sdk_catalog, NAME) as engine:
        yield engine


def rss(engine: NativeEngine, action: str, **input: Any) -> Any:
    return engine.execute(NAME, action, input)


def test_every_catalog_action_is_native_with_the_catalog_schema(sdk_catalog: Catalog) -> None:
    native = NATIVE_INTEGRATIONS[NAME]
    sdk = sdk_catalog.integration(NAME)
    assert set(native.actions) == set(sdk.actions)
    for name, action in native.actions.items():
        assert isinstance(action, CatalogAction) and action.info == sdk.actions[name]
        assert output_shape(NAME, name) is not None


def test_parse_an_rss_feed(engine: NativeEngine, feeds: FeedStub) -> None:
    out = rss(engine, "parse_feed", url=f"{feeds.url}/rss.xml")
    assert out == {
        "feed": {"title": "Weavz Changelog", "link": "https://example.test/changelog",
                 "description": "What changed & when", "language": "en-us", "updated": "2026-12-01T10:00:00Z",
                 "format": "rss20"},
        "entries": [PREVIEWS, BUILDS, DARK],
        "total": 3,
    }
    request = feeds.last
    assert (request.method, request.path) == ("GET", "/rss.xml")
    assert "authorization" not in request.headers and "cookie" not in request.headers
    assert "application/rss+xml" in request.headers["accept"]


def test_parse_an_atom_feed(engine: NativeEngine, feeds: FeedStub) -> None:
    out = rss(engine, "parse_feed", url=f"{feeds.url}/atom.xml")
    assert out["feed"] == {"title": "Engineering notes", "link": "https://example.test/notes",
                           "description": "Notes from the team", "language": None,
                           "updated": "2026-11-28T12:00:00Z", "format": "atom10"}
    assert out["entries"][0] == {
        "title": "Queues, explained", "link": f"{feeds.url}/notes/queues", "id": "urn:notes:2",
        "published": "2026-11-27T06:00:00Z", "updated": "2026-11-28T12:00:00Z", "author": "Grace",
        "summary": "How the task queue retries.", "categories": []}
    assert out["total"] == 2


def test_get_entries_is_limited(engine: NativeEngine, feeds: FeedStub) -> None:
    assert rss(engine, "get_entries", url=f"{feeds.url}/rss.xml") == {"entries": [PREVIEWS, BUILDS, DARK],
                                                                       "total": 3}
    assert rss(engine, "get_entries", url=f"{feeds.url}/rss.xml", limit=2) == {"entries": [PREVIEWS, BUILDS],
                                                                                "total": 3}


def test_search_entries_ranks_title_then_categories_then_summary(engine: NativeEngine, feeds: FeedStub) -> None:
    out = rss(engine, "search_entries", url=f"{feeds.url}/rss.xml", query="DEPLOY")
    assert out == {"entries": [PREVIEWS, BUILDS], "total": 2}
    # "ui" is in the title "Faster b-ui-lds" (a substring, not a word), and a category of the other two.
    out = rss(engine, "search_entries", url=f"{feeds.url}/rss.xml", query="ui")
    assert out == {"entries": [BUILDS, PREVIEWS, DARK], "total": 3}
    out = rss(engine, "search_entries", url=f"{feeds.url}/rss.xml", query="ui", limit=1)
    assert out == {"entries": [BUILDS], "total": 3}
    assert rss(engine, "search_entries", url=f"{feeds.url}/rss.xml", query="kubernetes") == {"entries": [],
                                                                                           "total": 0}


def test_redirects_and_compression_are_followed(engine: NativeEngine, feeds: FeedStub) -> None:
    assert rss(engine, "get_entries", url=f"{feeds.url}/moved")["total"] == 3
    assert [r.path for r in feeds.requests] == ["/moved", "/rss.xml"]
    assert rss(engine, "get_entries", url=f"{feeds.url}/gzip.xml")["entries"][0] == PREVIEWS


def test_an_http_error_is_action_failed(engine: NativeEngine, feeds: FeedStub) -> None:
    error = engine.error(NAME, "parse_feed", {"url": f"{feeds.url}/missing.xml"})
    assert error.code == ErrorCode.ACTION_FAILED
    assert (error.details["providerStatus"], error.details["providerMessage"]) == (404, "no such feed")
    assert error.details["url"] == f"{feeds.url}/missing.xml"


@pytest.mark.parametrize("path", ["/huge.xml", "/inflating.xml"])
def test_an_oversized_body_is_refused_unread(engine: NativeEngine, feeds: FeedStub, path: str) -> None:
    error = engine.error(NAME, "get_entries", {"url": f"{feeds.url}{path}"})
    assert error.code == ErrorCode.ACTION_FAILED
    assert (error.details["reason"], error.details["limit"]) == ("too_large", rss_feed.MAX_FEED_BYTES)
    if path == "/huge.xml":
        assert 0 < feeds.streamed < HUGE_BYTES // 2


def test_entity_declarations_are_refused(engine: NativeEngine, feeds: FeedStub) -> None:
    error = engine.error(NAME, "parse_feed", {"url": f"{feeds.url}/bomb.xml"})
    assert error.code == ErrorCode.ACTION_FAILED and error.details["reason"] == "xml_entities"


def test_a_page_that_is_no_feed_is_action_failed(engine: NativeEngine, feeds: FeedStub) -> None:
    error = engine.error(NAME, "parse_feed", {"url": f"{feeds.url}/page.html"})
    assert error.code == ErrorCode.ACTION_FAILED and error.details["reason"] == "not_a_feed"


def test_an_unreachable_host_is_action_failed(engine: NativeEngine) -> None:
    error = engine.error(NAME, "parse_feed", {"url": "http://127.0.0.1:9/feed.xml"})
    assert error.code == ErrorCode.ACTION_FAILED and error.details["reason"] == "connect"


@pytest.mark.parametrize(("action", "input", "field"), [
    ("parse_feed", {"url": "file:///etc/passwd"}, "url"),
    ("parse_feed", {"url": "/etc/passwd"}, "url"),
    ("get_entries", {"url": "http://127.0.0.1/x", "limit": 0}, "limit"),
    ("get_entries", {"url": "http://127.0.0.1/x", "limit": 101}, "limit"),
    ("search_entries", {"url": "http://127.0.0.1/x", "query": " "}, "query"),
    ("parse_feed", {}, "url"),
])
def test_bad_input_is_a_validation_error_naming_the_field(engine: NativeEngine, feeds: FeedStub, action: str,
                                                          input: dict[str, Any], field: str) -> None:
    error = engine.error(NAME, action, input)
    assert error.code == ErrorCode.VALIDATION_ERROR
    assert [f["field"] for f in error.details["fields"]] == [field]
    assert feeds.requests == []
