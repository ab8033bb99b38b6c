"""What the provider integration tests (Notion, Airtable, Dropbox) share: an engine over a SQLite store that runs the
named registry integration through an alias pinned to a connection whose base URL is the provider's stub, and the
checks every such test makes (the output has its declared shape; a failure names the provider's status and message
and no secret). :func:`provider_fixtures` gives a test module its stub and engine fixtures."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.engine.engine_fixtures import open_store
from tests.integrations.native_engine import NativeEngine, native_engine
from tests.integrations.test_output_shapes import conforms
from tests.stubs.base import ProviderStub, running
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


REFUSED_TOKEN = "refused-token-never-shown-0123456789"


def refused_token_failure(engine: AliasedEngine, base_url: str, action: str, input: dict[str, Any], message: str,
                          status: int = 401) -> dict[str, Any]:
    """Runs ``action`` over a connection to ``base_url`` holding :data:`REFUSED_TOKEN`, which the stub refuses: the
    failure names the provider's status and message, never the token; its details are returned."""
    engine.connection("refused", REFUSED_TOKEN, base_url)
    error = engine.error(action, input, connection_external_id="refused")
    return assert_provider_failure(error, status, message, REFUSED_TOKEN)


def provider_fixtures(make_stub: Callable[[], ProviderStub], integration: str, token: str,
                      path: str) -> tuple[Any, Any, Any]:
    """A provider test module's fixtures, to assign to module names of the same three names:
    ``provider_server, provider_engine, stub = provider_fixtures(NotionStub, "notion", NOTION_TOKEN, "/v1")``.

    ``provider_server``: the stub, served once per module; ``provider_engine``: an :class:`AliasedEngine` whose
    connection's base URL is the stub's URL plus ``path``; ``stub``: the stub, reset for each test.
    """

    @pytest.fixture(scope="module", name="provider_server")
    def server() -> Iterator[ProviderStub]:
        with running(make_stub()) as served:
            yield served

    @pytest.fixture(scope="module", name="provider_engine")
    def engine(tmp_path_factory: pytest.TempPathFactory, sdk_catalog: Catalog,
               provider_server: ProviderStub) -> Iterator[AliasedEngine]:
        with aliased_engine(tmp_path_factory.mktemp(integration), sdk_catalog, integration, token,
                            provider_server.url + path) as aliased:
            yield aliased

    @pytest.fixture(name="stub")
    def reset_stub(provider_server: ProviderStub) -> ProviderStub:
        provider_server.reset()
        return provider_server

    return server, engine, reset_stub
