"""What the provider integration tests (Notion, Airtable, Dropbox) share: an engine over a SQLite store that runs the
named registry integration through an alias pinned to a connection whose base URL is the provider's stub, and the
checks every such test makes (the output has its declared shape; a failure names the provider's status and message
and no secret)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tests.engine.engine_fixtures import open_store
from tests.integrations.native_engine import NativeEngine, native_engine
from tests.integrations.test_output_shapes import conforms
from weavz_flow.catalog.catalog import Catalog
from weavz_flow.errors import ApiError, ErrorCode
from weavz_flow.integrations.output_shapes import output_shape

ALIAS = "team"


class AliasedEngine:
    """Executes ``integration`` actions through the alias ``team`` (its connection points at the stub)."""

    def __init__(self, engine: NativeEngine, integration: str) -> None:
        self.engine = engine
        self.integration = integration

    def run(self, action: str, input: dict[str, Any], **request: Any) -> Any:
        output = self.engine.execute(self.integration, action, input, integration_alias=ALIAS, **request)
        shape = output_shape(self.integration, action)
        assert shape is not None
        conforms(shape, output, exact=False)
        return output

    def error(self, action: str, input: dict[str, Any], **request: Any) -> ApiError:
        return self.engine.error(self.integration, action, input, integration_alias=ALIAS, **request)

    def connection(self, external_id: str, token: str, base_url: str) -> str:
        return self.engine.connection(self.integration, external_id, token, base_url)


@contextmanager
def aliased_engine(tmp: Path, sdk_catalog: Catalog, integration: str, token: str,
                   base_url: str) -> Iterator[AliasedEngine]:
    with open_store("sqlite", tmp) as store, native_engine(store, sdk_catalog, integration) as engine:
        engine.alias(integration, ALIAS, engine.connection(integration, "main", token, base_url))
        yield AliasedEngine(engine, integration)


def assert_provider_failure(error: ApiError, status: int, message: str, *secrets: str) -> dict[str, Any]:
    """ACTION_FAILED naming the provider's status and message, and none of ``secrets`` anywhere."""
    assert error.code == ErrorCode.ACTION_FAILED, error
    details = error.details or {}
    assert details["providerStatus"] == status
    assert message in details["providerMessage"]
    shown = f"{error} {error!r} {error.to_body()}"
    for secret in secrets:
        assert secret not in shown
    return details
