"""Failed authentications are limited per client address; valid keys never are (README "Security model")."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.server.accounts import SERVICE_KEY, LiveServer, bootstrap_account
from tests.server.live_server import serve_in_thread
from weavz_flow.engine.engine import Engine
from weavz_flow.sensitive import Sensitive
from weavz_flow.server.app import create_app
from weavz_flow.server.auth_failures import AuthFailureLimiter, AuthFailureLimits
from weavz_flow.server.settings import ServerSettings

LIMIT = 5


@pytest.fixture
def strict_server(tmp_path: Path) -> Iterator[LiveServer]:
    """A server of its own (the limiter's counts are per process), with a low limit and a window no test outlives."""
    engine = Engine.open(f"sqlite:///{tmp_path / 'state.db'}", key_file=tmp_path / "secret.key")
    settings = ServerSettings(service_key=Sensitive(SERVICE_KEY),
                              auth_failures=AuthFailureLimits(max_failures=LIMIT, window_s=3600))
    try:
        with serve_in_thread(create_app(engine, settings)) as url:
            yield LiveServer(url=url, engine=engine, service_key=SERVICE_KEY)
    finally:
        engine.close()


def test_failures_past_the_limit_are_429_and_valid_keys_still_pass(strict_server: LiveServer) -> None:
    account = bootstrap_account(strict_server)
    with httpx.Client(base_url=strict_server.url, timeout=30) as http:
        for _ in range(LIMIT + 1):  # no credentials, or the right service key without X-Org-ID: not guesses
            assert http.get("/api/v1/workspaces").status_code == 401
            assert http.get("/api/v1/workspaces", headers={"X-Service-Key": SERVICE_KEY}).status_code == 401
        for i in range(LIMIT):
            wrong = http.get("/api/v1/workspaces", headers={"Authorization": f"Bearer wvz_guess{i}"})
            assert wrong.status_code == 401, (i, wrong.text)
        limited = http.get("/api/v1/workspaces", headers={"Authorization": "Bearer wvz_guess-next"})
        assert limited.status_code == 429
        assert limited.json()["code"] == "RATE_LIMITED" and isinstance(limited.json()["error"], str)
        retry_after = int(limited.headers["Retry-After"])
        assert 0 < retry_after <= 3600 and limited.json()["details"]["retryAfter"] == retry_after
        # A wrong service key from the same address is a failure too.
        assert http.post("/api/v1/orgs", json={"name": "x"}, headers={"X-Service-Key": "nope"}).status_code == 429
        # The valid key from the same (limited) address is served, every time.
        for _ in range(LIMIT * 2):
            ok = http.get("/api/v1/workspaces", headers={"Authorization": f"Bearer {account.api_key}"})
            assert ok.status_code == 200, ok.text
        service = http.post("/api/v1/orgs", json={"name": "y"}, headers={"X-Service-Key": SERVICE_KEY})
        assert service.status_code == 201, service.text


class _Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_limiter_forgets_old_windows_and_stays_bounded_under_a_flood_of_addresses() -> None:
    clock = _Clock()
    limiter = AuthFailureLimiter(AuthFailureLimits(max_failures=2, window_s=60, max_addresses=100), clock=clock)
    assert limiter.failed("10.0.0.1") is None and limiter.failed("10.0.0.1") is None
    over = limiter.failed("10.0.0.1")
    assert over is not None and over.status == 429 and over.headers == {"Retry-After": "60"}
    clock.now += 59.5
    assert limiter.failed("10.0.0.1").headers == {"Retry-After": "1"}  # type: ignore[union-attr]
    clock.now += 1  # the window is over: a fresh start
    assert limiter.failed("10.0.0.1") is None
    for i in range(10_000):
        limiter.failed(f"198.51.{i // 256}.{i % 256}")
        assert len(limiter) <= 100
    clock.now += 61
    limiter.failed("10.0.0.2")
    assert len(limiter) == 1
