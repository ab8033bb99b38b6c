"""The stylesheet of the hosted pages, served by this server itself (the pages may load nothing from elsewhere)."""

from __future__ import annotations

from functools import cache
from importlib.resources import files

from fastapi import APIRouter
from fastapi.responses import Response

from weavz_flow.server.html.render import STYLESHEET_PATH

router = APIRouter(include_in_schema=False)


@cache
def _stylesheet() -> bytes:
    return files("weavz_flow.server.html").joinpath("static", "page.css").read_bytes()


@router.get(STYLESHEET_PATH)
def stylesheet() -> Response:
    return Response(_stylesheet(), media_type="text/css; charset=utf-8",
                    headers={"Cache-Control": "public, max-age=3600", "X-Content-Type-Options": "nosniff"})
