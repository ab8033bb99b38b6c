"""``GET /api/v1/files/download?token=…``: the file a ``storage.get_download_url`` link names, without auth.

The token is the only authority (:mod:`weavz_flow.engine.file_links`); it travels in the query, which the access log
never holds. The file comes as an attachment (never rendered as a page of this origin) with its stored content type;
an invalid or expired link, or a path that holds no file now, is one 404 Weavz error.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Query
from fastapi.responses import Response

from weavz_flow.engine.file_links import DOWNLOAD_PATH, link_invalid
from weavz_flow.server.deps import EngineDep

# Not an operation of the API (nobody composes it; a link is handed out whole), as the hosted pages are not.
router = APIRouter(include_in_schema=False)


@router.get(DOWNLOAD_PATH, response_class=Response)
def download(engine: EngineDep, token: Annotated[str, Query(max_length=4096)]) -> Response:
    ref = engine.file_links.open(token)
    file = engine.state.file_read(ref.namespace, ref.path)
    if file is None:
        raise link_invalid()
    name = quote(ref.path.rsplit("/", 1)[-1], safe="")
    return Response(file.content, media_type=file.content_type or "application/octet-stream", headers={
        "Content-Disposition": f"attachment; filename*=UTF-8''{name}",
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "private, no-store",
        "Referrer-Policy": "no-referrer",
        "Content-Security-Policy": "sandbox",  # a stored HTML file never runs as a page of this origin
    })
