"""RSS Feed (``rss``): read an RSS or Atom feed over HTTP and hand back its entries, compactly.

The feed is fetched with the engine's HTTP client through :mod:`~weavz_flow.integrations.provider_http` (its
timeouts, the execute deadline, bounded retries of 429/5xx, every failure an ``ACTION_FAILED``), with no credential
(``rss`` takes no connection), following redirects, and at most :data:`MAX_FEED_BYTES` of body. The bytes are then
parsed with feedparser (RSS 0.9x/1.0/2.0, Atom; it sanitizes HTML and resolves relative links against the feed's
URL); a feed that declares XML entities or external references is refused first (defusedxml), as no feed needs them
and they are how XML bombs work.

An entry is ``{title, link, id, published, updated, author, summary, categories}``: times as ISO 8601 UTC (null when
the feed gives none), ``summary`` as plain text (tags dropped, whitespace collapsed, at most :data:`SUMMARY_MAX`
characters), full content left out. Entries keep the feed's order. ``get_entries`` and ``search_entries`` return at
most ``limit`` (default :data:`DEFAULT_LIMIT`, 1 to :data:`MAX_ENTRIES`), ``parse_feed`` at most :data:`MAX_ENTRIES`,
each with ``total``. ``search_entries`` ranks entries whose title, categories, summary or author hold the query (in
that order of weight; see :mod:`~weavz_flow.integrations.text_search`).
"""

from __future__ import annotations

import io
import time
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any

import defusedxml.ElementTree
import feedparser
from defusedxml import DefusedXmlException

from weavz_flow.errors import ApiError, ErrorCode
from weavz_flow.integrations.base import ActionContext, NativeIntegration
from weavz_flow.integrations.catalog_action import catalog_actions
from weavz_flow.integrations.native_action import invalid_input
from weavz_flow.integrations.provider import ProviderProfile, ProviderRequest
from weavz_flow.integrations.provider_http import send
from weavz_flow.integrations.text_search import found_in, occurrences, ranked, search_query

NAME = "rss"
MAX_FEED_BYTES = 5 * 1024 * 1024
MAX_ENTRIES = 100
DEFAULT_LIMIT = 20
SUMMARY_MAX = 1000

FEED = ProviderProfile(
    name=NAME, display_name="RSS feed", default_base_url=None, auth="none",
    headers={"Accept": "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5",
             "User-Agent": "weavz-flow (rss)"},
)


def fetch_feed(ctx: ActionContext, values: dict[str, Any]) -> feedparser.FeedParserDict:
    url = str(values["url"]).strip()
    if not url.startswith(("http://", "https://")):
        raise invalid_input(ctx, "url", "must be an absolute http:// or https:// URL")
    response = send(ctx, FEED, ProviderRequest("GET", url, follow_redirects=True, max_bytes=MAX_FEED_BYTES))
    _refuse_entities(ctx, url, response.content)
    headers = {"content-type": response.headers.get("content-type", ""), "content-location": url}
    # A file object, never the bytes themselves: feedparser opens a bytes or str argument as a local file name.
    parsed = feedparser.parse(io.BytesIO(response.content), response_headers=headers)
    if not parsed.get("version") and not parsed.entries:
        problem = parsed.get("bozo_exception")
        raise ApiError(ErrorCode.ACTION_FAILED, f"{url} did not answer with an RSS or Atom feed",
                       details={"provider": NAME, "reason": "not_a_feed", "url": url,
                                "providerMessage": str(problem) if problem else "no feed found"})
    return parsed


def _refuse_entities(ctx: ActionContext, url: str, content: bytes) -> None:
    try:
        defusedxml.ElementTree.fromstring(content, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise ApiError(ErrorCode.ACTION_FAILED, f"{url}: the feed declares XML entities, which are refused",
                       details={"provider": NAME, "reason": "xml_entities", "url": url,
                                "providerMessage": type(exc).__name__}) from None
    except defusedxml.ElementTree.ParseError:
        pass  # not well-formed: feedparser's lenient parser may still read it


class _TextOf(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def plain_text(html: str | None, limit: int = SUMMARY_MAX) -> str | None:
    if not html:
        return None
    parser = _TextOf()
    parser.feed(html)
    parser.close()
    text = " ".join("".join(parser.parts).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _iso(parsed: feedparser.FeedParserDict, key: str) -> str | None:
    """A parsed time (a UTC struct_time) as ISO 8601. Read as a plain dict: FeedParserDict's own lookup would give
    ``published_parsed`` for a missing ``updated_parsed``."""
    moment: time.struct_time | None = dict.get(parsed, key)
    if not moment:
        return None
    return datetime(*moment[:6], tzinfo=UTC).isoformat().replace("+00:00", "Z")


def entry_json(entry: feedparser.FeedParserDict) -> dict[str, Any]:
    return {
        "title": entry.get("title"),
        "link": entry.get("link"),
        "id": entry.get("id"),
        "published": _iso(entry, "published_parsed"),
        "updated": _iso(entry, "updated_parsed"),
        "author": entry.get("author"),
        "summary": plain_text(entry.get("summary")),
        "categories": [t["term"] for t in entry.get("tags", []) if t.get("term")],
    }


def _limit(ctx: ActionContext, values: dict[str, Any]) -> int:
    limit = values.get("limit", DEFAULT_LIMIT)
    if not isinstance(limit, int) or not 1 <= limit <= MAX_ENTRIES:
        raise invalid_input(ctx, "limit", f"must be a whole number from 1 to {MAX_ENTRIES}")
    return limit


def parse_feed(ctx: ActionContext, values: dict[str, Any]) -> dict[str, Any]:
    parsed = fetch_feed(ctx, values)
    feed = parsed.feed
    return {
        "feed": {"title": feed.get("title"), "link": feed.get("link"),
                 "description": plain_text(feed.get("subtitle")), "language": feed.get("language"),
                 "updated": _iso(feed, "updated_parsed"), "format": parsed.get("version") or None},
        "entries": [entry_json(e) for e in parsed.entries[:MAX_ENTRIES]],
        "total": len(parsed.entries),
    }


def get_entries(ctx: ActionContext, values: dict[str, Any]) -> dict[str, Any]:
    limit = _limit(ctx, values)
    entries = fetch_feed(ctx, values).entries
    return {"entries": [entry_json(e) for e in entries[:limit]], "total": len(entries)}


def search_entries(ctx: ActionContext, values: dict[str, Any]) -> dict[str, Any]:
    query, limit = search_query(ctx, values), _limit(ctx, values)
    entries = [entry_json(e) for e in fetch_feed(ctx, values).entries]

    def score(entry: dict[str, Any]) -> tuple[int, ...]:
        return (min(occurrences(query, entry["title"]), 1), found_in(query, entry["categories"]),
                occurrences(query, entry["summary"]), min(occurrences(query, entry["author"]), 1))

    found, total = ranked(entries, score, limit)
    return {"entries": found, "total": total}


INTEGRATION = NativeIntegration(
    name=NAME,
    display_name="RSS Feed",
    description="Read RSS and Atom feeds: the feed, its latest entries, entries matching a query.",
    actions=catalog_actions(NAME, {
        "parse_feed": parse_feed,
        "get_entries": get_entries,
        "search_entries": search_entries,
    }),
)
