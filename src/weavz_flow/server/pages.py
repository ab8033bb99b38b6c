"""The paging query parameters of list routes, declared once: their bounds show in the OpenAPI document and are
checked (400 VALIDATION_ERROR beyond) by the same declaration."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

from weavz_flow.engine.services.scope import MAX_PAGE_OFFSET

Offset = Annotated[int | None, Query(ge=0, le=MAX_PAGE_OFFSET, description="rows to skip")]
Limit = Annotated[int | None, Query(ge=0, le=1000, description="rows to return (default 50)")]
# Workspaces come in smaller pages (the Weavz API's bound).
WorkspaceLimit = Annotated[int | None, Query(ge=0, le=100, description="rows to return (default 50)")]
