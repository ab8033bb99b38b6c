"""The Weavz naming rules for slugs, aliases and the closed vocabularies of the managed objects."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import TypeVar

from weavz_flow.errors import ApiError, ErrorCode

SLUG_PATTERN = r"^[a-z0-9][a-z0-9-]*$"
ALIAS_PATTERN = r"^[a-z][a-z0-9_-]*$"
_SLUG = re.compile(SLUG_PATTERN)
_ALIAS = re.compile(ALIAS_PATTERN)
ALIAS_MAX = 64
SLUG_MAX = 100
NAME_MAX = 200  # a workspace's, an organization's or an API key's name
EXTERNAL_ID_MAX = 255  # a connection's or an end user's externalId, a connection's displayName


class Strategy(StrEnum):
    FIXED = "fixed"
    PER_USER = "per_user"
    PER_USER_WITH_FALLBACK = "per_user_with_fallback"


class ConnectionType(StrEnum):
    SECRET_TEXT = "SECRET_TEXT"
    BASIC_AUTH = "BASIC_AUTH"
    CUSTOM_AUTH = "CUSTOM_AUTH"
    OAUTH2 = "OAUTH2"
    PLATFORM_OAUTH2 = "PLATFORM_OAUTH2"


class ConnectionScope(StrEnum):
    ORGANIZATION = "ORGANIZATION"
    WORKSPACE = "WORKSPACE"
    USER = "USER"


class PersistenceScope(StrEnum):
    END_USER = "end_user"
    WORKSPACE = "workspace"
    EXTERNAL = "external"


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
