"""A feed server for the rss integration: an RSS 2.0 and an Atom 1.0 feed, and the ways a feed URL goes wrong.

``/rss.xml`` (RSS 2.0, three items), ``/atom.xml`` (Atom 1.0, two entries, one with a relative link), ``/moved``
(301 to ``/rss.xml``), ``/gzip.xml`` (the RSS feed gzip-encoded), ``/huge.xml`` (a body streamed for 64 MiB),
``/inflating.xml`` (a small gzip body that inflates past 5 MiB), ``/bomb.xml`` (a feed declaring entities),
``/page.html`` (an HTML page, not a feed); anything else is 404. Queued failures (``fail_next``) answer first.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterator

from starlette.responses import PlainTextResponse, RedirectResponse, Response, StreamingResponse

from tests.stubs.base import ProviderStub, RecordedRequest

RSS = b"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0">
<channel>
  <title>Weavz Changelog</title>
  <link>https://example.test/changelog</link>
  <description>What changed &amp; when</description>
  <language>en-us</language>
  <lastBuildDate>Tue, 01 Dec 2026 10:00:00 GMT</lastBuildDate>
  <item>
    <title>Deploy previews</title>
    <link>https://example.test/changelog/previews</link>
    <guid>urn:changelog:3</guid>
    <pubDate>Tue, 01 Dec 2026 10:00:00 GMT</pubDate>
    <author>ops@example.test (Ops Team)</author>
    <category>deploy</category>
    <category>ui</category>
    <description><![CDATA[<p>Every <b>pull request</b> gets a preview.</p>]]></description>
  </item>
  <item>
    <title>Faster builds</title>
    <link>https://example.test/changelog/builds</link>
    <guid>urn:changelog:2</guid>
    <pubDate>Mon, 30 Nov 2026 09:30:00 +0100</pubDate>
    <description>Builds cache their layers, so each deploy is quicker.</description>
  </item>
  <item>
    <title>Dark mode</title>
    <link>https://example.test/changelog/dark</link>
    <guid>urn:changelog:1</guid>
    <category>ui</category>
    <description>The dashboard follows the system theme.</description>
  </item>
</channel>
</rss>
"""

ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>Engineering notes</title>
  <subtitle type="html">Notes from &lt;em&gt;the team&lt;/em&gt;</subtitle>
  <link href="https://example.test/notes"/>
  <id>urn:notes</id>
  <updated>2026-11-28T12:00:00Z</updated>
  <entry>
    <title>Queues, explained</title>
    <link rel="alternate" href="/notes/queues"/>
    <id>urn:notes:2</id>
    <updated>2026-11-28T12:00:00Z</updated>
    <published>2026-11-27T08:00:00+02:00</published>
    <author><name>Grace</name></author>
    <summary>How the task queue retries.</summary>
  </entry>
  <entry>
    <title>Caching</title>
    <link rel="alternate" href="https://example.test/notes/caching"/>
    <id>urn:notes:1</id>
    <updated>2026-11-20T12:00:00Z</updated>
    <summary>Layers and keys.</summary>
  </entry>
</feed>
"""

BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>
<rss version="2.0"><channel><title>&b;</title></channel></rss>
"""

TOO_MANY_BYTES = 6 * 1024 * 1024  # past the rss integration's 5 MiB bound
# Far more than loopback socket buffers hold, so a reader that stops early stops the stream early too.
HUGE_BYTES = 64 * 1024 * 1024
_CHUNK = 64 * 1024


class FeedStub(ProviderStub):
    name = "feeds"
    token = None

    def seed(self) -> None:
        self.streamed = 0  # bytes of /huge.xml sent, to show the reader stopped early

    def handle(self, request: RecordedRequest) -> Response:
        feeds = {"/rss.xml": (RSS, "application/rss+xml"), "/atom.xml": (ATOM, "application/atom+xml"),
                 "/bomb.xml": (BOMB, "application/rss+xml")}
        if request.path in feeds:
            body, media_type = feeds[request.path]
            return Response(body, media_type=media_type)
        if request.path == "/moved":
            return RedirectResponse("/rss.xml", status_code=301)
        if request.path == "/gzip.xml":
            return Response(gzip.compress(RSS), media_type="application/rss+xml",
                            headers={"Content-Encoding": "gzip"})
        if request.path == "/inflating.xml":
            return Response(gzip.compress(b" " * TOO_MANY_BYTES), media_type="application/rss+xml",
                            headers={"Content-Encoding": "gzip"})
        if request.path == "/huge.xml":
            return StreamingResponse(self._huge(), media_type="application/rss+xml")
        if request.path == "/page.html":
            return Response(b"<html><body><p>Hello</p></body></html>", media_type="text/html")
        return PlainTextResponse("no such feed", status_code=404)

    def _huge(self) -> Iterator[bytes]:
        yield b'<?xml version="1.0"?><rss version="2.0"><channel><title>'
        for _ in range(HUGE_BYTES // _CHUNK):
            self.streamed += _CHUNK
            yield b"x" * _CHUNK
        yield b"</title></channel></rss>"
