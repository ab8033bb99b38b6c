"""A native action whose input schema is its own pydantic model, for an integration the SDK catalog does not have (one
a test injects into the engine); every integration of the SDK catalog is a
:class:`~weavz_flow.integrations.catalog_action.CatalogAction` instead. The input errors shared by both are here.

``run`` parses the input with the model (so handlers get typed, coerced values), turns a failure into
``VALIDATION_ERROR`` naming each field (never echoing values, which may be secrets), then calls the handler with a
plain dict of the fields that are set.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError

from weavz_flow.catalog.model import ActionInfo
from weavz_flow.errors import ApiError, ErrorCode
from weavz_flow.integrations.action_info import action_info
from weavz_flow.integrations.base import ActionContext

Handler = Callable[[ActionContext, dict[str, Any]], Any]


@dataclass(frozen=True, slots=True)
class ModelAction:
    info: ActionInfo
    input_model: type[BaseModel]
    handler: Handler

    def run(self, ctx: ActionContext, input: dict[str, Any]) -> Any:
        return self.handler(ctx, parse_input(self.info, self.input_model, input))


def model_action(integration: str, name: str, model: type[BaseModel], handler: Handler) -> ModelAction:
    return ModelAction(info=action_info(integration, name, model), input_model=model, handler=handler)


def parse_input(info: ActionInfo, model: type[BaseModel], values: Mapping[str, Any]) -> dict[str, Any]:
    """The set fields of the validated input; integral floats become ints (the SDK types every number as float)."""
    try:
        parsed = model.model_validate(dict(values))
    except ValidationError as exc:
        problems = [
            {"field": ".".join(str(p) for p in err["loc"]) or "input", "message": err["msg"]}
            for err in exc.errors(include_input=False, include_url=False)
        ]
        listed = "; ".join(f"'{p['field']}': {p['message']}" for p in problems)
        raise ApiError(
            ErrorCode.VALIDATION_ERROR,
            f"Invalid input for {info.key}: {listed}",
            details={"integrationName": info.integration, "actionName": info.name, "fields": problems},
        ) from None
    out: dict[str, Any] = {}
    for key, value in parsed.model_dump(by_alias=True).items():
        if value is None:
            continue
        out[key] = int(value) if isinstance(value, float) and value.is_integer() else value
    return out


def require_value(ctx: ActionContext, values: Mapping[str, Any], *names: str) -> Any:
    """The first of ``names`` that is set; for inputs the catalog marks optional but the call needs one of."""
    for name in names:
        value = values.get(name)
        if value not in (None, ""):
            return value
    wanted = " or ".join(f"'{n}'" for n in names)
    raise ApiError(
        ErrorCode.VALIDATION_ERROR,
        f"Invalid input for {ctx.integration}.{ctx.action}: {wanted} is required",
        details={"integrationName": ctx.integration, "actionName": ctx.action,
                 "fields": [{"field": n, "message": "required"} for n in names]},
    )


def invalid_input(ctx: ActionContext, field: str, message: str) -> ApiError:
    """A VALIDATION_ERROR for one field, found while running (a value the catalog types cannot express)."""
    return ApiError(
        ErrorCode.VALIDATION_ERROR,
        f"Invalid input for {ctx.integration}.{ctx.action}: '{field}' {message}",
        details={"integrationName": ctx.integration, "actionName": ctx.action,
                 "fields": [{"field": field, "message": message}]},
    )


def choice(ctx: ActionContext, values: Mapping[str, Any], field: str, allowed: tuple[str, ...]) -> str:
    """The value of ``field`` among ``allowed``, case-insensitive: a choice the catalog types only as a string."""
    name = str(values[field]).strip().lower()
    if name not in allowed:
        raise invalid_input(ctx, field, "must be one of " + ", ".join(allowed))
    return name
