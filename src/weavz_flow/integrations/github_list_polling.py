"""Polling a GitHub REST list for new items: conditional requests, pages, and the watermark over the items' times.

Facts, from docs.github.com (REST API version 2022-11-28):

- Conditional requests ("Best practices for using the REST API", *Use conditional requests if appropriate*): a
  response carries an ``etag``; sending it back as ``If-None-Match`` answers ``304 Not Modified`` when nothing changed,
  and a 304 to an authorized request does not count against the primary rate limit. So each poll sends the ETag of
  the page it read first last time, and an idle repository costs no quota.
- Pagination ("Using pagination in the REST API"): ``per_page`` up to 100 and ``page`` from 1; the ``link`` header
  names ``rel="next"`` while another page follows and ``rel="last"`` with the last page's number. Only the page
  number is read from it; the next request goes to the same host (the credential goes nowhere else).
- Timestamps are ISO 8601 UTC, ``YYYY-MM-DDTHH:MM:SSZ`` ("Timezones"): fixed width, so they compare as strings.

Two reading orders: :class:`NewestFirst` (issues, pulls, comments and releases sorted newest first) walks pages
until it reaches an item older than the watermark; :class:`NewestLast` (stargazers, listed oldest first) keeps the
last page's number in the cursor and reads from there. Either reads at most :data:`MAX_PAGES` pages a poll, so that
a poll ends well within the engine's execute deadline (a poll that always timed out would keep its cursor and never
advance): more new items than that within one interval (1,000 issues) are beyond what one poll delivers, and the
oldest of them are skipped. The cursor holds the watermark (bounded, :mod:`trigger_watermark`), one ETag and, for
the stars, a page number.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from weavz_flow.catalog.model import TriggerInfo
from weavz_flow.integrations.base import ActionContext
from weavz_flow.integrations.github_api import GITHUB, repository_path
from weavz_flow.integrations.http_spec import call
from weavz_flow.integrations.provider import ProviderRequest
from weavz_flow.integrations.trigger_base import Cursor, PollResult
from weavz_flow.integrations.trigger_watermark import Stamped, Watermark, advance

PER_PAGE = 100
MAX_PAGES = 10
_LAST_PAGE = re.compile(r'<[^>]*[?&]page=(\d+)[^>]*>;\s*rel="last"')


@dataclass(frozen=True, slots=True)
class Page:
    items: list[dict[str, Any]]
    etag: str | None
    has_next: bool
    last_page: int | None  # from rel="last"; None on the last page itself
    not_modified: bool = False


@dataclass(frozen=True)
class GitHubList:
    """One list endpoint of a repository and how its items become events."""

    path: str  # under /repos/{repository}
    stamp: str  # the item's time field
    query: Mapping[str, str] = field(default_factory=dict)
    keep: Callable[[dict[str, Any]], bool] = lambda item: True  # which items are events (issues without pulls)
    accept: str | None = None  # a media type other than the profile's (stargazers with their ``starred_at``)
    ident: Callable[[dict[str, Any]], Any] = lambda item: item.get("id")

    def page(self, ctx: ActionContext, input: Mapping[str, Any], number: int, etag: str | None = None) -> Page:
        headers = {"If-None-Match": etag} if etag else {}
        if self.accept:
            headers["Accept"] = self.accept
        path = f"/repos/{repository_path(input['repository'])}{self.path}"
        query = {**self.query, "per_page": PER_PAGE, "page": number}
        response = call(ctx, GITHUB, ProviderRequest("GET", path, query=query, headers=headers))
        if response.status == 304:
            return Page([], etag, has_next=False, last_page=None, not_modified=True)
        link = response.headers.get("link", "")
        last = _LAST_PAGE.search(link)
        body = response.body if isinstance(response.body, list) else []
        return Page([i for i in body if isinstance(i, dict)], response.headers.get("etag"),
                    has_next='rel="next"' in link, last_page=int(last.group(1)) if last else None)

    def stamped(self, items: list[dict[str, Any]]) -> list[Stamped]:
        """The items that are events and have a time, as candidates (a draft release has no ``published_at``)."""
        return [Stamped(str(self.ident(i)), str(i[self.stamp]), i) for i in items
                if self.keep(i) and isinstance(i.get(self.stamp), str) and self.ident(i) is not None]

    def dated(self, items: list[dict[str, Any]]) -> list[Stamped]:
        """Every item with a time, events or not: where a walk stands in the list."""
        return [Stamped("", str(i[self.stamp]), i) for i in items if isinstance(i.get(self.stamp), str)]


@dataclass(frozen=True)
class NewestFirst:
    """A POLLING trigger over a list sorted newest first: page 1 with the last ETag, then further pages until an
    item older than the watermark (or the last page)."""

    info: TriggerInfo
    source: GitHubList

    def baseline(self, ctx: ActionContext, input: dict[str, Any]) -> Cursor:
        first = self.source.page(ctx, input, 1)
        return {**Watermark().after(self.source.stamped(first.items)).cursor(), "etag": first.etag}

    def poll(self, ctx: ActionContext, input: dict[str, Any], cursor: Cursor) -> PollResult:
        watermark = Watermark.of(cursor)
        first = self.source.page(ctx, input, 1, _etag(cursor))
        if first.not_modified:
            return PollResult([], cursor)
        seen, page, number = list(first.items), first, 1
        while (page.has_next and number < MAX_PAGES
               and not any(watermark.is_before(i) for i in self.source.dated(page.items))):
            number += 1
            page = self.source.page(ctx, input, number)
            seen.extend(page.items)
        events, after = advance(watermark, self.source.stamped(seen))
        return PollResult(events, {**after.cursor(), "etag": first.etag})


@dataclass(frozen=True)
class NewestLast:
    """A POLLING trigger over a list in the order items were added (stargazers): the cursor keeps the number of the
    last page and its ETag. A poll reads that page (304: nothing new), then the pages after it while ``rel="next"``
    says more follow, and the pages before it while the earliest read still starts with a new item (unstars move
    items to earlier pages)."""

    info: TriggerInfo
    source: GitHubList

    def baseline(self, ctx: ActionContext, input: dict[str, Any]) -> Cursor:
        number, page = self._last(ctx, input)
        return {**Watermark().after(self.source.stamped(page.items)).cursor(), "etag": page.etag, "page": number}

    def poll(self, ctx: ActionContext, input: dict[str, Any], cursor: Cursor) -> PollResult:
        watermark = Watermark.of(cursor)
        stored = cursor.get("page")
        number = stored if isinstance(stored, int) and stored >= 1 else 1
        page = self.source.page(ctx, input, number, _etag(cursor))
        if page.not_modified:
            return PollResult([], cursor)
        if not page.items and number > 1:  # fewer items than the stored page needs: find the last page again
            number, page = self._last(ctx, input)
        seen, reads = list(page.items), 1
        last_number, last = number, page
        while last.has_next and reads < MAX_PAGES:
            last_number += 1
            reads += 1
            last = self.source.page(ctx, input, last_number)
            seen.extend(last.items)
        earliest, earliest_items = number, page.items
        while earliest > 1 and reads < MAX_PAGES and self._starts_new(watermark, earliest_items):
            earliest -= 1
            reads += 1
            earliest_items = self.source.page(ctx, input, earliest).items
            seen.extend(earliest_items)
        events, after = advance(watermark, self.source.stamped(seen))
        return PollResult(events, {**after.cursor(), "etag": last.etag, "page": last_number})

    def _last(self, ctx: ActionContext, input: Mapping[str, Any]) -> tuple[int, Page]:
        first = self.source.page(ctx, input, 1)
        if first.last_page is None or first.last_page <= 1:
            return 1, first
        return first.last_page, self.source.page(ctx, input, first.last_page)

    def _starts_new(self, watermark: Watermark, items: list[dict[str, Any]]) -> bool:
        stamped = self.source.stamped(items[:1])
        return not stamped or watermark.is_new(stamped[0])


def _etag(cursor: Cursor) -> str | None:
    etag = cursor.get("etag")
    return etag if isinstance(etag, str) and etag else None
