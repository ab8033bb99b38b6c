"""schemathesis against /openapi.json: generated requests never get a 5xx, and every response conforms to the
documented statuses, content types and schemas. Bounded (a few examples per operation) to stay quick.

The operations are driven through schemathesis' Python API (strategy per operation, hypothesis ``@given``) rather
than its pytest plugin, whose fixture integration does not support the pytest version in use here.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from tests.server.accounts import Account

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# Negative data (what the document says is invalid) must be refused with a 4xx, never accepted and never a 5xx.
NEGATIVE_CHECKS = [*CHECKS, negative_data_rejection]
# Examples per operation and mode; WEAVZ_FLOW_SCHEMATHESIS_EXAMPLES=500 (say) for a long run.
EXAMPLES_ENV = "WEAVZ_FLOW_SCHEMATHESIS_EXAMPLES"
EXAMPLES_PER_OPERATION = int(os.environ.get(EXAMPLES_ENV, "12"))


@pytest.mark.timeout(300 + 10 * EXAMPLES_PER_OPERATION)  # a long run takes a few seconds per example and operation
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=str)
def test_api_conforms_to_its_openapi_document(account: Account, mode: GenerationMode) -> None:
    schema = schemathesis.openapi.from_url(f"{account.url}/openapi.json")
    headers = {"Authorization": f"Bearer {account.api_key}"}
    operations = [result.ok() for result in schema.get_all_operations()]
    documented = sum(len(ops) for ops in schema.raw_schema["paths"].values())
    assert len(operations) == documented >= 25  # every operation, a new one included
    checks = CHECKS if mode is GenerationMode.POSITIVE else NEGATIVE_CHECKS
    unsatisfiable: list[str] = []

    for operation in operations:

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def check(case: schemathesis.Case) -> None:
            case.call_and_validate(headers=headers, checks=checks)

        try:
            check()
        except Unsatisfiable:
            # Only in negative mode: no input of this operation can be invalid (none at all, or only free strings
            # such as a path id).
            assert mode is GenerationMode.NEGATIVE, operation.label
            unsatisfiable.append(operation.label)
    assert len(unsatisfiable) < len(operations) / 2, unsatisfiable


def test_openapi_documents_the_error_body(account: Account) -> None:
    schema = schemathesis.openapi.from_url(f"{account.url}/openapi.json").raw_schema
    assert "ErrorBody" in schema["components"]["schemas"]
    execute = schema["paths"]["/api/v1/actions/execute"]["post"]["responses"]
    assert {"200", "400", "401", "403", "404"} <= set(execute)
    assert execute["400"]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorBody")
    assert all("422" not in op["responses"] for path in schema["paths"].values() for op in path.values())


