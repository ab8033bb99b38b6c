"""Running a native POLLING trigger directly (no engine) against a provider stub: ``baseline`` and ``poll`` with a
context whose base URL is the stub's, no retries (a failure reaches the test at once)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx

from tests.integrations.context import context
from weavz_flow.integrations.base import ActionContext, NativeIntegration
from weavz_flow.integrations.retry import RetryPolicy
from weavz_flow.integrations.trigger_base import Cursor, PollingTrigger, PollResult


@dataclass
class Poller:
    http: httpx.Client
    integration: NativeIntegration
    base_url: str
    token: str
    input: dict[str, Any] = field(default_factory=dict)  # the input of every call, unless one replaces it

    def trigger(self, name: str) -> PollingTrigger:
        found = self.integration.triggers[name]
        assert isinstance(found, PollingTrigger)
        return found

    def context(self, name: str, token: str | None = None) -> ActionContext:
        return context(self.http, self.integration.name, name, base_url=self.base_url, token=token or self.token,
                       retry=RetryPolicy(max_retries=0))

    def baseline(self, name: str, input: dict[str, Any] | None = None, **extra: Any) -> Cursor:
        return self.trigger(name).baseline(self.context(name), self._input(input, extra))

    def poll(self, name: str, cursor: Cursor, input: dict[str, Any] | None = None, *, token: str | None = None,
             **extra: Any) -> PollResult:
        return self.trigger(name).poll(self.context(name, token), self._input(input, extra), cursor)

    def _input(self, input: dict[str, Any] | None, extra: dict[str, Any]) -> dict[str, Any]:
        return {**(self.input if input is None else input), **extra}
