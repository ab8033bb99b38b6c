"""Base classes of the wire models: camelCase on the wire, snake_case in Python."""

from __future__ import annotations

from typing import Annotated, Any, Self, TypeVar

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from pydantic.alias_generators import to_camel

from weavz_flow.engine import tables as t
from weavz_flow.engine.naming import ALIAS_MAX, ALIAS_PATTERN, EXTERNAL_ID_MAX, NAME_MAX, SLUG_MAX, SLUG_PATTERN
from weavz_flow.engine.services.partials import NAME_MAX as PARTIAL_NAME_MAX

E = TypeVar("E", bound=BaseModel)

# Constraints of request fields, declared once: pydantic checks them and the OpenAPI document shows them. The request
# guard (server/request_guard.py) refuses NUL and lone surrogates in every string anyway; the pattern says so in the
# document. Lengths and patterns are the engine's own (engine/naming.py).
NO_NUL = "^[^\\x00]*$"
NOT_BLANK = "^[^\\x00]*[^\\s\\x00][^\\x00]*$"  # the engine refuses a name of only spaces
REF_MAX = 1024  # an id, a catalog name or a key: longer ones cannot exist, so they are refused outright


def _text(max_length: int, pattern: str) -> Any:
    return Annotated[str, StringConstraints(min_length=1, max_length=max_length, pattern=pattern)]


Name = _text(NAME_MAX, NOT_BLANK)
ExternalId = _text(EXTERNAL_ID_MAX, NOT_BLANK)
PartialName = _text(PARTIAL_NAME_MAX, NOT_BLANK)
Slug = _text(SLUG_MAX, SLUG_PATTERN)
Alias = _text(ALIAS_MAX, ALIAS_PATTERN)
Ref = _text(REF_MAX, NO_NUL)
Text = Annotated[str, StringConstraints(pattern=NO_NUL)]
ExternalRef = _text(EXTERNAL_ID_MAX, NO_NUL)  # an end user's or a connection's externalId, as a reference
AliasRef = _text(ALIAS_MAX, NO_NUL)


def _stored(column: sa.Column[Any]) -> Any:
    """Free text kept in ``column``: at most as long as the column holds (the schema is the one definition)."""
    return Annotated[str, StringConstraints(max_length=column.type.length, pattern=NO_NUL)]  # type: ignore[attr-defined]


DisplayName = _stored(t.end_users.c.display_name)
Email = _stored(t.end_users.c.email)
Description = _stored(t.partials.c.description)
BaseUrl = _stored(t.connections.c.base_url)
CatalogRef = _stored(t.partials.c.action_name)  # an action's or a trigger's name
IdempotencyKey = _stored(t.idempotency_records.c.key)
# Stored in a 32-bit integer column.
Int32 = Annotated[int, Field(ge=-(2**31), le=2**31 - 1)]


class WireModel(BaseModel):
    """A response body part: serialized by alias (camelCase)."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, serialize_by_alias=True)

    @classmethod
    def of(cls, value: BaseModel | dict[str, Any]) -> Self:
        """The wire form of an engine value (fields the wire does not show are dropped)."""
        data = value.model_dump() if isinstance(value, BaseModel) else value
        return cls.model_validate(data)


class WireRequest(BaseModel):
    """A request body: camelCase keys; keys we do not know are ignored, as the Weavz API ignores what it does not use
    (the SDK sends ``authMethodKey``, ``oauthAppMode`` and similar options on some calls)."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="ignore")

    def to_engine(self, cls: type[E]) -> E:
        """The engine's input value; only the fields the caller sent count as set (PATCH semantics)."""
        return cls.model_validate(self.model_dump(exclude_unset=True))


class Deleted(WireModel):
    deleted: bool = True
    id: str

