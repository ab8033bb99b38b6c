"""Building an :class:`ActionContext` for a native action directly (no engine), pointed at a stub."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import httpx

from weavz_flow.integrations.base import ActionContext, Credentials
from weavz_flow.integrations.retry import RetryPolicy
from weavz_flow.redact import Redactor
from weavz_flow.sensitive import Sensitive


@dataclass
class SleepRecorder:
    """Stands in for ``time.sleep``: records each requested wait instead of waiting."""

    waits: list[float] = field(default_factory=list)

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def credentials(token: str | None) -> Credentials | None:
    return None if token is None else Credentials(type="SECRET_TEXT", secret_text=Sensitive(token))


@contextmanager
def client() -> Iterator[httpx.Client]:
    with httpx.Client() as c:
        yield c


def context(
    http: httpx.Client,
    integration: str,
    action: str,
    *,
    base_url: str | None = None,
    token: str | None = None,
    retry: RetryPolicy | None = None,
    sleep: SleepRecorder | None = None,
    timeout: float = 10.0,
) -> ActionContext:
    creds = credentials(token)
    policy = retry or RetryPolicy(sleep=sleep or SleepRecorder())
    return ActionContext(
        integration=integration,
        action=action,
        http=http,
        credentials=creds,
        base_url=base_url,
        redactor=Redactor(creds.secret_strings() if creds else ()),
        retry=policy,
        timeout=timeout,
    )
