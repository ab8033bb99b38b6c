"""Base classes of the wire models: camelCase on the wire, snake_case in Python."""

from __future__ import annotations

from typing import Any, Self, TypeVar

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

E = TypeVar("E", bound=BaseModel)


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

