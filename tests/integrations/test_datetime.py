"""datetime, executed through the engine: its input schema is the SDK catalog's, checked once by the engine."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest

# The engine fixtures are imported by name for pytest; tests then take them as arguments of the same name.
# ruff: noqa: F811
from tests.engine.engine_fixtures import store  # noqa: F401
from tests.integrations.native_engine import NativeEngine, native_engine
from weavz_flow.catalog.catalog import Catalog
from weavz_flow.engine.store import Store
from weavz_flow.errors import ErrorCode
from weavz_flow.integrations import date_time
from weavz_flow.integrations.catalog_action import CatalogAction
from weavz_flow.integrations.output_shapes import output_shape
from weavz_flow.integrations.registry import NATIVE_INTEGRATIONS

NAME = date_time.NAME


@pytest.fixture
def engine(store: Store, sdk_catalog: Catalog) -> Iterator[NativeEngine]:
    with native_engine(store, sdk_catalog, NAME) as engine:
        yield engine


def run(engine: NativeEngine, action: str, **input: Any) -> Any:
    return engine.execute(NAME, action, input)


def invalid_fields(engine: NativeEngine, action: str, **input: Any) -> list[str]:
    error = engine.error(NAME, action, input)
    assert error.code == ErrorCode.VALIDATION_ERROR
    assert error.details is not None
    return [f["field"] for f in error.details["fields"]]


def test_every_catalog_action_is_native_with_the_catalog_schema(sdk_catalog: Catalog) -> None:
    native, sdk = NATIVE_INTEGRATIONS[NAME], sdk_catalog.integration(NAME)
    assert set(native.actions) == set(sdk.actions)
    for name, action in native.actions.items():
        assert isinstance(action, CatalogAction) and action.info == sdk.actions[name]


@pytest.mark.parametrize(("text", "iso"), [
    ("2026-03-01T10:30:00Z", "2026-03-01T10:30:00+00:00"),
    ("2026-03-01", "2026-03-01T00:00:00+00:00"),
    ("Sun, 01 Mar 2026 10:30:00 +0100", "2026-03-01T09:30:00+00:00"),
    ("03/01/2026", "2026-03-01T00:00:00+00:00"),
    ("March 1, 2026", "2026-03-01T00:00:00+00:00"),
    ("1772361000", "2026-03-01T10:30:00+00:00"),
    ("1772361000000", "2026-03-01T10:30:00+00:00"),
])
def test_parse_date_reads_common_forms(engine: NativeEngine, text: str, iso: str) -> None:
    out = run(engine, "parse_date", dateString=text)
    assert out["iso"] == iso and out["timezone"] == "UTC"
    assert out["timestamp"] == int(datetime.fromisoformat(iso).timestamp())
    assert out["dayOfWeek"] == 0  # 1 March 2026 is a Sunday


def test_parse_date_in_a_timezone(engine: NativeEngine) -> None:
    out = run(engine, "parse_date", dateString="2026-07-01T12:00:00", timezone="America/New_York")
    assert out == {"iso": "2026-07-01T12:00:00-04:00", "timestamp": 1782921600, "timezone": "America/New_York",
                   "dayOfWeek": 3}


def test_unparseable_dates_and_unknown_zones_are_validation_errors(engine: NativeEngine) -> None:
    assert invalid_fields(engine, "parse_date", dateString="next tuesday-ish") == ["dateString"]
    assert invalid_fields(engine, "parse_date", dateString="2026-01-01", timezone="Mars/Olympus") == ["timezone"]
    assert invalid_fields(engine, "parse_date") == ["dateString"]  # the catalog's required field


@pytest.mark.parametrize(("fmt", "formatted"), [
    ("iso", "2026-03-01T10:30:05+00:00"),
    ("date", "2026-03-01"),
    ("time", "10:30:05"),
    ("datetime", "2026-03-01 10:30:05"),
    ("rfc2822", "Sun, 01 Mar 2026 10:30:05 +0000"),
    ("human", "Sunday, March 1, 2026 10:30 AM"),
    ("unix", 1772361005),
    ("unix_ms", 1772361005000),
    ("%d.%m.%Y", "01.03.2026"),
])
def test_format_date(engine: NativeEngine, fmt: str, formatted: Any) -> None:
    assert run(engine, "format_date", date="2026-03-01T10:30:05Z", format=fmt) == {"formatted": formatted,
                                                                                     "format": fmt}


def test_format_date_in_a_timezone_and_unknown_preset(engine: NativeEngine) -> None:
    out = run(engine, "format_date", date="2026-03-01T10:30:05Z", format="datetime", timezone="Asia/Tokyo")
    assert out["formatted"] == "2026-03-01 19:30:05"
    assert invalid_fields(engine, "format_date", date="2026-03-01", format="fancy") == ["format"]


@pytest.mark.parametrize(("operation", "amount", "unit", "iso"), [
    ("add", 90, "minutes", "2026-01-31T11:30:00+00:00"),
    ("subtract", 2, "days", "2026-01-29T10:00:00+00:00"),
    ("add", 1.5, "hours", "2026-01-31T11:30:00+00:00"),
    ("add", 1, "month", "2026-02-28T10:00:00+00:00"),
    ("add", 1, "years", "2027-01-31T10:00:00+00:00"),
    ("subtract", 1, "weeks", "2026-01-24T10:00:00+00:00"),
])
def test_date_math(engine: NativeEngine, operation: str, amount: float, unit: str, iso: str) -> None:
    out = run(engine, "date_math", date="2026-01-31T10:00:00Z", operation=operation, amount=amount, unit=unit)
    assert out["iso"] == iso


def test_date_math_keeps_the_local_time_across_a_dst_change(engine: NativeEngine) -> None:
    out = run(engine, "date_math", date="2026-03-07T09:00:00", operation="add", amount=1, unit="days",
              timezone="America/New_York")
    assert out["iso"] == "2026-03-08T09:00:00-04:00"


def test_date_math_rejects_what_the_catalog_cannot(engine: NativeEngine) -> None:
    base = {"date": "2026-01-31", "amount": 1, "unit": "days", "operation": "add"}
    assert invalid_fields(engine, "date_math", **{**base, "operation": "multiply"}) == ["operation"]
    assert invalid_fields(engine, "date_math", **{**base, "unit": "fortnights"}) == ["unit"]
    assert invalid_fields(engine, "date_math", **{**base, "unit": "months", "amount": 1.5}) == ["amount"]
    assert invalid_fields(engine, "date_math", **{**base, "amount": "one"}) == ["amount"]  # the catalog's type


@pytest.mark.parametrize(("date", "expected"), [
    ("2026-03-02T09:00:00", True),   # Monday, opening hour
    ("2026-03-02T16:59:59", True),
    ("2026-03-02T17:00:00", False),  # closing hour
    ("2026-03-02T08:59:00", False),
    ("2026-03-01T12:00:00", False),  # Sunday
])
def test_is_business_hours(engine: NativeEngine, date: str, expected: bool) -> None:
    out = run(engine, "is_business_hours", date=date, timezone="Europe/Paris")
    assert out["isBusinessHours"] is expected
    assert out["localTime"].startswith(date) and out["localTime"].endswith("+01:00")


def test_is_business_hours_with_own_hours_and_days(engine: NativeEngine) -> None:
    sunday_noon = {"date": "2026-03-01T12:00:00Z"}
    assert run(engine, "is_business_hours", **sunday_noon, workDays=[0, 6], startHour=10, endHour=14.0) == {
        "isBusinessHours": True, "localTime": "2026-03-01T12:00:00+00:00", "dayOfWeek": 0}
    assert invalid_fields(engine, "is_business_hours", **sunday_noon, startHour=18) == ["endHour"]
    assert invalid_fields(engine, "is_business_hours", **sunday_noon, workDays=[7]) == ["workDays"]
    now = run(engine, "is_business_hours")
    assert isinstance(now["isBusinessHours"], bool) and now["localTime"].endswith("+00:00")


@pytest.mark.parametrize(("action", "input"), [
    ("parse_date", {"dateString": "2026-03-01"}),
    ("format_date", {"date": "2026-03-01", "format": "date"}),
    ("date_math", {"date": "2026-03-01", "operation": "add", "amount": 1, "unit": "days"}),
    ("is_business_hours", {"date": "2026-03-02T10:00:00"}),
])
def test_outputs_have_exactly_the_declared_fields(engine: NativeEngine, action: str, input: dict[str, Any]) -> None:
    shape = output_shape(NAME, action)
    assert shape is not None and shape.type == "object"
    out = run(engine, action, **input)
    assert sorted(out) == sorted(f.name for f in shape.fields)
    types = {"string": str, "integer": int, "boolean": bool, "any": object}
    for f in shape.fields:
        assert isinstance(out[f.name], types[f.type]), f.name
