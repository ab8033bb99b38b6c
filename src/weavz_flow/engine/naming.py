"""The Weavz naming rules for slugs, aliases and names, as the engine checks them (the vocabulary itself is
weavz_flow.wire.vocabulary)."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import TypeVar

from weavz_flow.errors import ApiError, ErrorCode
from weavz_flow.wire.vocabulary import (  # the vocabulary is the wire's; engine modules read it from here too
    ALIAS_MAX,
    ALIAS_PATTERN,
    EXTERNAL_ID_MAX,
    NAME_MAX,
    SLUG_MAX,
    SLUG_PATTERN,
    ConnectionScope,
    ConnectionType,
    PersistenceScope,
    Strategy,
)

__all__ = ["ALIAS_MAX", "ALIAS_PATTERN", "EXTERNAL_ID_MAX", "NAME_MAX", "SLUG_MAX", "SLUG_PATTERN", "ConnectionScope",
           "ConnectionType", "PersistenceScope", "Strategy", "check_alias", "check_name", "check_slug", "invalid",
           "parse_enum"]

_SLUG = re.compile(SLUG_PATTERN)
_ALIAS = re.compile(ALIAS_PATTERN)


def invalid(field: str, message: str) -> ApiError:
    return ApiError(ErrorCode.VALIDATION_ERROR, message, details={"fields": [{"field": field, "message": message}]})


def check_slug(slug: str) -> str:
    if not slug:
        raise invalid("slug", "slug must not be empty")
    if len(slug) > SLUG_MAX or not _SLUG.match(slug):
        raise invalid("slug", "slug must be lowercase letters, digits and '-', not starting with '-'")
    return slug


def check_alias(alias: str) -> str:
    if not alias or len(alias) > ALIAS_MAX or not _ALIAS.match(alias):
        raise invalid(
            "alias",
            f"alias must start with a lowercase letter, then lowercase letters, digits, '_' or '-' "
            f"(at most {ALIAS_MAX} characters)",
        )
    return alias


def check_name(field: str, value: str, *, max_length: int = NAME_MAX) -> str:
    if not value or not value.strip():
        raise invalid(field, f"{field} must not be empty")
    if len(value) > max_length:
        raise invalid(field, f"{field} must be at most {max_length} characters")
    return value


E = TypeVar("E", bound=StrEnum)


def parse_enum(enum: type[E], field: str, value: str) -> E:
    try:
        return enum(value)
    except ValueError:
        allowed = ", ".join(e.value for e in enum)
        raise invalid(field, f"{field} must be one of {allowed}") from None
