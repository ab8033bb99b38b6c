"""Field annotations of the SDK's models map onto JSON types."""

from __future__ import annotations

from typing import Any, Optional, Union

import pytest

from weavz_flow.catalog.sdk_extract import json_type


@pytest.mark.parametrize(
    ("annotation", "expected"),
    [
        (str, "string"),
        (float, "number"),
        (int, "integer"),
        (bool, "boolean"),
        (list[Any], "array"),
        (list[str], "array"),
        (list[Union[dict[str, float], tuple[float, float]]], "array"),  # noqa: UP007 (the SDK's spelling)
        (dict[str, Any], "object"),
        (Any, None),
        (Union[str, dict[str, Any]], None),  # noqa: UP007
        (Optional[str], "string"),  # noqa: UP045
        (Optional[float], "number"),  # noqa: UP045
        (Optional[list[Any]], "array"),  # noqa: UP045
        (Optional[Any], None),  # noqa: UP045
        (Union[str, dict[str, Any], None], None),  # noqa: UP007
        (str | None, "string"),
        (dict[str, Any] | None, "object"),
    ],
)
def test_json_type(annotation: Any, expected: str | None) -> None:
    assert json_type(annotation) == expected
