"""The hosted pages' shared parts: the stylesheet, the headers, escaping, and a page as a real browser shows it."""

from __future__ import annotations

import httpx
from playwright.sync_api import Page

from tests.browser import screenshot
from tests.server.accounts import LiveServer
from weavz_flow.server.html.render import STYLESHEET_PATH, page_headers, render_html


def test_the_stylesheet_is_served_by_the_server_itself(live_server: LiveServer) -> None:
    answer = httpx.get(live_server.url + STYLESHEET_PATH)
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/css")
    assert "font" in answer.text and "http" not in answer.text  # nothing fetched from elsewhere


def test_page_headers_allow_no_script_no_framing_no_referrer_and_only_named_form_targets() -> None:
    headers = page_headers(["https://app.example/done?x=1", "javascript:alert(1)", "not a url"])
    policy = headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "script-src" not in policy
    assert "form-action 'self' https://app.example;" in policy
    assert "frame-ancestors 'none'" in policy
    assert headers["Referrer-Policy"] == "no-referrer" and headers["Cache-Control"] == "no-store"


def test_values_are_text_never_markup() -> None:
    html = render_html("message.html", {"title": "<script>alert(1)</script>", "message": "a & b"})
    assert "<script>" not in html and "&lt;script&gt;" in html and "a &amp; b" in html


def test_a_page_renders_in_the_browser_with_its_stylesheet(live_server: LiveServer, page: Page) -> None:
    page.set_content(render_html("message.html", {"title": "Hello", "message": "A message page."})
                     .replace(STYLESHEET_PATH, live_server.url + STYLESHEET_PATH))
    assert page.get_by_role("heading", name="Hello").is_visible()
    assert page.locator("main").evaluate("m => getComputedStyle(m).maxWidth") == "640px"
    assert screenshot(page, "message-page").stat().st_size > 0
