"""Several pollers and deliverers over one store (SQLite and PostgreSQL): each source is polled by one at a time,
a poller whose lease ran out stores nothing, and callback deliveries are retried (timeouts too), given up after
their window, and never made for a disabled source. Receivers are the echo stub over real HTTP."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from tests.engine.trigger_setup import Setup, later, trigger_engine
from tests.stubs.echo import EchoStub
from tests.stubs.items import ItemsStub
from weavz_flow.engine import tables as t
from weavz_flow.engine.store import Store
from weavz_flow.engine.trigger_polling import PollOutcome, TriggerPoller
from weavz_flow.engine.trigger_settings import TriggerSettings
from weavz_flow.integrations.trigger_base import TriggerEvent
from weavz_flow.redact import REDACTED

QUICK = TriggerSettings(backoff_s=(1.0,), delivery_timeout_s=0.5, give_up_after_s=3600.0)


@pytest.fixture
def setup(store: Store, items_stub: ItemsStub) -> Iterator[Setup]:
    with trigger_engine(store, QUICK) as engine:
        yield Setup(engine, items_stub)


def test_two_pollers_at_once_poll_a_source_once(setup: Setup) -> None:
    setup.enable()
    setup.stub.add("one")
    setup.stub.add("two")
    before = len(setup.stub.requests)
    moment = later()
    start = threading.Barrier(2)
    stored: list[int] = []

    def poll(owner: str) -> None:
        start.wait()
        stored.append(setup.engine.triggers.poll_due(moment, owner=owner))

    threads = [threading.Thread(target=poll, args=(owner,)) for owner in ("A", "B")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(stored) == [0, 2]
    assert len(setup.stub.requests) == before + 1  # one of them asked the provider
    assert [e.data["title"] for e in setup.events()] == ["one", "two"]


def test_a_poller_whose_lease_ran_out_stores_nothing(setup: Setup) -> None:
    view = setup.enable()
    moment = later()
    taken_over: list[int] = []
    other = TriggerPoller(setup.engine.store, lambda row: PollOutcome(
        events=[TriggerEvent("by-b", {"by": "b"})], cursor={"seen": 99}), lease_s=300)

    def slow_run(row: Any) -> PollOutcome:
        # While this poller "asks the provider", its lease runs out and another poller takes the source over.
        taken_over.append(other.poll_due(moment + timedelta(seconds=301), limit=5, owner="B"))
        return PollOutcome(events=[TriggerEvent("by-a", {"by": "a"})], cursor={"seen": 1})

    assert TriggerPoller(setup.engine.store, slow_run, lease_s=300).poll_due(moment, limit=5, owner="A") == 0
    assert taken_over == [1]
    assert [e.data for e in setup.events()] == [{"by": "b"}]
    source = setup.source(view.id)
    assert source.cursor == {"seen": 99} and source.lease_owner is None


def _deliveries(setup: Setup) -> list[Any]:
    with setup.engine.store.read() as conn:
        return conn.execute(sa.select(t.trigger_deliveries).order_by(t.trigger_deliveries.c.seq)).all()


def test_a_timeout_is_retried_and_a_header_secret_never_shows(setup: Setup, echo_stub: EchoStub) -> None:
    setup.enable(callbackUrl=f"{echo_stub.url}/slow?seconds=3", callbackHeaders={"X-Api-Key": "hdr-secret-77"})
    setup.stub.add("one")
    setup.engine.triggers.poll_due(later())
    now = datetime.now(UTC)
    assert setup.engine.triggers.deliver_due(now) == 1
    [delivery] = _deliveries(setup)
    assert (delivery.status, delivery.attempts, delivery.last_status) == ("pending", 1, None)
    assert "Timeout" in delivery.last_error
    assert setup.engine.triggers.deliver_due(now + timedelta(seconds=0.5)) == 0  # not due before its backoff
    assert echo_stub.requests[0].headers["x-api-key"] == "hdr-secret-77"


def test_a_failure_echoing_a_header_secret_is_redacted(setup: Setup, echo_stub: EchoStub) -> None:
    setup.enable(callbackUrl=f"{echo_stub.url}/hook", callbackHeaders={"X-Api-Key": "hdr-secret-77"})
    setup.stub.add("one")
    setup.engine.triggers.poll_due(later())
    echo_stub.fail_next(500, body={"message": "refused key hdr-secret-77"})
    setup.engine.triggers.deliver_due(datetime.now(UTC))
    [delivery] = _deliveries(setup)
    assert "hdr-secret-77" not in delivery.last_error and REDACTED in delivery.last_error
    with setup.engine.store.read() as conn:
        stored = conn.execute(sa.select(t.trigger_sources.c.callback_headers)).scalar_one()
    assert b"hdr-secret-77" not in bytes(stored)


def test_a_delivery_failing_past_its_window_is_given_up_and_the_next_goes(
    store: Store, items_stub: ItemsStub, echo_stub: EchoStub,
) -> None:
    with trigger_engine(store, TriggerSettings(backoff_s=(1.0,), give_up_after_s=10.0)) as engine:
        setup = Setup(engine, items_stub)
        setup.enable(callbackUrl=f"{echo_stub.url}/hook")
        setup.stub.add("one")
        setup.stub.add("two")
        engine.triggers.poll_due(later())
        echo_stub.fail_next(503, n=100)
        moment = datetime.now(UTC)
        for _ in range(15):
            engine.triggers.deliver_due(moment)
            moment += timedelta(seconds=2)
            if _deliveries(setup)[0].status != "pending":
                break
        first, second = _deliveries(setup)
        assert first.status == "failed" and first.attempts >= 5 and second.status == "pending"
        echo_stub.reset()
        engine.triggers.deliver_due(moment)
        assert [r.status for r in _deliveries(setup)] == ["failed", "delivered"]


def test_a_disabled_source_delivers_nothing(setup: Setup, echo_stub: EchoStub) -> None:
    view = setup.enable(callbackUrl=f"{echo_stub.url}/hook")
    setup.stub.add("one")
    setup.engine.triggers.poll_due(later())
    setup.engine.triggers.disable(setup.caller, view.id)
    assert setup.engine.triggers.deliver_due(datetime.now(UTC)) == 0
    assert echo_stub.requests == []
