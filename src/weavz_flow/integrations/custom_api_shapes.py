"""Which ``custom_api_call`` executor runs an integration's catalog entry, chosen by its input shape (its fields).

The catalog's 366 ``custom_api_call`` actions come in 66 shapes; the executors of
:mod:`~weavz_flow.integrations.custom_api_call` cover the families below. A shape outside them (a GraphQL query, an
SQS action, a per-call host such as ``instanceUrl``) has no executor, and its integration stays unsupported; fields a
profile places itself (an account id before the path, a site id header) extend the path family.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from weavz_flow.catalog.model import ActionInfo
from weavz_flow.integrations.catalog_action import CatalogAction
from weavz_flow.integrations.custom_api_call import (
    CONFIRM_DELETE,
    CONFIRM_MUTATION,
    QUERY_FIELDS,
    custom_api_call,
    graphql_custom_api_call,
    path_custom_api_call,
    plain_custom_api_call,
)
from weavz_flow.integrations.provider import ProviderProfile

Executor = Callable[[ProviderProfile], CatalogAction]


@dataclass(frozen=True, slots=True)
class Shape:
    name: str
    executor: Executor
    required: frozenset[str]  # fields the shape has, required or not
    optional: frozenset[str]  # fields it may have

    def fits(self, fields: frozenset[str]) -> bool:
        return self.required <= fields <= self.required | self.optional


PATH = Shape("path", path_custom_api_call, frozenset({"path"}),
             frozenset({"method", "body", "headers", "failsafe", CONFIRM_DELETE, *QUERY_FIELDS, *CONFIRM_MUTATION}))
# BigQuery's name for the same field: a path, or a URL on the provider's hosts.
PATH_OR_URL = Shape("path", path_custom_api_call, frozenset({"pathOrUrl", "method"}), PATH.optional - {"method"})
_COMMON_OPTIONAL = frozenset({"headers", "queryParams", "body_type", "body", "response_is_binary", "failsafe",
                              "timeout", "followRedirects", CONFIRM_DELETE})
SHAPES: tuple[Shape, ...] = (
    PATH,
    PATH_OR_URL,
    # The http integration's shape; ``url`` as {url} or as a string. Without body_type a body would be dropped.
    Shape("common", custom_api_call, frozenset({"method", "url", "body_type"}), _COMMON_OPTIONAL),
    Shape("plain", plain_custom_api_call, frozenset({"method", "url"}),
          frozenset({"body", "query_params", "headers"})),
    Shape("graphql", graphql_custom_api_call, frozenset({"query"}), frozenset({"variables"})),
)


def shape_of(info: ActionInfo, placed: frozenset[str] = frozenset()) -> Shape | None:
    """The executor family of this catalog entry's fields, None when no executor takes them all. ``placed``: fields
    the integration's profile places itself (only the path family takes them)."""
    fields = frozenset(info.field_names)
    if placed:
        return PATH if PATH.fits(fields - placed) else None
    return next((s for s in SHAPES if s.fits(fields)), None)
