"""Base classes of the wire models: camelCase on the wire, snake_case in Python."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Generic, Self, TypeVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    SerializationInfo,
    SerializerFunctionWrapHandler,
    StringConstraints,
    WrapSerializer,
)
from pydantic.alias_generators import to_camel
from pydantic_core import ErrorDetails

from weavz_flow.errors import ApiError, ErrorCode
from weavz_flow.wire.vocabulary import (
    ALIAS_MAX,
    ALIAS_PATTERN,
    BASE_URL_MAX,
    CATALOG_NAME_MAX,
    DESCRIPTION_MAX,
    DISPLAY_NAME_MAX,
    EMAIL_MAX,
    EXTERNAL_ID_MAX,
    IDEMPOTENCY_KEY_MAX,
    NAME_MAX,
    PARTIAL_NAME_MAX,
    SLUG_MAX,
    SLUG_PATTERN,
)

E = TypeVar("E", bound=BaseModel)
Item = TypeVar("Item")

# Constraints of request fields, declared once: pydantic checks them and the OpenAPI document shows them. The request
# guard (server/request_guard.py) refuses NUL and lone surrogates in every string anyway; the pattern says so in the
# document. Lengths and patterns are the vocabulary's, which the engine's checks and tables use too.
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


def _stored(max_length: int) -> Any:
    """Free text kept in a column of ``max_length`` (the engine's table uses the same limit)."""
    return Annotated[str, StringConstraints(max_length=max_length, pattern=NO_NUL)]


DisplayName = _stored(DISPLAY_NAME_MAX)
Email = _stored(EMAIL_MAX)
Description = _stored(DESCRIPTION_MAX)
BaseUrl = _stored(BASE_URL_MAX)
CatalogRef = _stored(CATALOG_NAME_MAX)  # an action's or a trigger's name
IdempotencyKey = _stored(IDEMPOTENCY_KEY_MAX)


def _reveal_when_sending(value: SecretStr, handler: SerializerFunctionWrapHandler, info: SerializationInfo) -> Any:
    return value.get_secret_value() if (info.context or {}).get(SENDING) else handler(value)


# A secret request field: masked in every repr and dump, but sent in clear by :meth:`WireRequest.body` (a client's
# request to the server that encrypts it).
SENDING = "sending"
Secret = Annotated[SecretStr, WrapSerializer(_reveal_when_sending)]

# Stored in a 32-bit integer column.
Int32 = Annotated[int, Field(ge=-(2**31), le=2**31 - 1)]


def invalid_request(errors: list[ErrorDetails]) -> ApiError:
    """The 400 for a request that these models refuse, as the server answers it: the fields named, never their
    values (a refused body may hold a credential)."""
    fields = [{"field": ".".join(str(p) for p in err["loc"]), "message": err["msg"], "type": err["type"]}
              for err in errors]
    named = ", ".join(sorted({f["field"] for f in fields if f["field"]})) or "request"
    return ApiError(ErrorCode.VALIDATION_ERROR, f"Invalid request: {named}", details={"fields": fields})


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

    def body(self) -> dict[str, Any]:
        """The JSON body a client sends: camelCase, the fields that are None left out, secrets in clear."""
        return self.model_dump(mode="json", by_alias=True, exclude_none=True, context={SENDING: True})

    def patch_body(self) -> dict[str, Any]:
        """The JSON body of a PATCH: the fields set, an explicit None included (it clears)."""
        return self.model_dump(mode="json", by_alias=True, exclude_unset=True, context={SENDING: True})


class Identified(WireModel):
    """The ids a server gives what it stores: first in its answers."""

    id: str
    org_id: str


class Stamped(WireModel):
    """The times a server keeps of what it stores: last in its answers."""

    created_at: str
    updated_at: str


class Listing(WireModel, Generic[Item]):
    """A list answer, ``{<items>: [...], total}``: one page of the items, under the key ``items_field`` names, and
    the count of all of them."""

    items_field: ClassVar[str]
    if TYPE_CHECKING:  # each list declares it after its items, the key order of its answer
        total: int

    @property
    def items(self) -> list[Item]:
        items: list[Item] = getattr(self, self.items_field)
        return items


class Deleted(WireModel):
    deleted: bool = True
    id: str

