"""Catalog metadata of a native action, derived from its pydantic input model.

The model is the single source: field names (aliases win), JSON types, requiredness, descriptions and defaults go to
the catalog exactly as the SDK catalog's are read (:func:`weavz_flow.catalog.sdk_extract.json_type`), so a native
action and its SDK twin compare field by field.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from weavz_flow.catalog.model import ActionInfo, InputField
from weavz_flow.catalog.sdk_extract import json_type

# Model docstrings read "<Integration display name> — <Action display name>", as in the SDK.
_DOC_SEPARATOR = " — "


def input_fields(model: type[BaseModel]) -> tuple[InputField, ...]:
    fields: list[InputField] = []
    for py_name, info in model.model_fields.items():
        extra: dict[str, Any] = {}
        # A None default only marks the field optional; a real default is one the engine merges in (step 6).
        if not info.is_required() and info.default is not None:
            extra["default"] = info.default
        fields.append(
            InputField(
                name=info.alias or py_name,
                type=json_type(info.annotation),
                required=info.is_required(),
                description=info.description or "",
                display_name=info.title or "",
                **extra,
            )
        )
    return tuple(fields)


def action_info(integration: str, name: str, model: type[BaseModel], *, description: str = "") -> ActionInfo:
    doc = (model.__doc__ or "").strip().splitlines()[0] if model.__doc__ else ""
    _, sep, display = doc.partition(_DOC_SEPARATOR)
    return ActionInfo(
        integration=integration,
        name=name,
        display_name=(display if sep else doc) or name,
        description=description,
        fields=input_fields(model),
    )
