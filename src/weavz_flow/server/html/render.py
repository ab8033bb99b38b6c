"""Rendering a page: our own Jinja2 templates with autoescape on (a value is text, never markup), and the headers
every hosted page carries.

A hosted page is opened by a person holding a bearer-like token in its URL, so the headers keep that token where it
is: no Referer leaves the page, nothing is cached, the page cannot be framed (clickjacking a consent), and the
content security policy allows no script at all and no origin but this server's, except the form targets a page
names (a form's POST may redirect to a caller's ``successRedirectUri``, and Chromium applies ``form-action`` to
that redirect too).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

import jinja2
from fastapi.responses import HTMLResponse

_env = jinja2.Environment(
    loader=jinja2.PackageLoader("weavz_flow.server.html", "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,  # a missing value is our bug: fail loudly, never render an empty field
    trim_blocks=True,
    lstrip_blocks=True,
)

STYLESHEET_PATH = "/_assets/page.css"


def _origin(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}"


def page_headers(form_targets: Iterable[str] = ()) -> dict[str, str]:
    """The security headers of a hosted page; ``form_targets`` are URLs a form on it may end up at (their origins
    are allowed in ``form-action``)."""
    origins = sorted({o for o in (_origin(u) for u in form_targets) if o is not None})
    form_action = " ".join(["'self'", *origins])
    policy = (f"default-src 'none'; style-src 'self'; img-src 'self' data:; form-action {form_action}; "
              "frame-ancestors 'none'; base-uri 'none'")
    return {
        "Content-Security-Policy": policy,
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
    }


def render_html(template: str, context: Mapping[str, Any]) -> str:
    return _env.get_template(template).render(stylesheet=STYLESHEET_PATH, **context)


def render_page(
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    status_code: int = 200,
    form_targets: Iterable[str] = (),
) -> HTMLResponse:
    """``template`` (a file under ``templates/``) rendered with ``context``, with :func:`page_headers`."""
    return HTMLResponse(render_html(template, context or {}), status_code=status_code,
                        headers=page_headers(form_targets))


def message_page(title: str, message: str, *, status_code: int) -> HTMLResponse:
    """A page that only says something: an expired or used link, a finished connection, a refused request."""
    return render_page("message.html", {"title": title, "message": message}, status_code=status_code)
