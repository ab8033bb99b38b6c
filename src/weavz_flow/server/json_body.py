"""A route's JSON body read and validated by the route itself, as FastAPI would: for the hot path.

FastAPI decodes a declared body with ``json.loads`` and then validates the Python value, and solving the route's
parameters around it costs about as much as the validation; pydantic validates JSON bytes directly in one step
(``model_validate_json``), in less than half that time (benchmarks/execute_throughput.py). :func:`read_body` takes
that step and, only when it fails, answers exactly what FastAPI answers (the same ``RequestValidationError`` and so
the same 400), by taking FastAPI's steps: no body is a missing field, a JSON content type with bytes that are not
JSON is ``json_invalid``, any other content type (or none: FastAPI's strict content type) is validated as bytes.

A route that reads its body this way declares it for OpenAPI through a documentation twin: the same operation with
its body declared, never served, listed in ``weavz_flow.server.app._DOCUMENTATION_TWINS``.
"""

from __future__ import annotations

import email.message
import functools
import json
from typing import Any, TypeVar

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError
from starlette.exceptions import HTTPException

M = TypeVar("M", bound=BaseModel)


async def read_body(request: Request, model: type[M]) -> M:
    raw = await request.body()
    is_json = _is_json(request.headers.get("content-type"))
    if raw and is_json:
        try:
            return model.model_validate_json(raw)
        except ValidationError:
            pass  # answered below, as FastAPI would
    return _as_fastapi(raw, is_json, model)


def _as_fastapi(raw: bytes, is_json: bool, model: type[M]) -> M:
    if not raw:
        raise RequestValidationError([{"type": "missing", "loc": ("body",), "msg": "Field required", "input": None}])
    value: Any = raw
    if is_json:
        try:
            value = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise RequestValidationError([{"type": "json_invalid", "loc": ("body", exc.pos), "msg": "JSON decode error",
                                           "input": {}, "ctx": {"error": exc.msg}}]) from None
        except ValueError:  # bytes that are not text at all
            raise HTTPException(status_code=400, detail="There was an error parsing the body") from None
    try:
        # Valid as Python but not as JSON bytes (the two modes differ on a few types): FastAPI takes it, so do we.
        return model.model_validate(value, from_attributes=True)  # as FastAPI validates a body
    except ValidationError as exc:
        raise RequestValidationError([{**err, "loc": ("body", *err["loc"])}
                                      for err in exc.errors(include_url=False)]) from None


@functools.lru_cache(maxsize=64)
def _is_json(content_type: str | None) -> bool:
    # FastAPI's test (strict content type): a missing content type is not JSON.
    if not content_type:
        return False
    message = email.message.Message()
    message["content-type"] = content_type
    if message.get_content_maintype() != "application":
        return False
    subtype = message.get_content_subtype()
    return subtype == "json" or subtype.endswith("+json")
