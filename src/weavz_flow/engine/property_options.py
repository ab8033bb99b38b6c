"""Dynamic property options (``POST /api/v1/integrations/{name}/properties/options``, weavz-api.md §2.2).

The execute pipeline's steps 1-6 pick the alias, the connection (strategy, end user, explicit connection) and merge
the partials exactly as an execute would (:meth:`weavz_flow.engine.execute.Executor.list_options`); then, in place of
the action, the property's :class:`~weavz_flow.integrations.options.OptionSource` lists with that connection. This
module holds what is particular to options: which source serves a property, the listing, and the answer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from weavz_flow.catalog.model import ActionInfo
from weavz_flow.engine.partial_merge import MergedInput
from weavz_flow.errors import ApiError, ErrorCode
from weavz_flow.integrations.base import ActionContext, NativeIntegration
from weavz_flow.integrations.options import Option, OptionSource, collect


@dataclass(frozen=True, slots=True)
class PropertyOptions:
    options: tuple[Option, ...]
    # True when the caller cannot choose: the property is enforced by a partial, so only its value is offered.
    disabled: bool = False
    complete: bool = True  # False when the listing stopped at its bound (integrations/options.py)


def option_source(natives: Mapping[str, NativeIntegration], action: ActionInfo, property_name: str) -> OptionSource:
    """The source of the property's options; 400 NOT_DYNAMIC naming the property when it has none."""
    native = natives.get(action.integration)
    source = native.options.get(action.name, {}).get(property_name) if native is not None else None
    if source is not None:
        return source
    with_options = sorted(native.options.get(action.name, {})) if native is not None else []
    if action.field(property_name) is None:
        why = f"'{action.key}' has no property '{property_name}'"
    else:
        why = f"property '{property_name}' of '{action.key}' has no dynamic options"
    hint = f"; these have: {', '.join(with_options)}" if with_options else ""
    raise ApiError(ErrorCode.NOT_DYNAMIC, why + hint, details={
        "integrationName": action.integration, "actionName": action.name, "propertyName": property_name,
        "propertiesWithOptions": with_options})


def list_options(
    source: OptionSource, ctx: ActionContext, merged: MergedInput, property_name: str, search: str | None,
) -> PropertyOptions:
    """The options, filtered by ``search``; for an enforced property only its enforced value, and disabled."""
    values = dict(merged.values)
    try:
        if property_name in merged.enforced_keys:
            return _enforced(source, ctx, values, values.get(property_name))
        listed = collect(source, ctx, values, search)
    except ApiError as exc:
        if exc.code is not ErrorCode.ACTION_FAILED:
            raise
        raise ApiError(ErrorCode.OPTIONS_FAILED, f"Listing {source.name} failed: {exc.message}",
                       details=exc.details, status=exc.status) from None
    return PropertyOptions(listed.options, complete=listed.complete)


def _enforced(source: OptionSource, ctx: ActionContext, values: dict[str, Any], enforced: Any) -> PropertyOptions:
    # The provider's label for the enforced value when the listing has it; the value itself otherwise.
    listed = collect(source, ctx, values, None)
    same = tuple(o for o in listed.options if o.value == enforced)
    return PropertyOptions(same[:1] or (Option(str(enforced), enforced),), disabled=True)
