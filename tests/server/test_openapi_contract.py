"""schemathesis against /openapi.json: generated requests never get a 5xx, and every response conforms to the
documented statuses, content types and schemas. Bounded (a few examples per operation) to stay quick.

The operations are driven through schemathesis' Python API (strategy per operation, hypothesis ``@given``) rather
than its pytest plugin, whose fixture integration does not support the pytest version in use here.
"""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.server.accounts import Account

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES_PER_OPERATION = 12


def test_api_conforms_to_its_openapi_document(account: Account) -> None:
    schema = schemathesis.openapi.from_url(f"{account.url}/openapi.json")
    headers = {"Authorization": f"Bearer {account.api_key}"}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 25

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def check(case: schemathesis.Case) -> None:
            case.call_and_validate(headers=headers, checks=CHECKS)

        check()


def test_openapi_documents_the_error_body(account: Account) -> None:
    schema = schemathesis.openapi.from_url(f"{account.url}/openapi.json").raw_schema
    assert "ErrorBody" in schema["components"]["schemas"]
    execute = schema["paths"]["/api/v1/actions/execute"]["post"]["responses"]
    assert {"200", "400", "401", "403", "404"} <= set(execute)
    assert execute["400"]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorBody")
    assert all("422" not in op["responses"] for path in schema["paths"].values() for op in path.values())


